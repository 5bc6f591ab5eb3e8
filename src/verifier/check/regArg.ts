// check_reg_arg: operand checks and the subreg_def bookkeeping.
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LDX, BPF_STX, BPF_ST, BPF_LD, BPF_END, BPF_CALL, BPF_DW,
  BPF_MEMSX, BPF_IMM, BPF_ATOMIC, BPF_CMPXCHG, BPF_FETCH, BPF_PSEUDO_CALL, BPF_REG_FP, MAX_BPF_REG,
  opClass, opAlu, opSize, opMode,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, EINVAL, EACCES, verbose } from '../state/env.js';
import { REG_LIVE_READ32, REG_LIVE_READ64, REG_LIVE_WRITTEN, RegType, type BpfRegState } from '../state/reg.js';
import { markRegRead } from '../liveness/chain.js';
import type { BpfFuncState } from '../state/state.js';
import { markRegNotInit, markRegUnknown } from '../state/scalar.js';
import { markRegScratched } from '../log/logState.js';

export const enum RegArgType { SRC_OP, DST_OP, DST_OP_NO_MARK }

const BPF_LOAD_ACQ = 0x100;

/** is_reg64: does this insn read/write the full 64-bit register? */
function isReg64(insn: Insn, regno: number, reg: BpfRegState | null, t: RegArgType): boolean {
  const code = insn.code;
  const cls = opClass(code);
  const op = opAlu(code);
  if (cls === BPF_JMP) {
    if (op === 0x90) return true; // exit: r0 is 64-bit
    if (op === BPF_CALL) {
      if (insn.src === BPF_PSEUDO_CALL) return false;
      return t === RegArgType.SRC_OP;
    }
  }
  if (cls === BPF_ALU64 && op === BPF_END && (insn.imm === 16 || insn.imm === 32)) return false;
  if (cls === BPF_ALU64 || cls === BPF_JMP || (cls === BPF_ALU && op === BPF_END && insn.imm === 64)) return true;
  if (cls === BPF_ALU || cls === BPF_JMP32) return false;
  if (cls === BPF_LDX) {
    if (t !== RegArgType.SRC_OP) return opSize(code) === BPF_DW || opMode(code) === BPF_MEMSX;
    return true;
  }
  if (cls === BPF_STX) {
    if (t === RegArgType.SRC_OP && reg && reg.type !== RegType.SCALAR_VALUE) return true;
    return opSize(code) === BPF_DW;
  }
  if (cls === BPF_LD) {
    if (opMode(code) === BPF_IMM) return true;
    return t === RegArgType.SRC_OP;
  }
  void regno;
  return true;
}

export function checkRegArgIn(env: VerifierEnv, regs: BpfRegState[], regno: number, t: RegArgType): void {
  const insn = env.insns[env.insnIdx] as Insn;
  if (regno >= MAX_BPF_REG) {
    verbose(env, `R${regno} is invalid\n`);
    throw new VerifierError(EINVAL, 'reg');
  }
  markRegScratched(env, regno);
  const reg = regs[regno] as BpfRegState;
  const rw64 = isReg64(insn, regno, reg, t);
  if (t === RegArgType.SRC_OP) {
    if (reg.type === RegType.NOT_INIT) {
      verbose(env, `R${regno} !read_ok\n`);
      throw new VerifierError(EACCES, 'read_ok');
    }
    if (regno === BPF_REG_FP) return;
    if (rw64) reg.subregDef = 0;
    if (env.opts.switches.chainLiveness) markRegRead(env, reg, reg.parent, rw64 ? REG_LIVE_READ64 : REG_LIVE_READ32);
    return;
  }
  if (regno === BPF_REG_FP) {
    verbose(env, 'frame pointer is read only\n');
    throw new VerifierError(EACCES, 'fp');
  }
  if (env.opts.switches.chainLiveness) reg.live |= REG_LIVE_WRITTEN;
  reg.subregDef = rw64 ? 0 : env.insnIdx + 1;
  if (t === RegArgType.DST_OP) markRegUnknown(reg);
}

export const curFrame = (env: VerifierEnv): BpfFuncState => env.curState.frame[env.curState.curframe] as BpfFuncState;
export const curRegs = (env: VerifierEnv): BpfRegState[] => curFrame(env).regs;

export const checkRegArg = (env: VerifierEnv, regno: number, t: RegArgType): void =>
  checkRegArgIn(env, curRegs(env), regno, t);

export function insnDefRegno(insn: Insn): number {
  switch (opClass(insn.code)) {
    case BPF_JMP: case BPF_JMP32: case BPF_ST: return -1;
    case BPF_STX:
      if (opMode(insn.code) === BPF_ATOMIC) {
        if (insn.imm === BPF_CMPXCHG) return 0;
        if (insn.imm === BPF_LOAD_ACQ) return insn.dst;
        if (insn.imm & BPF_FETCH) return insn.src;
      }
      return -1;
    default: return insn.dst;
  }
}

/** clear_caller_saved_regs: r0-r5 are scratch across a call. */
export function clearCallerSavedRegs(env: VerifierEnv, regs: BpfRegState[]): void {
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i] as BpfRegState);
    checkRegArgIn(env, regs, i, RegArgType.DST_OP_NO_MARK);
  }
}
