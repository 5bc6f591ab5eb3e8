// Synchronous callbacks (bpf_loop, bpf_for_each_map_elem, bpf_user_ringbuf_drain,
// bpf_find_vma): the BTF
// func_info checks (btf_check_subprog_call), ld_imm64 of BPF_PSEUDO_FUNC,
// push_callback_call with set_loop_callback_state, and the widening of
// imprecise scalars when a callback returns to its callsite.
import { BPF_PSEUDO_FUNC, MAX_BPF_REG } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, Unsupported, EACCES, EINVAL, EFAULT, verbose, logLevel2 } from '../state/env.js';
import { RegType, VmlinuxType, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfVerifierState } from '../state/state.js';
import { findSubprog } from '../state/subprogInfo.js';
import { markRegKnownZero, markRegNotInit, markRegUnknown } from '../state/scalar.js';
import { tnumIsConst } from '../state/tnum.js';
import { markChainPrecision } from '../precision/backtrack.js';
import { pushStack } from '../state/states.js';
import { exploredBucket, newIdMap, regsExact, type IdMap } from '../pruning/pruning.js';
import { sameCallsites } from '../state/frames.js';
import { curRegs } from './regArg.js';
import { copyRegState } from '../state/regState.js';


/** Per-run data the kernel keeps in prog->aux and insn_aux_data. */
interface CallbackRunData {
  /** func_info_aux[].unreliable: a BTF argument mismatch was seen once. */
  unreliable: Set<number>;
  /** insn_aux_data[].loop_inline_state by callsite. */
  loopInline: Map<number, { fit: boolean; subprogno: number }>;
}

const runData = new WeakMap<VerifierEnv, CallbackRunData>();

function dataOf(env: VerifierEnv): CallbackRunData {
  let d = runData.get(env);
  if (!d) {
    d = { unreliable: new Set(), loopInline: new Map() };
    runData.set(env, d);
  }
  return d;
}

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

/** PTR_TO_FUNC keeps its subprog number in the union the kernel shares with `range`. */
export const funcRegSubprog = (reg: BpfRegState): number => reg.range;

/**
 * btf_check_subprog_call: true when the caller's r1..rN match the subprog's
 * BTF prototype (`long` params must be scalars, a ctx param an unmodified
 * PTR_TO_CTX). A mismatch is logged once; the subprog is unreliable from
 * then on.
 */
export function btfCheckSubprogCall(env: VerifierEnv, subprog: number, regs: BpfRegState[]): boolean {
  const funcs = env.prog.funcs;
  if (!funcs) return false;
  const d = dataOf(env);
  if (d.unreliable.has(subprog)) return false;
  const params = funcs[subprog]?.params ?? 0;
  const ctx = funcs[subprog]?.ctx ?? false;
  let ok = params <= 5;
  for (let i = 0; ok && i < params; i++) {
    const regno = i + 1;
    const reg = regs[regno] as BpfRegState;
    if (i === 0 && ctx) {
      ok = ctxArgOk(env, reg, regno);
    } else if (reg.type !== RegType.SCALAR_VALUE) {
      verbose(env, `R${regno} is not a scalar\n`);
      ok = false;
    }
  }
  if (!ok) d.unreliable.add(subprog);
  return ok;
}

/** An ARG_PTR_TO_CTX parameter: __check_ptr_off_reg of a ctx pointer, then its type. */
function ctxArgOk(env: VerifierEnv, reg: BpfRegState, regno: number): boolean {
  if (reg.type === RegType.PTR_TO_CTX) {
    if (reg.off < 0) fail(env, EACCES, `negative offset ctx ptr R${regno} off=${reg.off} disallowed`);
    if (reg.off) fail(env, EACCES, `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`);
    return true;
  }
  verbose(env, 'arg#0 expects pointer to ctx\n');
  return false;
}

/** check_ld_imm for BPF_PSEUDO_FUNC: dst becomes PTR_TO_FUNC of the target subprog. */
export function checkLdImmFunc(env: VerifierEnv, insn: Insn, dst: BpfRegState): void {
  markRegKnownZero(dst);
  const subprog = findSubprog(env, env.insnIdx + insn.imm + 1);
  const funcs = env.prog.funcs;
  if (!funcs) fail(env, EINVAL, 'missing btf func_info');
  if (funcs[subprog]?.linkage !== 'static') fail(env, EINVAL, 'callback function not static');
  dst.type = RegType.PTR_TO_FUNC;
  dst.range = subprog;
}

/** register_is_null */
const registerIsNull = (reg: BpfRegState): boolean =>
  reg.type === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff) && reg.varOff.value === 0n;

/** loop_flag_is_zero: a constant zero r4 is marked precise. */
function loopFlagIsZero(env: VerifierEnv): boolean {
  const isNull = registerIsNull(curRegs(env)[4] as BpfRegState);
  if (isNull) markChainPrecision(env, 4);
  return isNull;
}

/** update_loop_inline_state */
function updateLoopInlineState(env: VerifierEnv, subprogno: number): void {
  const m = dataOf(env).loopInline;
  const st = m.get(env.insnIdx);
  if (!st) {
    m.set(env.insnIdx, { fit: loopFlagIsZero(env), subprogno });
    return;
  }
  if (!st.fit) return;
  st.fit = loopFlagIsZero(env) && st.subprogno === subprogno;
}

