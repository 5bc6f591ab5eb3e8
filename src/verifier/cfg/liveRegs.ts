// compute_live_registers (v6.18): per-insn use/def masks (compute_insn_live_regs)
// and a backward may-live fixed point over the postorder.

import type { Insn } from '../../isa/insn.js';
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH,
  BPF_IMM, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX, BPF_MEM, BPF_MEMSX,
  BPF_MOV, BPF_ST, BPF_STX, isLdImm64, opAlu, opClass, opMode, opSize, opSrc,
} from '../../isa/opcode.js';
import type { InsnAux } from '../state/insnAux.js';
import { succTable } from './scc.js';
import { isHelperCall, isKfuncCall } from '../state/subprogs.js';

export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;
/** CALLER_SAVED_REGS = 6: r0..r5. */
export const ALL_CALLER_SAVED_REGS = 0x3f;

/**
 * get_call_summary's num_params: for a helper, the count of arg types before
 * the first ARG_DONTCARE of the proto get_func_proto returns for this program
 * type; for a kfunc, the BTF param count. Return undefined when the kernel
 * finds no proto (unknown id, not allowed for the prog type, kfunc meta
 * failure): the call then "uses" r1..r5.
 */
export type CallParams = (call: Insn) => number | undefined;

/** Bits l..h inclusive (GENMASK); empty when h < l. */
const genmask = (h: number, l: number): number => (h < l ? 0 : ((1 << (h + 1)) - 1) & ~((1 << l) - 1));

/** compute_insn_live_regs: { use, def } as 16-bit masks. */
export function insnUseDef(insn: Insn, callParams?: CallParams): { use: number; def: number } {
  const ud = insnUseDefPacked(insn, callParams);
  return { use: ud & 0xffff, def: ud >>> 16 };
}

/** insnUseDef as one number, use | def << 16 (no allocation per insn). */
function insnUseDefPacked(insn: Insn, callParams?: CallParams): number {
  const cls = opClass(insn.code);
  const op = opAlu(insn.code);
  const mode = opMode(insn.code);
  const src = (1 << insn.src) & 0xffff;
  const dst = (1 << insn.dst) & 0xffff;
  const r0 = 1;
  let def = 0;
  let use = 0xffff;
  switch (cls) {
    case BPF_LD:
      if (mode === BPF_IMM && opSize(insn.code) === BPF_DW) {
        def = dst;
        use = 0;
      }
      break;
    case BPF_LDX:
      if (mode === BPF_MEM || mode === BPF_MEMSX) {
        def = dst;
        use = src;
      }
      break;
    case BPF_ST:
      if (mode === BPF_MEM) {
        def = 0;
        use = dst;
      }
      break;
    case BPF_STX:
      if (mode === BPF_MEM) {
        def = 0;
        use = dst | src;
      } else if (mode === BPF_ATOMIC) {
        if (insn.imm === BPF_CMPXCHG) {
          use = r0 | dst | src;
          def = r0;
        } else if (insn.imm === BPF_LOAD_ACQ) {
          def = dst;
          use = src;
        } else if (insn.imm === BPF_STORE_REL) {
          def = 0;
          use = dst | src;
        } else {
          use = dst | src;
          def = insn.imm & BPF_FETCH ? src : 0;
        }
      }
      break;
    case BPF_ALU:
    case BPF_ALU64:
      if (op === BPF_END) {
        use = dst;
        def = dst;
      } else if (op === BPF_MOV) {
        def = dst;
        use = opSrc(insn.code) === BPF_K ? 0 : src;
      } else {
        def = dst;
        use = opSrc(insn.code) === BPF_K ? dst : dst | src;
      }
      break;
    case BPF_JMP:
    case BPF_JMP32:
      if (op === BPF_JA || op === BPF_JCOND) {
        def = 0;
        use = 0;
      } else if (op === BPF_EXIT) {
        def = 0;
        use = r0;
      } else if (op === BPF_CALL) {
        def = ALL_CALLER_SAVED_REGS;
        use = def & ~r0;
        // get_call_summary only answers for helpers and kfuncs, never bpf-to-bpf calls.
        if (callParams && (isHelperCall(insn) || isKfuncCall(insn))) {
          const n = callParams(insn);
          if (n !== undefined) use = genmask(n, 1);
        }
      } else {
        def = 0;
        use = opSrc(insn.code) === BPF_K ? dst : dst | src;
      }
      break;
  }
  return (use & 0xffff) | ((def & 0xffff) << 16);
}

/**
 * compute_live_registers: fills aux[i].liveRegsBefore for every insn. Insns
 * not in the postorder (ld_imm64 second slots) keep 0, as in the kernel.
 */
export function computeLiveRegisters(
  insns: readonly Insn[], aux: InsnAux[], postorder: readonly number[], callParams?: CallParams,
  succ: Int32Array = succTable(insns),
): void {
  const n = insns.length;
  // One buffer: use at [i], def at [n + i], live in at [2n + i], live out at [3n + i].
  const b = new Uint16Array(4 * n);
  const I = 2 * n, O = 3 * n;
  for (let i = 0; i < n; i++) {
    const ud = insnUseDefPacked(insns[i]!, callParams);
    b[i] = ud & 0xffff;
    b[n + i] = ud >>> 16;
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = 0; k < postorder.length; k++) {
      const i = postorder[k]!;
      let out = 0;
      const s0 = succ[2 * i]!, s1 = succ[2 * i + 1]!;
      if (s0 >= 0 && s0 < n) out |= b[I + s0]!;
      if (s1 >= 0 && s1 < n) out |= b[I + s1]!;
      const inn = ((out & ~b[n + i]!) | b[i]!) & 0xffff;
      if (out !== b[O + i] || inn !== b[I + i]) {
        b[I + i] = inn;
        b[O + i] = out;
        changed = true;
      }
    }
  }
  for (let i = 0; i < n; i++) aux[i]!.liveRegsBefore = b[I + i]!;
}

/**
 * The "Live regs before insn:" block printed at log_level 2, one string per
 * line (without newline). `disasm` renders an insn as print_bpf_insn does,
 * e.g. "(b7) r0 = 0".
 */
export function formatLiveRegsLog(insns: readonly Insn[], aux: readonly InsnAux[], disasm: (i: number) => string): string[] {
  const lines = ['Live regs before insn:'];
  for (let i = 0; i < insns.length; i++) {
    const a = aux[i]!;
    let s = a.scc ? `${String(a.scc).padStart(3)} ` : '    ';
    s += `${String(i).padStart(3)}: `;
    for (let r = 0; r < 10; r++) s += a.liveRegsBefore & (1 << r) ? String(r) : '.';
    s += ` ${disasm(i)}`;
    lines.push(s);
    if (isLdImm64(insns[i]!.code)) i++;
  }
  return lines;
}
