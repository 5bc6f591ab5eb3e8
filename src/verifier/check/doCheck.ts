// do_check: the depth-first walk over the program, one instruction at a time.
import {
  BPF_ALU, BPF_ALU64, BPF_LDX, BPF_STX, BPF_ST, BPF_JMP, BPF_JMP32, BPF_LD, BPF_CALL, BPF_JA, BPF_EXIT, BPF_K,
  BPF_MEM, BPF_ATOMIC, BPF_IMM, BPF_ABS, BPF_IND, BPF_DW, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_FUNC,
  opClass, opJmp, opMode, opSrc, opSize,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { disasmInsn } from '../../isa/disasm.js';
import { type VerifierEnv, VerifierError, Unsupported, EINVAL, EFAULT, E2BIG, EACCES, verbose, logLevel1, logLevel2, PROGRESS_INSNS } from '../state/env.js';
import { RegType, type BpfRegState } from '../state/reg.js';
import type { BpfFuncState } from '../state/state.js';
import { regTypeStr } from '../log/regfmt.js';
import { checkAluOp } from './aluOp.js';
import { checkLoadMem, checkStoreReg, checkStoreImm } from './memAccess.js';
import { checkCondJmpOp } from './condJmp.js';
import { checkHelperCall } from './helperCall.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import { isStateVisited } from '../pruning/pruning.js';
import { pushJmpHistory } from '../state/history.js';
import { popStack, BPF_COMPLEXITY_LIMIT_INSNS } from '../state/states.js';
import { updateBranchCounts } from '../pruning/branchCounts.js';
import { markRegScratched, markVerifierStateScratched, printInsnState, printVerifierState, verifierStateScratched } from '../log/logState.js';
import { bpfCommitStackWriteMarks, bpfResetStackWriteMarks, bpfUpdateLiveStack } from '../liveness/liveness.js';
import { markRegKnown } from '../state/scalar.js';
import { checkFuncCall, failInvalidScalar, prepareFuncExit } from './calls.js';
import { checkLdImmFunc } from './callbacks.js';
import { markChainPrecision } from '../precision/backtrack.js';
import { checkLdImmMap, failUnresolvedMapLoads } from './mapAccess.js';

const isMapLoadSrc = (src: number): boolean => src === 1 || src === 2 || src === 5 || src === 6;

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

function checkLdImm(env: VerifierEnv, insn: Insn): void {
  if (opSize(insn.code) !== BPF_DW) fail(env, EINVAL, 'invalid BPF_LD_IMM insn');
  if (insn.off !== 0) fail(env, EINVAL, 'BPF_LD_IMM64 uses reserved fields');
  checkRegArg(env, insn.dst, RegArgType.DST_OP);
  const dst = curRegs(env)[insn.dst] as BpfRegState;
  if (insn.src === BPF_PSEUDO_FUNC) {
    checkLdImmFunc(env, insn, dst);
    return;
  }
  if (insn.src !== 0) {
    if (!isMapLoadSrc(insn.src)) throw new Unsupported(env.insnIdx, `ld_imm64 with src_reg ${insn.src}`);
    // the program's own insns: env.insns may hold kernel-style resolved addresses
    checkLdImmMap(env, env.prog.insns[env.insnIdx] as Insn, env.prog.insns[env.insnIdx + 1] as Insn, dst);
    return;
  }
  const hi = env.insns[env.insnIdx + 1] as Insn;
  const imm = (BigInt(hi.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
  dst.type = RegType.SCALAR_VALUE;
  markRegKnown(dst, imm);
}

/** Returns true when the path ended at a top-level exit (PROCESS_BPF_EXIT). */
function processBpfExit(env: VerifierEnv): boolean {
  if (env.curState.curframe) {
    bpfUpdateLiveStack(env);
    env.insnIdx = prepareFuncExit(env);
    env.doPrintState = true;
    return false;
  }
  checkRegArg(env, 0, RegArgType.SRC_OP);
  const r0 = curRegs(env)[0] as BpfRegState;
  if (!env.allowPtrLeaks && r0.type !== RegType.SCALAR_VALUE) fail(env, EACCES, 'R0 leaks addr as return value');
  const frame0 = env.curState.frame[0] as BpfFuncState;
  if (frame0.inAsyncCallbackFn) {
    // check_return_code's enforce_retval with the callback's range
    const ctx = 'At async callback return';
    if (r0.type !== RegType.SCALAR_VALUE) fail(env, EINVAL, `${ctx} the register R0 is not a known value (${regTypeStr(r0)})`);
    markChainPrecision(env, 0);
    const { minval, maxval } = frame0.callbackRetRange;
    if (!(minval <= r0.smin && r0.smax <= maxval)) failInvalidScalar(env, r0, minval, maxval, ctx, 'R0');
    return true;
  }
  // check_return_code: a global subprog verified on its own must return a scalar.
  if ((env.curState.frame[0] as BpfFuncState).subprogno > 0 && r0.type !== RegType.SCALAR_VALUE) {
    fail(env, EINVAL, `At subprogram exit the register R0 is not a scalar value (${regTypeStr(r0)})`);
  }
  return true;
}

/** do_check_insn: returns true at a path-ending exit; otherwise updates env.insnIdx. */
function doCheckInsn(env: VerifierEnv): boolean {
  const insn = env.insns[env.insnIdx] as Insn;
  const cls = opClass(insn.code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    checkAluOp(env, insn);
  } else if (cls === BPF_LDX) {
    checkLoadMem(env, insn);
  } else if (cls === BPF_STX) {
    if (opMode(insn.code) === BPF_ATOMIC) throw new Unsupported(env.insnIdx, 'atomic operation');
    if (opMode(insn.code) !== BPF_MEM || insn.imm !== 0) fail(env, EINVAL, 'BPF_STX uses reserved fields');
    checkStoreReg(env, insn);
  } else if (cls === BPF_ST) {
    checkStoreImm(env, insn);
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = opJmp(insn.code);
    env.jmpsProcessed++;
    if (op === BPF_CALL) {
      if (opSrc(insn.code) !== BPF_K || (insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0) ||
        (insn.src !== 0 && insn.src !== BPF_PSEUDO_CALL && insn.src !== BPF_PSEUDO_KFUNC_CALL) ||
        insn.dst !== 0 || cls === BPF_JMP32) {
        fail(env, EINVAL, 'BPF_CALL uses reserved fields');
      }
      if (insn.src === BPF_PSEUDO_KFUNC_CALL) throw new Unsupported(env.insnIdx, 'kfunc call');
      if (insn.src === BPF_PSEUDO_CALL) env.insnIdx = checkFuncCall(env, insn, env.insnIdx);
      else checkHelperCall(env, insn);
      markRegScratched(env, 0);
    } else if (op === BPF_JA) {
      if (opSrc(insn.code) !== BPF_K || insn.src !== 0 || insn.dst !== 0 ||
        (cls === BPF_JMP && insn.imm !== 0) || (cls === BPF_JMP32 && insn.off !== 0)) {
        fail(env, EINVAL, 'BPF_JA uses reserved fields');
      }
      env.insnIdx += (cls === BPF_JMP ? insn.off : insn.imm) + 1;
      return false;
    } else if (op === BPF_EXIT) {
      if (opSrc(insn.code) !== BPF_K || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || cls === BPF_JMP32) {
        fail(env, EINVAL, 'BPF_EXIT uses reserved fields');
      }
      return processBpfExit(env);
    } else {
      env.insnIdx = checkCondJmpOp(env, insn);
      return false;
    }
  } else if (cls === BPF_LD) {
    const mode = opMode(insn.code);
    if (mode === BPF_ABS || mode === BPF_IND) throw new Unsupported(env.insnIdx, 'ld_abs/ld_ind');
    if (mode !== BPF_IMM) fail(env, EINVAL, 'invalid BPF_LD mode');
    checkLdImm(env, insn);
    env.insnIdx++;
  } else {
    fail(env, EINVAL, `unknown insn class ${cls}`);
  }
  env.insnIdx++;
  return false;
}

export function doCheck(env: VerifierEnv): void {
  if (env.prog.maps.length > 0 || env.insns.some((i) => i.code === 0x18 && i.src !== 0)) failUnresolvedMapLoads(env);
  const popLog = !logLevel2(env);
  const insnCnt = env.insns.length;
  env.doPrintState = false;
  let prevInsnIdx = -1;
  for (;;) {
    const state = env.curState;
    env.curHistEnt = false;
    env.prevInsnIdx = prevInsnIdx;
    if (env.insnIdx >= insnCnt) fail(env, EFAULT, `invalid insn idx ${env.insnIdx} insn_cnt ${insnCnt}`);
    const aux = env.aux[env.insnIdx];
    if (++env.insnProcessed > BPF_COMPLEXITY_LIMIT_INSNS) {
      fail(env, E2BIG, `BPF program is too large. Processed ${env.insnProcessed} insn`);
    }
    if ((env.insnProcessed & (PROGRESS_INSNS - 1)) === 0 && env.opts.onProgress) env.opts.onProgress(env.insnProcessed);
    state.lastInsnIdx = env.prevInsnIdx;
    state.insnIdx = env.insnIdx;

    let exited = false;
    if (aux?.prunePoint && isStateVisited(env, env.insnIdx)) {
      if (logLevel1(env)) {
        if (env.doPrintState) verbose(env, `\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${state.speculative ? ' (speculative execution)' : ''}: safe\n`);
        else verbose(env, `${env.insnIdx}: safe\n`);
      }
      exited = true;
    } else {
      if (aux?.jmpPoint) pushJmpHistory(env, state, 0, 0n);
      if (logLevel2(env) && env.doPrintState) {
        verbose(env, `\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${state.speculative ? ' (speculative execution)' : ''}:`);
        printVerifierState(env, state, state.curframe, true);
        env.doPrintState = false;
      }
      if (logLevel1(env)) {
        if (verifierStateScratched(env)) printInsnState(env, state, state.curframe);
        env.prevLogPos = env.log.endPos;
        verbose(env, `${env.insnIdx}: ${disasmInsn(env.insns, env.insnIdx)}\n`);
        env.prevInsnPrintPos = env.log.endPos - env.prevLogPos;
        env.prevLogPos = env.log.endPos;
      }
      if (aux) aux.seen = true;
      prevInsnIdx = env.insnIdx;
      bpfResetStackWriteMarks(env, env.insnIdx);
      let ok = false;
      try {
        exited = doCheckInsn(env);
        ok = true;
      } finally {
        if (ok) bpfCommitStackWriteMarks(env);
      }
    }
    if (exited) {
      markVerifierStateScratched(env);
      updateBranchCounts(env, env.curState);
      bpfUpdateLiveStack(env);
      const popped = popStack(env, popLog);
      if (!popped) break;
      env.insnIdx = popped.insnIdx;
      prevInsnIdx = popped.prevInsnIdx;
      env.doPrintState = true;
    }
  }
}
