// check_cfg (v6.18): the iterative DFS of visit_insn/push_insn that marks
// prune points, jmp points, force checkpoints and callback-calling calls and
// rejects unreachable code, plus the structural insn checks of
// resolve_pseudo_ldimm64 and the whole pre-do_check pipeline in bpf_check order.

import type { Insn } from '../../isa/insn.js';
import {
  BPF_CALL, BPF_DW, BPF_EXIT, BPF_IMM, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_K, BPF_LD, BPF_LDX,
  BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, isLdImm64, opClass, opJmp, opMode, opSrc,
} from '../../isa/opcode.js';
import { E2BIG, EFAULT, EINVAL, PASS_OK, newInsnAux, passFail, type InsnAux, type PassResult } from '../state/insnAux.js';
import { computeLiveRegisters, type CallParams } from './liveRegs.js';
import { computePostorder, computeScc, succTable } from './scc.js';
import type { KernelSwitches } from '../profile/switches.js';
import {
  assignSubprogs, checkSubprogs, findContainingSubprog, isHelperCall, isKfuncCall, isPseudoFunc,
  type SubprogTable,
} from '../state/subprogs.js';

export const BPF_FUNC_for_each_map_elem = 164;
export const BPF_FUNC_timer_set_callback = 170;
export const BPF_FUNC_find_vma = 180;
export const BPF_FUNC_loop = 181;
export const BPF_FUNC_user_ringbuf_drain = 209;

const isSyncCallbackHelper = (id: number): boolean =>
  id === BPF_FUNC_for_each_map_elem || id === BPF_FUNC_find_vma || id === BPF_FUNC_loop || id === BPF_FUNC_user_ringbuf_drain;

export const isMayGoto = (i: Insn): boolean => i.code === (BPF_JMP | BPF_JCOND) && i.src === BPF_MAY_GOTO;

/** What check_cfg learns about a kfunc from BTF (fetch_kfunc_meta); the model has no BTF, so callers supply it. */
export interface KfuncSummary {
  isIterNext?: boolean;
  syncCallback?: boolean;
  asyncCallback?: boolean;
  sleepable?: boolean;
  pktChanging?: boolean;
}

/** What check_cfg learns about a helper (get_helper_proto / bpf_helper_changes_pkt_data). */
export interface HelperSummary {
  mightSleep?: boolean;
  changesPktData?: boolean;
}

export interface CfgOptions {
  /** env->bpf_capable: back-edges (loops) allowed. Default true (root). */
  bpfCapable?: boolean;
  helper?: (funcId: number) => HelperSummary | undefined;
  kfunc?: (call: Insn) => KfuncSummary | undefined;
}

// Opcodes bpf_opcode_in_insntable accepts on 6.18 (kernel/bpf/core.c), ld_imm64
// aside. Cross-checked against the live kernel: every other byte is "unknown opcode".
const INSN_TABLE_LIST: readonly number[] = [
  // ALU / ALU64, K and X forms
  0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c,
  0x84, 0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc, 0xd4, 0xdc,
  0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f,
  0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7,
  // JMP
  0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d,
  0x85, 0x95, 0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0xe5,
  // JMP32
  0x06, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e, 0x76, 0x7e,
  0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
  // LDX MEM / MEMSX
  0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
  // ST / STX MEM, STX ATOMIC
  0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xcb, 0xd3, 0xdb,
  // LD ABS / IND
  0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
];
// Indexed by opcode byte: cheaper than a Set lookup on every insn of every program.
const INSN_TABLE = new Uint8Array(256);
for (const c of INSN_TABLE_LIST) INSN_TABLE[c] = 1;

export const opcodeInInsnTable = (code: number): boolean => (code & 0xff) === code && INSN_TABLE[code] === 1;

/**
 * The map-free checks of resolve_pseudo_ldimm64, in its order: LDX reserved
 * fields, ld_imm64 shape and pseudo src, unknown opcodes. Map fds are not
 * resolved here (a pseudo map load is assumed to name a valid map).
 */
export function checkInsnEncoding(insns: readonly Insn[]): PassResult {
  const n = insns.length;
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    if (opClass(insn.code) === BPF_LDX &&
        ((opMode(insn.code) !== BPF_MEM && opMode(insn.code) !== BPF_MEMSX) || insn.imm !== 0)) {
      return passFail('BPF_LDX uses reserved fields', EINVAL);
    }
    if (insn.code === (BPF_LD | BPF_IMM | BPF_DW)) {
      const next = insns[i + 1];
      if (i === n - 1 || !next || next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
        return passFail('invalid bpf_ld_imm64 insn', EINVAL);
      }
      const s = insn.src;
      const ok = s === 0 || s === BPF_PSEUDO_BTF_ID || s === BPF_PSEUDO_FUNC ||
        s === BPF_PSEUDO_MAP_VALUE || s === BPF_PSEUDO_MAP_IDX_VALUE ||
        ((s === BPF_PSEUDO_MAP_FD || s === BPF_PSEUDO_MAP_IDX) && next.imm === 0);
      if (!ok) return passFail('unrecognized bpf_ld_imm64 insn', EINVAL);
      i++;
      continue;
    }
    if (!opcodeInInsnTable(insn.code)) {
      return passFail(`unknown opcode ${insn.code.toString(16).padStart(2, '0')}`, EINVAL);
    }
  }
  return PASS_OK;
}

