// bpf-to-bpf calls of static subprograms: check_func_call / setup_func_entry
// push a frame, prepare_func_exit pops it; check_max_stack_depth runs after
// do_check over the call graph.
import { BPF_CALL, BPF_JMP, BPF_PSEUDO_CALL, MAX_BPF_REG, BPF_REG_FP } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, E2BIG, EACCES, EFAULT, EINVAL, verbose, logLevel1 } from '../state/env.js';
import { RegType, REG_LIVE_READ64, type BpfRegState } from '../state/reg.js';
import { MAX_BPF_STACK, MAX_CALL_FRAMES, type BpfFuncState, type BpfVerifierState } from '../state/state.js';
import { copyRegState, newFuncState } from '../state/regState.js';
import { markRegKnownZero, markRegNotInit } from '../state/scalar.js';
import { clearCallerSavedRegs } from './regArg.js';
import { findSubprog, subprogIsGlobal } from '../state/subprogInfo.js';
import { checkGlobalFuncCall } from './globalSubprogs.js';
import { markVerifierStateScratched, printVerifierState } from '../log/logState.js';
import { bpfResetLiveStackCallchain } from '../liveness/liveness.js';
import { markRegRead } from '../liveness/chain.js';
import { markChainPrecision } from '../precision/backtrack.js';
import { S64_MAX, S64_MIN } from '../state/regState.js';
import { btfCheckSubprogCall, callbackBug, findPrevEntry, widenImpreciseScalars } from './callbacks.js';

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

/** init_func_state + init_reg_state. */
export function initFuncState(env: VerifierEnv, callsite: number, frameno: number, subprogno: number): BpfFuncState {
  const f = newFuncState(callsite, frameno, subprogno);
  for (let i = 0; i < MAX_BPF_REG; i++) markRegNotInit(f.regs[i] as BpfRegState);
  const fp = f.regs[BPF_REG_FP] as BpfRegState;
  markRegKnownZero(fp);
  fp.type = RegType.PTR_TO_STACK;
  fp.frameno = frameno;
  markVerifierStateScratched(env);
  return f;
}


/** set_callee_state: the callee sees r1-r5 of the caller. */
function setCalleeState(caller: BpfFuncState, callee: BpfFuncState): void {
  for (let i = 1; i <= 5; i++) copyRegState(callee.regs[i] as BpfRegState, caller.regs[i] as BpfRegState);
}

/** setup_func_entry: push a frame for `subprog` onto `state`. */
export function setupFuncEntry(env: VerifierEnv, subprog: number, callsite: number, state: BpfVerifierState,
  setCallee: (caller: BpfFuncState, callee: BpfFuncState) => void): void {
  if (state.curframe + 1 >= MAX_CALL_FRAMES) fail(env, E2BIG, `the call stack of ${state.curframe + 2} frames is too deep`);
  const caller = state.frame[state.curframe] as BpfFuncState;
  const callee = initFuncState(env, callsite, state.curframe + 1, subprog);
  state.frame[state.curframe + 1] = callee;
  setCallee(caller, callee);
  state.curframe++;
}

/** check_func_call for a static subprogram; returns the next insn index minus one. */
export function checkFuncCall(env: VerifierEnv, insn: Insn, insnIdx: number): number {
  const state = env.curState;
  const target = insnIdx + insn.imm + 1;
  const subprog = findSubprog(env, target);
  if (subprog < 0) fail(env, EFAULT, `verifier bug: target of func call at insn ${target} is not a program`);
  const caller = state.frame[state.curframe] as BpfFuncState;
  const argsOk = btfCheckSubprogCall(env, subprog, caller.regs);
  if (subprogIsGlobal(env, subprog)) return checkGlobalFuncCall(env, subprog, insnIdx, argsOk);
  setupFuncEntry(env, subprog, insnIdx, state, setCalleeState);
  clearCallerSavedRegs(env, caller.regs);
  bpfResetLiveStackCallchain(env);
  if (logLevel1(env)) {
    verbose(env, 'caller:\n');
    printVerifierState(env, state, caller.frameno, true);
    verbose(env, 'callee:\n');
    printVerifierState(env, state, state.curframe, true);
  }
  return (env.subprogs.info[subprog]?.start ?? 0) - 1;
}

