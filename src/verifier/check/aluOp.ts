// check_alu_op: operand checks, MOV, NEG/END, pointer arithmetic
// (adjust_ptr_min_max_vals) and scalar ALU (adjust_reg_min_max_vals).
import {
  BPF_ALU64, BPF_X, BPF_K, BPF_END, BPF_NEG, BPF_MOV, BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_XOR,
  BPF_MOD, BPF_DIV, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_TO_LE, opClass, opAlu, opSrc,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, EINVAL, EACCES, verbose, verboseInvariants } from '../state/env.js';
import { RegType, PTR_MAYBE_NULL, BPF_ADD_CONST, BPF_ADD_CONST32, BPF_ADD_CONST64, type BpfRegState } from '../state/reg.js';
import { S64_MIN, S64_MAX, U64_MAX, newRegState, cloneReg, scratchKnownScalar } from '../state/regState.js';
import { tnumAdd, tnumSub, tnumIsConst } from '../state/tnum.js';
import { markRegUnknown, markReg32Unbounded, regBoundsSync, isRegConst, regConstValue, regBoundsSanityReset } from '../state/scalar.js';
import {
  adjustScalarForInsn, scalarForkKind, applyScalarFork, 
} from './alu.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import { assignScalarIdBeforeMov } from './stackAccess.js';
import { markChainPrecision } from '../precision/backtrack.js';
import { pushStack } from '../state/states.js';
import { regTypeStr } from '../log/regfmt.js';
import { movImm, movReg, movSharesId } from './mov.js';

/** The immediate operand of an ALU insn (scratchKnownScalar). */
const immSrc = newRegState();

const BPF_ADDR_SPACE_CAST = 1;
const BPF_MAX_VAR_OFF = 1 << 29;
const ALU_STR = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

const isPointerValue = (env: VerifierEnv, reg: BpfRegState): boolean => !env.allowPtrLeaks && reg.type !== RegType.SCALAR_VALUE;

function checkRegSaneOffset(env: VerifierEnv, reg: BpfRegState, ptrType: BpfRegState): void {
  const known = tnumIsConst(reg.varOff);
  const val = BigInt.asIntN(64, reg.varOff.value);
  const t = regTypeStr(ptrType);
  if (known && (val >= BigInt(BPF_MAX_VAR_OFF) || val <= -BigInt(BPF_MAX_VAR_OFF))) {
    fail(env, EINVAL, `math between ${t} pointer and ${val} is not allowed`);
  }
  if (reg.off >= BPF_MAX_VAR_OFF || reg.off <= -BPF_MAX_VAR_OFF) fail(env, EINVAL, `${t} pointer offset ${reg.off} is not allowed`);
  if (reg.smin === S64_MIN) fail(env, EINVAL, `math between ${t} pointer and register with unbounded min value is not allowed`);
  if (reg.smin >= BigInt(BPF_MAX_VAR_OFF) || reg.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
    fail(env, EINVAL, `value ${reg.smin} makes ${t} pointer be out of bounds`);
  }
}

const s32 = (x: number): number => x | 0;