export type SetupFuncEntry = (env: VerifierEnv, subprog: number, callsite: number, state: BpfVerifierState,
  setCallee: (caller: BpfFuncState, callee: BpfFuncState) => void) => void;

/** set_loop_callback_state: callback(u64 index, void *ctx). */
function setLoopCallbackState(caller: BpfFuncState, callee: BpfFuncState): void {
  (callee.regs[1] as BpfRegState).type = RegType.SCALAR_VALUE;
  copyRegState(callee.regs[2] as BpfRegState, caller.regs[3] as BpfRegState);
  // r3-r5 stay NOT_INIT from init_func_state
  callee.inCallbackFn = true;
  callee.callbackRetRange = { minval: 0n, maxval: 1n };
}

/**
 * set_map_elem_callback_state (map_set_for_each_callback_args of array and
 * hash maps): callback(map, key, value, ctx).
 */
function setMapElemCallbackState(env: VerifierEnv, caller: BpfFuncState, callee: BpfFuncState): void {
  const mapReg = caller.regs[1] as BpfRegState;
  copyRegState(callee.regs[1] as BpfRegState, mapReg);
  for (const [regno, type] of [[2, RegType.PTR_TO_MAP_KEY], [3, RegType.PTR_TO_MAP_VALUE]] as const) {
    const r = callee.regs[regno] as BpfRegState;
    r.type = type;
    markRegKnownZero(r);
    r.mapIndex = mapReg.mapIndex;
  }
  if (env.opts.switches.callbackValueId) (callee.regs[3] as BpfRegState).id = ++env.idGen;
  copyRegState(callee.regs[4] as BpfRegState, caller.regs[3] as BpfRegState);
  // r5 stays NOT_INIT from init_func_state
  callee.inCallbackFn = true;
  callee.callbackRetRange = { minval: 0n, maxval: 1n };
}

/** set_user_ringbuf_callback_state: callback(const struct bpf_dynptr *dynptr, void *ctx). */
function setUserRingbufCallbackState(env: VerifierEnv, caller: BpfFuncState, callee: BpfFuncState): void {
  markRegNotInit(callee.regs[0] as BpfRegState);
  // mark_dynptr_cb_reg: a BPF_DYNPTR_TYPE_LOCAL dynptr with a fresh id
  const r1 = callee.regs[1] as BpfRegState;
  markRegKnownZero(r1);
  r1.type = RegType.CONST_PTR_TO_DYNPTR;
  r1.id = ++env.idGen;
  copyRegState(callee.regs[2] as BpfRegState, caller.regs[3] as BpfRegState);
  // r3-r5 stay NOT_INIT from init_func_state
  callee.inCallbackFn = true;
  callee.callbackRetRange = { minval: 0n, maxval: 1n };
}

/** set_find_vma_callback_state: callback(task, struct vm_area_struct *vma, void *ctx). */
function setFindVmaCallbackState(caller: BpfFuncState, callee: BpfFuncState): void {
  copyRegState(callee.regs[1] as BpfRegState, caller.regs[1] as BpfRegState);
  const r2 = callee.regs[2] as BpfRegState;
  r2.type = RegType.PTR_TO_BTF_ID;
  markRegKnownZero(r2);
  r2.range = VmlinuxType.VM_AREA_STRUCT;
  copyRegState(callee.regs[3] as BpfRegState, caller.regs[4] as BpfRegState);
  // r4, r5 stay NOT_INIT from init_func_state
  callee.inCallbackFn = true;
  callee.callbackRetRange = { minval: 0n, maxval: 1n };
}

type SetCallee = (caller: BpfFuncState, callee: BpfFuncState) => void;

/** push_callback_call for a synchronous callback: enqueue the callback's entry state. */
function pushCallbackCall(env: VerifierEnv, insnIdx: number, subprog: number, setupFuncEntry: SetupFuncEntry, setCallee: SetCallee): void {
  const state = env.curState;
  const caller = state.frame[state.curframe] as BpfFuncState;
  btfCheckSubprogCall(env, subprog, caller.regs);
  const start = env.subprogs.info[subprog]?.start ?? 0;
  const cb = pushStack(env, start, insnIdx, false);
  setupFuncEntry(env, subprog, insnIdx, cb, setCallee);
  cb.callbackUnrollDepth++;
  (cb.frame[cb.curframe - 1] as BpfFuncState).callbackDepth++;
  caller.callbackDepth = 0;
}

/** Callsites of bpf_loop that optimize_bpf_loop inlines (loop_inline_state.fit). */
export function inlinedLoopCallsites(env: VerifierEnv): number[] {
  return [...dataOf(env).loopInline].filter(([, st]) => st.fit).map(([idx]) => idx);
}

