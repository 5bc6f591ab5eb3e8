// Subprogram discovery and layout checks: add_subprog_and_kfunc,
// check_subprogs and check_abnormal_return (the no-BTF path of
// check_btf_info) from kernel/bpf/verifier.c (v6.18).

import type { Insn } from '../../isa/insn.js';
import {
  BPF_CALL, BPF_DW, BPF_EXIT, BPF_IMM, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_ABS, BPF_IND,
  BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, opClass, opJmp, opMode,
} from '../../isa/opcode.js';
import { E2BIG, EINVAL, EPERM, type InsnAux } from './insnAux.js';

export const BPF_MAX_SUBPROGS = 256;
export const BPF_FUNC_tail_call = 12;

export const isPseudoCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL;
export const isKfuncCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_KFUNC_CALL;
export const isHelperCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === 0;
export const isPseudoFunc = (i: Insn): boolean => i.code === (BPF_LD | BPF_IMM | BPF_DW) && i.src === BPF_PSEUDO_FUNC;

export interface SubprogInfo {
  start: number;
  hasTailCall: boolean;
  tailCallReachable: boolean;
  hasLdAbs: boolean;
  /** Set by check_cfg from helper/kfunc summaries (see CfgOptions). */
  changesPktData: boolean;
  mightSleep: boolean;
  /** Filled by computePostorder: first index of this subprog in the postorder. */
  postorderStart: number;
}

/** Alias used by the env: one entry of subprog_info. */
export type Subprog = SubprogInfo;

/**
 * subprog_info[0..count]: `count` real entries sorted by start plus the fake
 * 'exit' entry at index `count` whose start is the program length.
 */
export interface SubprogTable {
  info: SubprogInfo[];
  count: number;
}

export type SubprogsResult =
  | { ok: true; table: SubprogTable; log: string[] }
  | { ok: false; error: string; errno: number; log: string[] };

export interface SubprogOptions {
  /** env->bpf_capable; the testbed runs as root, so true by default. */
  bpfCapable?: boolean;
  /** log_level & BPF_LOG_LEVEL2: print "func#%d @%d" lines. */
  logLevel?: number;
}

const newSubprog = (start: number): SubprogInfo => ({
  start, hasTailCall: false, tailCallReachable: false, hasLdAbs: false,
  changesPktData: false, mightSleep: false, postorderStart: 0,
});

/** bpf_find_containing_subprog: index of the subprog containing off, or -1. */
export function findContainingSubprog(t: SubprogTable, off: number, insnCnt: number): number {
  if (off >= insnCnt || off < 0 || t.count === 0) return -1;
  let l = 0;
  let r = t.count - 1;
  while (l < r) {
    const m = l + Math.floor((r - l + 1) / 2);
    if (t.info[m]!.start <= off) l = m;
    else r = m - 1;
  }
  return l;
}

/** find_subprog: index of the subprog starting exactly at off, or -1 (-ENOENT). */
export function findSubprog(t: SubprogTable, off: number, insnCnt: number): number {
  const p = findContainingSubprog(t, off, insnCnt);
  return p >= 0 && t.info[p]!.start === off ? p : -1;
}

function addSubprog(
  t: SubprogTable, off: number, insnCnt: number,
): { ok: true; idx: number } | { ok: false; error: string; errno: number } {
  if (off >= insnCnt || off < 0) return { ok: false, error: 'call to invalid destination', errno: EINVAL };
  const found = findSubprog(t, off, insnCnt);
  if (found >= 0) return { ok: true, idx: found };
  if (t.count >= BPF_MAX_SUBPROGS) return { ok: false, error: 'too many subprograms', errno: E2BIG };
  t.info.push(newSubprog(off));
  t.count++;
  t.info.sort((a, b) => a.start - b.start);
  return { ok: true, idx: t.count - 1 };
}

/**
 * add_subprog_and_kfunc. Kfunc calls only go through the capability check:
 * their BTF resolution (add_kfunc_call) is not modelled. No exception
 * callbacks (they need BTF decl tags).
 */