const DISCOVERED = 0x10;
const EXPLORED = 0x20;
const FALLTHROUGH = 1;
const BRANCH = 2;
const DONE_EXPLORING = 0;
const KEEP_EXPLORING = 1;

/** A step result: DONE/KEEP, or an error (message may be empty: the kernel returns -EINVAL silently for ja with BPF_X). */
type Step = number | { error: string; errno: number };

/**
 * check_cfg. Needs the subprog table from checkSubprogs (for the
 * changes_pkt_data / might_sleep marks) and fills prunePoint, jmpPoint,
 * forceCheckpoint and callsCallback in aux. Exception callbacks are not
 * modelled (no BTF).
 */
export function checkCfg(insns: readonly Insn[], aux: InsnAux[], table: SubprogTable, opts: CfgOptions = {}): PassResult {
  const n = insns.length;
  const bpfCapable = opts.bpfCapable ?? true;
  const state = new Int32Array(n);
  const stack: number[] = [];

  const markPrune = (i: number): void => { aux[i]!.prunePoint = true; };
  const markJmp = (i: number): void => { aux[i]!.jmpPoint = true; };
  const subprogAt = (off: number): number => findContainingSubprog(table, off, n);

  const pushInsn = (t: number, w: number, e: number): Step => {
    if (e === FALLTHROUGH && state[t]! >= (DISCOVERED | FALLTHROUGH)) return DONE_EXPLORING;
    if (e === BRANCH && state[t]! >= (DISCOVERED | BRANCH)) return DONE_EXPLORING;
    if (w < 0 || w >= n) return { error: `jump out of range from insn ${t} to ${w}`, errno: EINVAL };
    if (e === BRANCH) {
      markPrune(w);
      markJmp(w);
    }
    if (state[w] === 0) {
      state[t] = DISCOVERED | e;
      state[w] = DISCOVERED;
      if (stack.length >= n) return { error: '', errno: E2BIG };
      stack.push(w);
      return KEEP_EXPLORING;
    }
    if ((state[w]! & 0xf0) === DISCOVERED) {
      if (bpfCapable) return DONE_EXPLORING;
      return { error: `back-edge from insn ${t} to ${w}`, errno: EINVAL };
    }
    if (state[w] === EXPLORED) state[t] = DISCOVERED | e;
    return DONE_EXPLORING;
  };

  const visitFuncCallInsn = (t: number, visitCallee: boolean): Step => {
    const sz = isLdImm64(insns[t]!.code) ? 2 : 1;
    let ret = pushInsn(t, t + sz, FALLTHROUGH);
    if (ret !== DONE_EXPLORING) return ret;
    markPrune(t + sz);
    markJmp(t + sz);
    if (visitCallee) {
      const w = t + insns[t]!.imm + 1;
      markPrune(t);
      // merge_callee_effects
      const caller = subprogAt(t);
      const callee = subprogAt(w);
      if (caller >= 0 && callee >= 0) {
        const a = table.info[caller]!;
        const b = table.info[callee]!;
        a.changesPktData ||= b.changesPktData;
        a.mightSleep ||= b.mightSleep;
      }
      ret = pushInsn(t, w, BRANCH);
    }
    return ret;
  };

  const markSubprog = (t: number, f: (s: { changesPktData: boolean; mightSleep: boolean }) => void): void => {
    const s = subprogAt(t);
    if (s >= 0) f(table.info[s]!);
  };

  const visitInsn = (t: number): Step => {
    const insn = insns[t]!;
    if (isPseudoFunc(insn)) return visitFuncCallInsn(t, true);
    const cls = opClass(insn.code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) {
      return pushInsn(t, t + (isLdImm64(insn.code) ? 2 : 1), FALLTHROUGH);
    }
    switch (opJmp(insn.code)) {
      case BPF_EXIT:
        return DONE_EXPLORING;
      case BPF_CALL: {
        const helper = isHelperCall(insn);
        const kf = isKfuncCall(insn) ? opts.kfunc?.(insn) : undefined;
        const async = (helper && insn.imm === BPF_FUNC_timer_set_callback) || (kf?.asyncCallback ?? false);
        const sync = (helper && isSyncCallbackHelper(insn.imm)) || (kf?.syncCallback ?? false);
        if (async) markPrune(t);
        if (sync) {
          aux[t]!.callsCallback = true;
          aux[t]!.forceCheckpoint = true;
          markPrune(t);
          markJmp(t);
        }
        if (helper) {
          const h = opts.helper?.(insn.imm);
          if (h?.mightSleep) markSubprog(t, (s) => { s.mightSleep = true; });
          if (h?.changesPktData) markSubprog(t, (s) => { s.changesPktData = true; });
        } else if (isKfuncCall(insn) && kf) {
          if (kf.isIterNext) {
            markPrune(t);
            aux[t]!.forceCheckpoint = true;
          }
          if (kf.sleepable) markSubprog(t, (s) => { s.mightSleep = true; });
          if (kf.pktChanging) markSubprog(t, (s) => { s.changesPktData = true; });
        }
        return visitFuncCallInsn(t, insn.src === BPF_PSEUDO_CALL);
      }
      case BPF_JA: {
        if (opSrc(insn.code) !== BPF_K) return { error: '', errno: EINVAL };
        const off = cls === BPF_JMP ? insn.off : insn.imm;
        const ret = pushInsn(t, t + off + 1, FALLTHROUGH);
        if (ret !== DONE_EXPLORING) return ret;
        markPrune(t + off + 1);
        markJmp(t + off + 1);
        return ret;
      }
      default: {
        markPrune(t);
        if (isMayGoto(insn)) aux[t]!.forceCheckpoint = true;
        const ret = pushInsn(t, t + 1, FALLTHROUGH);
        if (ret !== DONE_EXPLORING) return ret;
        return pushInsn(t, t + insn.off + 1, BRANCH);
      }
    }
  };

  state[0] = DISCOVERED;
  stack.push(0);
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    const ret = visitInsn(t);
    if (ret === DONE_EXPLORING) {
      state[t] = EXPLORED;
      stack.pop();
    } else if (ret !== KEEP_EXPLORING) {
      return typeof ret === 'number' ? passFail('visit_insn internal bug', EFAULT) : passFail(ret.error, ret.errno);
    }
  }

  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) return passFail(`unreachable insn ${i}`, EINVAL);
    if (isLdImm64(insns[i]!.code)) {
      if (state[i + 1] !== 0) return passFail(`jump into the middle of ldimm64 insn ${i}`, EINVAL);
      i++;
    }
  }
  return PASS_OK;
}