/** check_helper_call's BPF_FUNC_loop case, after the argument checks. */
export function checkLoopCall(env: VerifierEnv, subprogno: number, setupFuncEntry: SetupFuncEntry): void {
  updateLoopInlineState(env, subprogno);
  // the verifier relies on r1 to decide whether iteration is finished
  markChainPrecision(env, 1);
  const st = env.curState;
  const cur = st.frame[st.curframe] as BpfFuncState;
  if (BigInt(cur.callbackDepth) < (curRegs(env)[1] as BpfRegState).umax) {
    pushCallbackCall(env, env.insnIdx, subprogno, setupFuncEntry, setLoopCallbackState);
  } else {
    cur.callbackDepth = 0;
    if (logLevel2(env)) verbose(env, `frame${st.curframe} bpf_loop iteration limit reached\n`);
  }
}

/** check_helper_call's BPF_FUNC_for_each_map_elem case: every visit of the callsite pushes the callback. */
export function checkForEachMapElemCall(env: VerifierEnv, subprogno: number, setupFuncEntry: SetupFuncEntry): void {
  pushCallbackCall(env, env.insnIdx, subprogno, setupFuncEntry, (caller, callee) => setMapElemCallbackState(env, caller, callee));
}

/** check_helper_call's BPF_FUNC_find_vma case. */
export function checkFindVmaCall(env: VerifierEnv, subprogno: number, setupFuncEntry: SetupFuncEntry): void {
  pushCallbackCall(env, env.insnIdx, subprogno, setupFuncEntry, setFindVmaCallbackState);
}

/** check_helper_call's BPF_FUNC_user_ringbuf_drain case. */
export function checkUserRingbufDrainCall(env: VerifierEnv, subprogno: number, setupFuncEntry: SetupFuncEntry): void {
  pushCallbackCall(env, env.insnIdx, subprogno, setupFuncEntry, (caller, callee) => setUserRingbufCallbackState(env, caller, callee));
}

/** find_prev_entry: a checkpoint on the current DFS path at insnIdx with the same callsites. */
export function findPrevEntry(env: VerifierEnv, cur: BpfVerifierState, insnIdx: number): BpfVerifierState | null {
  for (const sl of exploredBucket(env, insnIdx)) {
    const st = sl.state;
    if (st.insnIdx === insnIdx && st.branches && sameCallsites(st, cur) && st.dfsDepth < cur.dfsDepth) return st;
  }
  return null;
}

// 6.18 compares with regs_exact (ids included), not the later scalars_exact_for_widen:
// the live kernel widens an old id-less constant against a linked one.
function maybeWidenReg(o: BpfRegState, c: BpfRegState, m: IdMap): void {
  if (o.type !== RegType.SCALAR_VALUE || o.type !== c.type) return;
  if (o.precise || c.precise || regsExact(o, c, m)) return;
  markRegUnknown(c);
}

/** widen_imprecise_scalars */
export function widenImpreciseScalars(env: VerifierEnv, old: BpfVerifierState, cur: BpfVerifierState): void {
  const m = newIdMap(env);
  for (let fr = old.curframe; fr >= 0; fr--) {
    const fo = old.frame[fr] as BpfFuncState;
    const fc = cur.frame[fr] as BpfFuncState;
    for (let i = 0; i < MAX_BPF_REG; i++) maybeWidenReg(fo.regs[i] as BpfRegState, fc.regs[i] as BpfRegState, m);
    const n = Math.min(fo.allocatedStack, fc.allocatedStack) / BPF_REG_SIZE;
    for (let i = 0; i < n; i++) {
      const so = fo.stack[i];
      const sc = fc.stack[i];
      if (!so || !sc) continue;
      if (so.slotType[BPF_REG_SIZE - 1] !== SlotType.STACK_SPILL || sc.slotType[BPF_REG_SIZE - 1] !== SlotType.STACK_SPILL) continue;
      maybeWidenReg(so.spilledPtr, sc.spilledPtr, m);
    }
  }
}

/**
 * After verification the kernel removes dead code and JITs subprograms; a
 * reachable ld_imm64 of a callback that was never explored then points at
 * removed code (jit_subprogs rejects, after bpf_loop inlining and dead code
 * removal renumbered the insns). The model does not renumber: unsupported.
 */
export function checkCallbacksExplored(env: VerifierEnv): void {
  if (!env.prog.funcs) return;
  const explored = (subprog: number): boolean => {
    const end = env.subprogs.info[subprog + 1]?.start ?? env.insns.length;
    for (let j = env.subprogs.info[subprog]?.start ?? 0; j < end; j++) if (env.aux[j]?.seen) return true;
    return false;
  };
  let live = 0;
  for (let s = 0; s < env.subprogs.count; s++) if (explored(s)) live++;
  // jit_subprogs does nothing once only the main program is left
  if (live <= 1) return;
  for (let i = 0; i < env.insns.length; i++) {
    const insn = env.insns[i] as Insn;
    if (insn.code !== 0x18 || insn.src !== BPF_PSEUDO_FUNC || !env.aux[i]?.seen) continue;
    if (!explored(findSubprog(env, i + insn.imm + 1))) {
      throw new Unsupported(i, 'callback never explored: dead-code removal and jit_subprogs');
    }
  }
}

export const callbackBug = (env: VerifierEnv, msg: string): never => fail(env, EFAULT, `verifier bug: ${msg}`);