/** verbose_invalid_scalar */
export function failInvalidScalar(env: VerifierEnv, reg: BpfRegState, min: bigint, max: bigint, ctx: string, name: string): never {
  let s = `${ctx} the register ${name} has`;
  let unknown = true;
  if (reg.smin > S64_MIN) {
    s += ` smin=${reg.smin}`;
    unknown = false;
  }
  if (reg.smax < S64_MAX) {
    s += ` smax=${reg.smax}`;
    unknown = false;
  }
  if (unknown) s += ' unknown scalar value';
  verbose(env, `${s} should have been in [${min}, ${max}]\n`);
  throw new VerifierError(EINVAL, 'callback return');
}

/** prepare_func_exit for a static subprogram or a sync callback; returns the insn to continue at. */
export function prepareFuncExit(env: VerifierEnv): number {
  const state = env.curState;
  const callee = state.frame[state.curframe] as BpfFuncState;
  const r0 = callee.regs[0] as BpfRegState;
  if (r0.type === RegType.PTR_TO_STACK) fail(env, EINVAL, 'cannot return stack pointer to the caller');
  const caller = state.frame[state.curframe - 1] as BpfFuncState;
  const inCallbackFn = callee.inCallbackFn;
  if (inCallbackFn) {
    if (r0.type !== RegType.SCALAR_VALUE) fail(env, EACCES, 'R0 not a scalar value');
    // chain liveness: the caller relies on r0's value, so it is read here
    if (env.opts.switches.chainLiveness) markRegRead(env, r0, r0.parent, REG_LIVE_READ64);
    markChainPrecision(env, 0);
    const { minval, maxval } = callee.callbackRetRange;
    // bpf_callback_t returns 64 bits
    if (!(minval <= r0.smin && r0.smax <= maxval)) failInvalidScalar(env, r0, minval, maxval, 'At callback return', 'R0');
    if (!env.aux[callee.callsite]?.callsCallback) {
      callbackBug(env, `in callback at ${env.insnIdx}, callsite ${callee.callsite} !calls_callback`);
    }
  } else {
    copyRegState(caller.regs[0] as BpfRegState, r0);
  }
  // a callback returns to its callsite, which schedules the next iteration
  const next = inCallbackFn ? callee.callsite : callee.callsite + 1;
  if (logLevel1(env)) {
    verbose(env, 'returning from callee:\n');
    printVerifierState(env, state, callee.frameno, true);
    verbose(env, `to caller at ${next}:\n`);
    printVerifierState(env, state, caller.frameno, true);
  }
  state.frame.length = state.curframe;
  state.curframe--;
  const prev = inCallbackFn ? findPrevEntry(env, state, next) : null;
  if (prev) widenImpreciseScalars(env, prev, state);
  return next;
}

/** round_up_stack_depth with the JIT enabled (bpf_jit_enable=1 on the oracle). */
const roundUpStackDepth = (d: number): number => Math.ceil(d / 16) * 16;

/** check_max_stack_depth: the deepest chain of static calls must fit MAX_BPF_STACK. */
export function checkMaxStackDepth(env: VerifierEnv): void {
  const n = env.subprogs.count;
  const calls: number[][] = [];
  for (let s = 0; s < n; s++) {
    const start = env.subprogs.info[s]?.start ?? 0;
    const end = env.subprogs.info[s + 1]?.start ?? env.insns.length;
    const out: number[] = [];
    for (let i = start; i < end; i++) {
      const insn = env.insns[i] as Insn;
      if (insn.code === (BPF_JMP | BPF_CALL) && insn.src === BPF_PSEUDO_CALL) {
        const callee = findSubprog(env, i + insn.imm + 1);
        if (callee >= 0) out.push(callee);
      }
    }
    calls.push(out);
  }
  const walk = (s: number, depth: number, frames: number): void => {
    const d = depth + roundUpStackDepth(env.stackDepth[s] ?? 0);
    if (d > MAX_BPF_STACK) fail(env, EACCES, `combined stack size of ${frames} calls is ${d}. Too large`);
    for (const c of calls[s] ?? []) walk(c, d, frames + 1);
  };
  walk(0, 0, 1);
}