function adjustPtrMinMaxVals(env: VerifierEnv, insn: Insn, ptr: BpfRegState, offReg: BpfRegState): void {
  const regs = curRegs(env);
  const dst = regs[insn.dst] as BpfRegState;
  const known = tnumIsConst(offReg.varOff);
  const { smin: sminVal, smax: smaxVal, umin: uminVal, umax: umaxVal } = offReg;
  const { smin: sminPtr, smax: smaxPtr, umin: uminPtr, umax: umaxPtr } = ptr;
  const opcode = opAlu(insn.code);
  if ((known && (sminVal !== smaxVal || uminVal !== umaxVal)) || sminVal > smaxVal || uminVal > umaxVal) {
    markRegUnknown(dst);
    return;
  }
  if (opClass(insn.code) !== BPF_ALU64) {
    if (opcode === BPF_SUB && env.allowPtrLeaks) {
      markRegUnknown(dst);
      return;
    }
    fail(env, EACCES, `R${insn.dst} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.typeFlags & PTR_MAYBE_NULL) {
    fail(env, EACCES, `R${insn.dst} pointer arithmetic on ${regTypeStr(ptr)} prohibited, null-check it first`);
  }
  const okType = ((): boolean => {
    switch (ptr.type) {
      case RegType.PTR_TO_CTX: case RegType.PTR_TO_MAP_VALUE: case RegType.PTR_TO_MAP_KEY: case RegType.PTR_TO_STACK:
      case RegType.PTR_TO_PACKET_META: case RegType.PTR_TO_PACKET: case RegType.PTR_TO_TP_BUFFER: case RegType.PTR_TO_BTF_ID:
      case RegType.PTR_TO_MEM: case RegType.PTR_TO_BUF: case RegType.PTR_TO_FUNC: case RegType.CONST_PTR_TO_DYNPTR:
        return true;
      case RegType.PTR_TO_FLOW_KEYS:
        return known || (known && sminVal === 0n && opcode === BPF_ADD);
      case RegType.CONST_PTR_TO_MAP:
        return known && sminVal === 0n && opcode === BPF_ADD;
      default:
        return false;
    }
  })();
  if (!okType) fail(env, EACCES, `R${insn.dst} pointer arithmetic on ${regTypeStr(ptr)} prohibited`);
  const ptrCopy = cloneReg(ptr);
  dst.type = ptrCopy.type;
  dst.typeFlags = ptrCopy.typeFlags;
  dst.id = ptrCopy.id;
  checkRegSaneOffset(env, offReg, ptrCopy);
  checkRegSaneOffset(env, ptrCopy, ptrCopy);
  markReg32Unbounded(dst);
  const sminV = Number(sminVal);
  switch (opcode) {
    case BPF_ADD:
      if (known && ptrCopy.off + sminV === s32(ptrCopy.off + sminV)) {
        dst.smin = sminPtr; dst.smax = smaxPtr; dst.umin = uminPtr; dst.umax = umaxPtr;
        dst.varOff = ptrCopy.varOff;
        dst.off = ptrCopy.off + sminV;
        dst.range = ptrCopy.range; dst.mapIndex = ptrCopy.mapIndex; dst.frameno = ptrCopy.frameno;
        break;
      }
      {
        const a = sminPtr + sminVal;
        const b = smaxPtr + smaxVal;
        if (a < S64_MIN || a > S64_MAX || b < S64_MIN || b > S64_MAX) { dst.smin = S64_MIN; dst.smax = S64_MAX; }
        else { dst.smin = a; dst.smax = b; }
        const c = uminPtr + uminVal;
        const d = umaxPtr + umaxVal;
        if (c > U64_MAX || d > U64_MAX) { dst.umin = 0n; dst.umax = U64_MAX; }
        else { dst.umin = c; dst.umax = d; }
      }
      dst.varOff = tnumAdd(ptrCopy.varOff, offReg.varOff);
      dst.off = ptrCopy.off;
      dst.range = ptrCopy.range; dst.mapIndex = ptrCopy.mapIndex; dst.frameno = ptrCopy.frameno;
      if (ptrCopy.type === RegType.PTR_TO_PACKET || ptrCopy.type === RegType.PTR_TO_PACKET_META) {
        dst.id = ++env.idGen;
        dst.range = 0;
      }
      break;
    case BPF_SUB:
      if (dst === offReg) fail(env, EACCES, `R${insn.dst} tried to subtract pointer from scalar`);
      if (ptrCopy.type === RegType.PTR_TO_STACK) fail(env, EACCES, `R${insn.dst} subtraction from stack pointer prohibited`);
      if (known && ptrCopy.off - sminV === s32(ptrCopy.off - sminV)) {
        dst.smin = sminPtr; dst.smax = smaxPtr; dst.umin = uminPtr; dst.umax = umaxPtr;
        dst.varOff = ptrCopy.varOff;
        dst.id = ptrCopy.id;
        dst.off = ptrCopy.off - sminV;
        dst.range = ptrCopy.range; dst.mapIndex = ptrCopy.mapIndex; dst.frameno = ptrCopy.frameno;
        break;
      }
      {
        const a = sminPtr - smaxVal;
        const b = smaxPtr - sminVal;
        if (a < S64_MIN || a > S64_MAX || b < S64_MIN || b > S64_MAX) { dst.smin = S64_MIN; dst.smax = S64_MAX; }
        else { dst.smin = a; dst.smax = b; }
        if (uminPtr < umaxVal) { dst.umin = 0n; dst.umax = U64_MAX; }
        else { dst.umin = uminPtr - umaxVal; dst.umax = umaxPtr - uminVal; }
      }
      dst.varOff = tnumSub(ptrCopy.varOff, offReg.varOff);
      dst.off = ptrCopy.off;
      dst.range = ptrCopy.range; dst.mapIndex = ptrCopy.mapIndex; dst.frameno = ptrCopy.frameno;
      if (ptrCopy.type === RegType.PTR_TO_PACKET || ptrCopy.type === RegType.PTR_TO_PACKET_META) {
        dst.id = ++env.idGen;
        if (sminVal < 0n) dst.range = 0;
      }
      break;
    case BPF_AND: case BPF_OR: case BPF_XOR:
      return fail(env, EACCES, `R${insn.dst} bitwise operator ${ALU_STR[opcode >> 4]} on pointer prohibited`);
    default:
      fail(env, EACCES, `R${insn.dst} pointer arithmetic with ${ALU_STR[opcode >> 4]} operator prohibited`);
  }
  checkRegSaneOffset(env, dst, ptrCopy);
  regBoundsSync(dst);
}

function adjustRegMinMaxVals(env: VerifierEnv, insn: Insn): void {
  const regs = curRegs(env);
  const dst = regs[insn.dst] as BpfRegState;
  const opcode = opAlu(insn.code);
  const alu32 = opClass(insn.code) !== BPF_ALU64;
  if (dst.type === RegType.PTR_TO_ARENA) return;
  const ptrReg = dst.type !== RegType.SCALAR_VALUE ? dst : null;
  let src: BpfRegState;
  if (opSrc(insn.code) === BPF_X) {
    src = regs[insn.src] as BpfRegState;
    if (src.type !== RegType.SCALAR_VALUE) {
      if (dst.type !== RegType.SCALAR_VALUE) {
        if (opcode === BPF_SUB && env.allowPtrLeaks) {
          markRegUnknown(dst);
          return;
        }
        fail(env, EACCES, `R${insn.dst} pointer ${ALU_STR[opcode >> 4]} pointer prohibited`);
      }
      markChainPrecision(env, insn.dst);
      adjustPtrMinMaxVals(env, insn, src, dst);
      return;
    } else if (ptrReg) {
      markChainPrecision(env, insn.src);
      adjustPtrMinMaxVals(env, insn, dst, src);
      return;
    } else if (dst.precise) {
      markChainPrecision(env, insn.src);
    }
  } else {
    src = scratchKnownScalar(immSrc, BigInt(insn.imm));
    if (ptrReg) {
      adjustPtrMinMaxVals(env, insn, ptrReg, src);
      return;
    }
  }
  const fork = scalarForkKind(opcode, dst, src);
  if (fork) {
    const branch = pushStack(env, env.insnIdx, env.insnIdx, false);
    applyScalarFork(branch.frame[branch.curframe]?.regs[insn.dst] as BpfRegState, fork, 0);
    applyScalarFork(dst, fork, -1);
  }
  // Read before the op: src may be dst, and alu32 results are zero-extended.
  const dstUmax = dst.umax;
  const srcConst = isRegConst(src, alu32);
  const srcVal = srcConst ? regConstValue(src, alu32) : 0n;
  adjustScalarForInsn(insn, dst, src);
  const sameReg = opSrc(insn.code) === BPF_X && insn.src === insn.dst;
  linkScalarDelta(env, opcode, alu32, dst, srcConst && !sameReg, srcVal, dstUmax);
}

/** Remember a constant delta between linked scalars (r1 = r2; r1 += K), or unlink dst. */
function linkScalarDelta(env: VerifierEnv, opcode: number, alu32: boolean, dst: BpfRegState, srcConst: boolean, val: bigint, dstUmax: bigint): void {
  scalarIdAfterAlu(opcode, alu32, dst, srcConst, val, dstUmax, { bpfCapable: env.bpfCapable, addOnly: env.opts.switches.linkedRegsAddOnly });
}

/**
 * The id rule at the end of adjust_reg_min_max_vals for `scalar op scalar`:
 * `rX += c` / `rX -= c` (64-bit, c in s32) and `wX += c` / `wX -= c` (when
 * dst fit in u32 before the op) on a linked scalar record the delta with
 * BPF_ADD_CONST64/32; anything else unlinks dst and drops the delta.
 * `addOnly` (linkedRegsAddOnly): only 64-bit `rX += c`, c in [0, S32_MAX],
 * and other ops clear the id but keep off. `srcConst` is false for `rX op= rX`.
 */
export function scalarIdAfterAlu(opcode: number, alu32: boolean, dst: BpfRegState, srcConst: boolean, val: bigint, dstUmax: bigint,
  o: { bpfCapable: boolean; addOnly: boolean }): void {
  const clear = (): void => {
    dst.off = 0;
    dst.id = 0;
  };
  if (o.addOnly) {
    if (!(o.bpfCapable && opcode === BPF_ADD && !alu32 && dst.id && srcConst)) {
      dst.id = 0;
      return;
    }
    if ((dst.id & BPF_ADD_CONST) || BigInt.asUintN(64, val) > 0x7fffffffn) return clear();
    dst.id = (dst.id | BPF_ADD_CONST64) >>> 0;
    dst.off = Number(val);
    return;
  }
  if (!(o.bpfCapable && (opcode === BPF_ADD || opcode === BPF_SUB) && dst.id && srcConst)) return clear();
  const sval = BigInt.asIntN(64, val);
  if (!alu32 && (sval < -0x80000000n || sval > 0x7fffffffn)) return clear();
  if (alu32 && dstUmax > 0xffffffffn) return clear();
  let off = Number(BigInt.asIntN(32, val));
  if (opcode === BPF_SUB) {
    if (off === -0x80000000) return clear();
    off = -off;
  }
  if (dst.id & BPF_ADD_CONST) return clear();
  dst.id = (dst.id | (alu32 ? BPF_ADD_CONST32 : BPF_ADD_CONST64)) >>> 0;
  dst.off = off;
}

function checkAluOpInner(env: VerifierEnv, insn: Insn): void {
  const regs = curRegs(env);
  const opcode = opAlu(insn.code);
  const is64 = opClass(insn.code) === BPF_ALU64;
  if (opcode === BPF_END || opcode === BPF_NEG) {
    if (opcode === BPF_NEG) {
      if (opSrc(insn.code) !== BPF_K || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) fail(env, EINVAL, 'BPF_NEG uses reserved fields');
    } else if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) ||
      (is64 && opSrc(insn.code) !== BPF_TO_LE)) {
      fail(env, EINVAL, 'BPF_END uses reserved fields');
    }
    checkRegArg(env, insn.dst, RegArgType.SRC_OP);
    const dst = regs[insn.dst] as BpfRegState;
    if (isPointerValue(env, dst)) fail(env, EACCES, `R${insn.dst} pointer arithmetic prohibited`);
    if (dst.type === RegType.SCALAR_VALUE) {
      checkRegArg(env, insn.dst, RegArgType.DST_OP_NO_MARK);
      adjustScalarForInsn(insn, dst, dst);
    } else {
      checkRegArg(env, insn.dst, RegArgType.DST_OP);
    }
    return;
  }
  if (opcode === BPF_MOV) {
    if (opSrc(insn.code) === BPF_X) {
      if (!is64) {
        if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16) || insn.imm) fail(env, EINVAL, 'BPF_MOV uses reserved fields');
      } else if (insn.off === BPF_ADDR_SPACE_CAST) {
        fail(env, EINVAL, 'addr_space_cast insn can only be used in a program that has an associated arena');
      } else if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) || insn.imm) {
        fail(env, EINVAL, 'BPF_MOV uses reserved fields');
      }
      checkRegArg(env, insn.src, RegArgType.SRC_OP);
    } else if (insn.src !== 0 || insn.off !== 0) {
      fail(env, EINVAL, 'BPF_MOV uses reserved fields');
    }
    checkRegArg(env, insn.dst, RegArgType.DST_OP_NO_MARK);
    const dst = regs[insn.dst] as BpfRegState;
    if (opSrc(insn.code) === BPF_X) {
      const src = regs[insn.src] as BpfRegState;
      if (is64 && insn.off !== 0 && isPointerValue(env, src)) fail(env, EACCES, `R${insn.src} sign-extension part of pointer`);
      if (!is64 && isPointerValue(env, src)) fail(env, EACCES, `R${insn.src} partial copy of pointer`);
      if ((is64 && insn.off === 0) || (src.type === RegType.SCALAR_VALUE && movSharesId(src, is64, insn.off))) {
        assignScalarIdBeforeMov(env, src);
      }
      movReg(dst, src, is64, insn.off, env.insnIdx, false, env.opts.switches.movsxKeepsRange);
    } else {
      movImm(dst, insn.imm, is64);
    }
    return;
  }
  if (opcode > BPF_END) fail(env, EINVAL, `invalid BPF_ALU opcode ${opcode.toString(16)}`);
  if (opSrc(insn.code) === BPF_X) {
    if (insn.imm !== 0 || (insn.off !== 0 && insn.off !== 1) || (insn.off === 1 && opcode !== BPF_MOD && opcode !== BPF_DIV)) {
      fail(env, EINVAL, 'BPF_ALU uses reserved fields');
    }
    checkRegArg(env, insn.src, RegArgType.SRC_OP);
  } else if (insn.src !== 0 || (insn.off !== 0 && insn.off !== 1) || (insn.off === 1 && opcode !== BPF_MOD && opcode !== BPF_DIV)) {
    fail(env, EINVAL, 'BPF_ALU uses reserved fields');
  }
  checkRegArg(env, insn.dst, RegArgType.SRC_OP);
  if ((opcode === BPF_MOD || opcode === BPF_DIV) && opSrc(insn.code) === BPF_K && insn.imm === 0) fail(env, EINVAL, 'div by zero');
  if ((opcode === BPF_LSH || opcode === BPF_RSH || opcode === BPF_ARSH) && opSrc(insn.code) === BPF_K) {
    const size = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= size) fail(env, EINVAL, `invalid shift ${insn.imm}`);
  }
  checkRegArg(env, insn.dst, RegArgType.DST_OP_NO_MARK);
  adjustRegMinMaxVals(env, insn);
}


/** check_alu_op, ending with the kernel's bounds sanity check of dst ("alu"). */
export function checkAluOp(env: VerifierEnv, insn: Insn): void {
  checkAluOpInner(env, insn);
  const m = regBoundsSanityReset(curRegs(env)[insn.dst] as BpfRegState, 'alu');
  if (m) verboseInvariants(env, m);
}