export function addSubprogAndKfunc(insns: readonly Insn[], opts: SubprogOptions = {}): SubprogsResult {
  const bpfCapable = opts.bpfCapable ?? true;
  const t: SubprogTable = { info: [], count: 0 };
  const log: string[] = [];
  const n = insns.length;
  const first = addSubprog(t, 0, n);
  if (!first.ok) return { ok: false, error: first.error, errno: first.errno, log };
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    if (!isPseudoFunc(insn) && !isPseudoCall(insn) && !isKfuncCall(insn)) continue;
    if (!bpfCapable) {
      return {
        ok: false,
        error: 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN',
        errno: EPERM,
        log,
      };
    }
    if (isKfuncCall(insn)) continue;
    const r = addSubprog(t, i + insn.imm + 1, n);
    if (!r.ok) return { ok: false, error: r.error, errno: r.errno, log };
  }
  t.info.push(newSubprog(n)); // fake 'exit' subprog
  if ((opts.logLevel ?? 0) & 2) {
    for (let i = 0; i < t.count; i++) log.push(`func#${i} @${t.info[i]!.start}`);
  }
  return { ok: true, table: t, log };
}

/** bpf_jmp_offset: JMP32|JA keeps its offset in imm. */
export const jmpOffset = (i: Insn): number => (i.code === (BPF_JMP32 | BPF_JA) ? i.imm : i.off);

/** check_subprogs: jumps stay inside their subprog; no fall-through between subprogs. */
export function checkSubprogLayout(insns: readonly Insn[], t: SubprogTable): { ok: true } | { ok: false; error: string; errno: number } {
  const n = insns.length;
  let cur = 0;
  let start = t.info[cur]!.start;
  let end = t.info[cur + 1]!.start;
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    const code = insn.code;
    const cls = opClass(code);
    if (code === (BPF_JMP | BPF_CALL) && insn.src === 0 && insn.imm === BPF_FUNC_tail_call) {
      t.info[cur]!.hasTailCall = true;
      t.info[cur]!.tailCallReachable = true;
    }
    if (cls === BPF_LD && (opMode(code) === BPF_ABS || opMode(code) === BPF_IND)) t.info[cur]!.hasLdAbs = true;
    if ((cls === BPF_JMP || cls === BPF_JMP32) && opJmp(code) !== BPF_EXIT && opJmp(code) !== BPF_CALL) {
      const off = i + jmpOffset(insn) + 1;
      if (off < start || off >= end) {
        return { ok: false, error: `jump out of range from insn ${i} to ${off}`, errno: EINVAL };
      }
    }
    if (i === end - 1) {
      if (code !== (BPF_JMP | BPF_EXIT) && code !== (BPF_JMP32 | BPF_JA) && code !== (BPF_JMP | BPF_JA)) {
        return { ok: false, error: 'last insn is not an exit or jmp', errno: EINVAL };
      }
      start = end;
      cur++;
      if (cur < t.count) end = t.info[cur + 1]!.start;
    }
  }
  return { ok: true };
}

/** check_abnormal_return, as check_btf_info runs it when no func_info/line_info is given. */
export function checkAbnormalReturn(t: SubprogTable): { ok: true } | { ok: false; error: string; errno: number } {
  for (let i = 1; i < t.count; i++) {
    if (t.info[i]!.hasLdAbs) return { ok: false, error: 'LD_ABS is not allowed in subprogs without BTF', errno: EINVAL };
    if (t.info[i]!.hasTailCall) return { ok: false, error: 'tail_call is not allowed in subprogs without BTF', errno: EINVAL };
  }
  return { ok: true };
}

/**
 * The subprogram passes in bpf_check order for a program loaded without BTF:
 * add_subprog_and_kfunc, check_subprogs, check_btf_info (check_abnormal_return).
 */
export function checkSubprogs(insns: readonly Insn[], opts: SubprogOptions = {}): SubprogsResult {
  const r = addSubprogAndKfunc(insns, opts);
  if (!r.ok) return r;
  const layout = checkSubprogLayout(insns, r.table);
  if (!layout.ok) return { ...layout, log: r.log };
  const abn = checkAbnormalReturn(r.table);
  if (!abn.ok) return { ...abn, log: r.log };
  return r;
}

/** Fill aux[i].subprog from the table. */
export function assignSubprogs(aux: InsnAux[], t: SubprogTable): void {
  let s = 0;
  for (let i = 0; i < aux.length; i++) {
    while (s + 1 < t.count && t.info[s + 1]!.start <= i) s++;
    aux[i]!.subprog = s;
  }
}
