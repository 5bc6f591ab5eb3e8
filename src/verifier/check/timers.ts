// Async callbacks through bpf_timer: the timer helpers' argument check
// (process_timer_func / check_map_field_pointer), the btf_record field guard
// of map value accesses, push_async_cb with set_timer_callback_state, and the
// "At async callback return" range of check_return_code.
import { BPF_TIMER_SIZE, type MapSpec } from '../../isa/program.js';
import { type VerifierEnv, VerifierError, EACCES, EFAULT, EINVAL, verbose } from '../state/env.js';
import { RegType, type BpfRegState } from '../state/reg.js';
import type { BpfFuncState, BpfVerifierState } from '../state/state.js';
import { newVerifierState } from '../state/regState.js';
import { BPF_COMPLEXITY_LIMIT_JMP_SEQ } from '../state/states.js';
import { markRegKnownZero, markRegNotInit } from '../state/scalar.js';
import { tnumIsConst } from '../state/tnum.js';

export const BPF_FUNC_timer_init = 169;
export const BPF_FUNC_timer_set_callback = 170;
export const BPF_FUNC_timer_start = 171;
export const BPF_FUNC_timer_cancel = 172;

/** BPF_MAIN_FUNC: the callsite of a frame that nobody called. */
const BPF_MAIN_FUNC = -1;

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

/** map->name as the kernel has it: the oracle creates maps without a name. */
const kernelMapName = (_m: MapSpec): string => '';

/** is_tracing_prog_type, for check_map_prog_compatibility. */
const isTracingProgType = (t: string): boolean => t === 'kprobe' || t === 'raw_tp';

/** check_map_prog_compatibility for the timer field: the reason a program may not use the map, or null. */
export function mapProgIncompatibility(map: MapSpec, progType: string): string | null {
  if (map.timerOff !== undefined && isTracingProgType(progType)) return 'tracing progs cannot use bpf_timer yet';
  return null;
}

/**
 * The btf_record part of check_map_access: a load, store or helper access
 * that may touch the map value's bpf_timer is refused (the "indirectly by
 * helper" message is for kptr fields only; a timer always gets "directly").
 */
export function checkMapFieldAccess(env: VerifierEnv, map: MapSpec, reg: BpfRegState, off: number, size: number): void {
  if (map.timerOff === undefined) return;
  const p = BigInt(map.timerOff);
  if (reg.smin + BigInt(off) < p + BigInt(BPF_TIMER_SIZE) && p < BigInt.asUintN(64, reg.umax + BigInt(off + size))) {
    fail(env, EACCES, 'bpf_timer cannot be accessed directly by load/store');
  }
}

/** process_timer_func (check_map_field_pointer for BPF_TIMER): returns the timer's map index. */
export function processTimerFunc(env: VerifierEnv, regno: number, reg: BpfRegState): number {
  const map = env.prog.maps[reg.mapIndex];
  if (!map) throw new VerifierError(EINVAL, 'map value without a map');
  if (!tnumIsConst(reg.varOff)) fail(env, EINVAL, `R${regno} doesn't have constant offset. bpf_timer has to be at the constant offset`);
  if (map.timerOff === undefined) fail(env, EINVAL, `map '${kernelMapName(map)}' has to have BTF in order to use bpf_timer`);
  const at = BigInt.asIntN(64, reg.varOff.value + BigInt(reg.off));
  if (at !== BigInt(map.timerOff)) fail(env, EINVAL, `off ${at} doesn't point to 'struct bpf_timer' that is at ${map.timerOff}`);
  return reg.mapIndex;
}

/** The ARG_CONST_MAP_PTR check after a timer argument named the map. */
export function checkTimerMapMatch(env: VerifierEnv, timerMap: number, reg: BpfRegState): void {
  // the message prints map_uids (0 outside map-in-map) even when the maps differ
  if (timerMap !== reg.mapIndex) fail(env, EINVAL, "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0");
}

/** set_timer_callback_state: callback(struct bpf_map *map, void *key, void *value). */
function setTimerCallbackState(env: VerifierEnv, caller: BpfFuncState, callee: BpfFuncState): void {
  const mapIndex = (caller.regs[1] as BpfRegState).mapIndex;
  const args: [number, RegType][] = [[1, RegType.CONST_PTR_TO_MAP], [2, RegType.PTR_TO_MAP_KEY], [3, RegType.PTR_TO_MAP_VALUE]];
  for (const [regno, type] of args) {
    const r = callee.regs[regno] as BpfRegState;
    r.type = type;
    markRegKnownZero(r);
    r.mapIndex = mapIndex;
  }
  // callbackValueId: kernels that give the value argument its own id (seen on the live 6.18.44 build)
  if (env.opts.switches.callbackValueId) (callee.regs[3] as BpfRegState).id = ++env.idGen;
  markRegNotInit(callee.regs[4] as BpfRegState);
  markRegNotInit(callee.regs[5] as BpfRegState);
  callee.inAsyncCallbackFn = true;
  callee.callbackRetRange = { minval: 0n, maxval: 0n };
}

export type InitFuncState = (env: VerifierEnv, callsite: number, frameno: number, subprogno: number) => BpfFuncState;

/**
 * push_async_cb + the async branch of push_callback_call: a fresh state
 * (nothing copied from the caller, no parent) for the callback's first insn,
 * enqueued with the callsite as its previous insn. Its history starts empty
 * where the current state's ends.
 */
export function pushAsyncCb(env: VerifierEnv, subprog: number, callsite: number, initFuncState: InitFuncState): BpfVerifierState {
  const start = env.subprogs.info[subprog]?.start ?? 0;
  const st = newVerifierState(env.hist.newSlot());
  env.head = { st, insnIdx: start, prevInsnIdx: callsite, next: env.head, logPos: env.log.endPos };
  env.stackSize++;
  if (env.stackSize > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
    fail(env, EFAULT, `The sequence of ${env.stackSize} jumps is too complex for async cb.`);
  }
  st.branches = 1;
  const frame = initFuncState(env, BPF_MAIN_FUNC, 0, subprog);
  st.frame[0] = frame;
  st.curframe = 0;
  env.hist.startAsyncCallback(st, env.curState, env.insnIdx);
  const caller = env.curState.frame[env.curState.curframe] as BpfFuncState;
  frame.asyncEntryCnt = caller.asyncEntryCnt + 1;
  setTimerCallbackState(env, caller, frame);
  return st;
}
