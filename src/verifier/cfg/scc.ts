// CFG orderings used before do_check: bpf_insn_successors (kernel/bpf/liveness.c,
// table based in 6.18), compute_postorder and compute_scc (verifier.c).

import type { Insn } from '../../isa/insn.js';
import {
  BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, isLdImm64, opClass, opJmp,
} from '../../isa/opcode.js';
import type { InsnAux } from '../state/insnAux.js';
import { jmpOffset, type SubprogTable } from '../state/subprogs.js';

/**
 * bpf_insn_successors. Calls (helper, kfunc and bpf-to-bpf alike) only fall
 * through; exit has none; ja only jumps; every other JMP/JMP32 op (including
 * may_goto and the invalid JMP32 call) falls through and jumps. Non-jump
 * classes fall through, by 2 for ld_imm64. Fallthrough comes first.
 */
export function insnSuccessors(insns: readonly Insn[], idx: number): number[] {
  const insn = insns[idx]!;
  const cls = opClass(insn.code);
  const op = opJmp(insn.code);
  let canJump = false;
  let canFall = true;
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (op === BPF_EXIT) canFall = false;
    else if (op === BPF_JA) { canJump = true; canFall = false; }
    else if (op !== BPF_CALL) canJump = true;
  }
  const out: number[] = [];
  if (canFall) out.push(idx + (isLdImm64(insn.code) ? 2 : 1));
  if (canJump) out.push(idx + jmpOffset(insn) + 1);
  return out;
}

/**
 * bpf_insn_successors for every insn, computed once per program: entries
 * 2i and 2i+1 hold insn i's successors in insnSuccessors order, -1 when absent.
 */
export function succTable(insns: readonly Insn[]): Int32Array {
  const n = insns.length;
  const t = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const code = insns[i]!.code;
    const cls = opClass(code);
    let a = i + (isLdImm64(code) ? 2 : 1);
    let b = -1;
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = opJmp(code);
      if (op === BPF_EXIT) a = -1;
      else if (op === BPF_JA) a = i + jmpOffset(insns[i]!) + 1;
      else if (op !== BPF_CALL) b = i + jmpOffset(insns[i]!) + 1;
    }
    t[2 * i] = a;
    t[2 * i + 1] = b;
  }
  return t;
}

const DISCOVERED = 0x10;
const EXPLORED = 0x20;

/**
 * compute_postorder: per subprog, an explicit-stack walk from its start that
 * pushes all undiscovered successors at once (not a textbook DFS; the order
 * matters for the fixed-point iteration of liveness). Sets
 * table.info[i].postorderStart (including the fake exit entry) and
 * aux[i].postorder; returns the postorder.
 */
export function computePostorder(
  insns: readonly Insn[], aux: InsnAux[], table: SubprogTable, succ: Int32Array = succTable(insns),
): number[] {
  const n = insns.length;
  const state = new Uint8Array(n);
  const postorder: number[] = [];
  for (let i = 0; i < table.count; i++) {
    table.info[i]!.postorderStart = postorder.length;
    const stack: number[] = [table.info[i]!.start];
    do {
      const top = stack[stack.length - 1]!;
      state[top] = state[top]! | DISCOVERED;
      if (state[top]! & EXPLORED) {
        aux[top]!.postorder = postorder.length;
        postorder.push(top);
        stack.pop();
        continue;
      }
      for (let k = 2 * top; k < 2 * top + 2; k++) {
        const s = succ[k]!;
        if (s >= 0 && !state[s]) {
          stack.push(s);
          state[s] = DISCOVERED;
        }
      }
      state[top] = state[top]! | EXPLORED;
    } while (stack.length > 0);
  }
  table.info[table.count]!.postorderStart = postorder.length;
  return postorder;
}

/**
 * compute_scc: iterative Tarjan (Pearce's variant) over bpf_insn_successors,
 * roots tried in insn order (including ld_imm64 second slots, as the kernel
 * does). Only components with two or more insns, or a self edge, get an id;
 * ids start at 1 in the order components are completed. Returns scc_cnt
 * (the next unused id, so ids are 1..sccCnt-1).
 */
export function computeScc(insns: readonly Insn[], aux: InsnAux[], succ: Int32Array = succTable(insns), callbackLoops = false): number {
  const n = insns.length;
  const NOT_ON_STACK = 0xffffffff;
  // One allocation for the four per-insn arrays of the walk.
  const buf = new Uint32Array(4 * n);
  const pre = buf.subarray(0, n);
  const low = buf.subarray(n, 2 * n);
  const stack = buf.subarray(2 * n, 3 * n);
  const dfs = buf.subarray(3 * n, 4 * n);
  let nextPreorder = 1;
  let nextScc = 1;
  for (let i = 0; i < n; i++) {
    if (pre[i]) continue;
    let stackSz = 0;
    let dfsSz = 1;
    dfs[0] = i;
    dfsLoop: while (dfsSz) {
      const w = dfs[dfsSz - 1]!;
      if (pre[w] === 0) {
        low[w] = nextPreorder;
        pre[w] = nextPreorder;
        nextPreorder++;
        stack[stackSz++] = w;
      }
      for (let k = 2 * w; k < 2 * w + 2; k++) {
        const s = succ[k]!;
        if (s < 0) continue;
        if (pre[s]) {
          low[w] = Math.min(low[w]!, low[s]!);
        } else {
          dfs[dfsSz++] = s;
          continue dfsLoop;
        }
      }
      if (low[w]! < pre[w]!) {
        dfsSz--;
        continue;
      }
      let assign = stack[stackSz - 1] !== w;
      if (succ[2 * w] === w || succ[2 * w + 1] === w) assign = true;
      // sccCallbackLoops: a callback-calling insn is an implicit loop
      if (callbackLoops && aux[w]!.callsCallback) assign = true;
      let t: number;
      do {
        t = stack[--stackSz]!;
        low[t] = NOT_ON_STACK;
        if (assign) aux[t]!.scc = nextScc;
      } while (t !== w);
      if (assign) nextScc++;
      dfsSz--;
    }
  }
  return nextScc;
}