export interface CfgPassOptions extends CfgOptions {
  logLevel?: number;
  /** Parameter counts of helper/kfunc protos for liveness (see CallParams). */
  callParams?: CallParams;
  /** Kernel behaviour switches (compute_scc reads sccCallbackLoops). */
  switches?: KernelSwitches;
}

export type CfgPassesResult =
  | { ok: true; aux: InsnAux[]; subprogs: SubprogTable; postorder: number[]; sccCnt: number; log: string[] }
  | { ok: false; error: string; errno: number; log: string[] };

/**
 * bpf_check up to do_check for a program without BTF: add_subprog_and_kfunc,
 * check_subprogs, check_btf_info, resolve_pseudo_ldimm64 (structural part),
 * check_cfg, compute_postorder, compute_scc, compute_live_registers.
 * `log` holds the lines these passes print before do_check ("func#N @S");
 * the "Live regs before insn:" block is left to formatLiveRegsLog, which needs
 * the disassembler. On failure `error` is the last log line.
 */
export function runCfgPasses(insns: readonly Insn[], opts: CfgPassOptions = {}): CfgPassesResult {
  const sp = checkSubprogs(insns, { bpfCapable: opts.bpfCapable, logLevel: opts.logLevel });
  if (!sp.ok) return sp;
  const log = sp.log;
  const enc = checkInsnEncoding(insns);
  if (!enc.ok) return { ...enc, log };
  const aux = newInsnAux(insns.length);
  assignSubprogs(aux, sp.table);
  const cfg = checkCfg(insns, aux, sp.table, opts);
  if (!cfg.ok) return { ...cfg, log };
  const succ = succTable(insns);
  const postorder = computePostorder(insns, aux, sp.table, succ);
  // loopEntry kernels (<= 6.16) have no SCCs: every insn keeps scc 0.
  const sccCnt = opts.switches?.loopEntry ? 0 : computeScc(insns, aux, succ, opts.switches?.sccCallbackLoops ?? false);
  computeLiveRegisters(insns, aux, postorder, opts.callParams, succ);
  return { ok: true, aux, subprogs: sp.table, postorder, sccCnt, log };
}

/** is_sync_callback_calling_insn for helpers (the model has no kfunc callbacks). */
export const isSyncCallbackCallingInsn = (insn: Insn): boolean =>
  insn.code === (BPF_JMP | BPF_CALL) && insn.src === 0 && isSyncCallbackHelper(insn.imm);
