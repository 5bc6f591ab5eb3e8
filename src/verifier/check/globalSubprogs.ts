// Global (BTF_FUNC_GLOBAL) subprograms: a call is checked against the BTF
// prototype only and returns an unknown scalar; each called global subprog is
// verified afterwards on its own, from an entry state its prototype gives
// (check_func_call's global branch, do_check_subprogs).
import { funcName } from '../../isa/program.js';
import { type VerifierEnv, VerifierError, EINVAL, verbose, logLevel1 } from '../state/env.js';
import type { BpfRegState } from '../state/reg.js';
import type { BpfFuncState } from '../state/state.js';
import { markRegUnknown } from '../state/scalar.js';
import { subprogIsGlobal } from '../state/subprogInfo.js';
import { clearCallerSavedRegs } from './regArg.js';

/** Per verification: global subprogs reached by a call, and those already verified. */
interface GlobalRunData { called: Set<number>; verified: Set<number> }
const runData = new WeakMap<VerifierEnv, GlobalRunData>();

function dataOf(env: VerifierEnv): GlobalRunData {
  let d = runData.get(env);
  if (!d) {
    d = { called: new Set(), verified: new Set() };
    runData.set(env, d);
  }
  return d;
}

/**
 * The call of global subprog `subprog` from the current frame: `argsOk` is
 * btf_check_subprog_call's verdict. Returns the insn index to continue from
 * (the call itself; do_check moves past it).
 */
export function checkGlobalFuncCall(env: VerifierEnv, subprog: number, insnIdx: number, argsOk: boolean): number {
  const name = funcName(subprog);
  if (!argsOk) {
    verbose(env, `Caller passes invalid args into func#${subprog} ('${name}')\n`);
    throw new VerifierError(EINVAL, 'global subprog args');
  }
  verbose(env, `Func#${subprog} ('${name}') is global and assumed valid.\n`);
  dataOf(env).called.add(subprog);
  const caller = env.curState.frame[env.curState.curframe] as BpfFuncState;
  clearCallerSavedRegs(env, caller.regs);
  // Every global function returns a 64-bit scalar.
  const r0 = caller.regs[0] as BpfRegState;
  markRegUnknown(r0);
  r0.subregDef = 0;
  return insnIdx;
}

/**
 * do_check_subprogs: verify every called, not yet verified global subprog
 * with `checkOne` (do_check_common), again while a pass finds new ones (a
 * verified subprog may call more).
 */
export function doCheckSubprogs(env: VerifierEnv, checkOne: (subprog: number) => void): void {
  if (!env.prog.funcs) return;
  const d = dataOf(env);
  for (let found = true; found;) {
    found = false;
    for (let i = 1; i < env.subprogs.count; i++) {
      if (!subprogIsGlobal(env, i) || !d.called.has(i) || d.verified.has(i)) continue;
      checkOne(i);
      if (logLevel1(env)) verbose(env, `Func#${i} ('${funcName(i)}') is safe for any args that match its prototype\n`);
      d.verified.add(i);
      found = true;
    }
  }
}
