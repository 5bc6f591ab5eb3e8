// check_mem_access and its callers for loads/stores: stack, context and map values.
import { BPF_STX, BPF_ST, BPF_MEM, BPF_MEMSX, opClass, opMode, sizeBytes } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, Unsupported, EACCES, EINVAL, verbose, verboseInvariants } from '../state/env.js';
import { RegType, PTR_MAYBE_NULL, type BpfRegState } from '../state/reg.js';
import { MAX_BPF_STACK, type BpfFuncState } from '../state/state.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst } from '../state/tnum.js';
import { tnumStrn } from '../log/regfmt.js';
import { markRegUnknown, regBoundsSanityReset } from '../state/scalar.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import {
  checkStackReadFixedOff, checkStackReadVarOff, checkStackWriteFixedOff, checkStackWriteVarOff, growStackState,
} from './stackAccess.js';
import { regTypeStr } from '../log/regfmt.js';
import { checkCtxAccess } from './ctxAccess.js';
import { BPF_MAX_VAR_OFF, checkMapAccess } from './mapAccess.js';
import { checkPacketAccess, checkPktPtrAlignment, isPktPointer, mayAccessDirectPktData } from './packetAccess.js';
import { BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT } from '../../isa/program.js';
import { coerceRegToSize, coerceRegToSizeSx } from '../state/coerce.js';

export const enum Access { READ, WRITE }

/** (s64)var_off.value of a constant offset, skipping the bigint cast for the usual 0. */
const constVarOff = (reg: BpfRegState): number =>
  reg.varOff.value === 0n ? 0 : Number(BigInt.asIntN(64, reg.varOff.value));

const funcOf = (env: VerifierEnv, reg: BpfRegState): BpfFuncState => env.curState.frame[reg.frameno] as BpfFuncState;

const strictAlignment = (env: VerifierEnv): boolean =>
  (env.prog.flags & BPF_F_STRICT_ALIGNMENT) !== 0 && (env.prog.flags & BPF_F_ANY_ALIGNMENT) === 0;

/** check_ptr_alignment for the generic pointer kinds (x86: strict only when asked, stack always). */
function checkPtrAlignment(env: VerifierEnv, reg: BpfRegState, off: number, size: number): void {
  let desc: string;
  let strict = strictAlignment(env);
  switch (reg.type) {
    case RegType.PTR_TO_STACK: desc = 'stack '; strict = true; break;
    case RegType.PTR_TO_MAP_VALUE: desc = 'value '; break;
    case RegType.PTR_TO_MAP_KEY: desc = 'key '; break;
    case RegType.PTR_TO_CTX: desc = 'context '; break;
    case RegType.PTR_TO_PACKET: case RegType.PTR_TO_PACKET_META:
      checkPktPtrAlignment(env, reg, off, size, strict);
      return;
    default: return; // others: not modelled under strict alignment
  }
  if (!strict || size === 1) return;
  // tnum_add(var_off, const) of a known-zero var_off is the constant itself
  const c = reg.off + off;
  const aligned = reg.varOff.value === 0n && reg.varOff.mask === 0n && (c | 0) === c
    ? (c & (size - 1)) === 0
    : tnumIsAligned(tnumAdd(reg.varOff, tnumConst(BigInt(c))), BigInt(size));
  if (!aligned) {
    verbose(env, `misaligned ${desc}access off ${tnumStrn(reg.varOff)}+${reg.off}+${off} size ${size}\n`);
    throw new VerifierError(EACCES, 'misaligned');
  }
}

/** check_stack_access_within_bounds (grows the stack on success). */
export function checkStackAccessWithinBounds(env: VerifierEnv, regno: number, off: number, accessSize: number, t: Access): void {
  const reg = curRegs(env)[regno] as BpfRegState;
  const state = funcOf(env, reg);
  const extra = t === Access.READ ? ' read from' : ' write to';
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.varOff)) {
    minOff = constVarOff(reg) + off;
    maxOff = minOff + accessSize;
  } else {
    if (reg.smax >= BigInt(BPF_MAX_VAR_OFF) || reg.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      verbose(env, `invalid unbounded variable-offset${extra} stack R${regno}\n`);
      throw new VerifierError(EACCES, 'unbounded');
    }
    minOff = Number(reg.smin) + off;
    maxOff = Number(reg.smax) + off + accessSize;
  }
  const minValid = t === Access.WRITE || env.allowUninitStack ? -MAX_BPF_STACK : -state.allocatedStack;
  let err = 0;
  if (minOff < minValid || minOff > -1) err = EACCES;
  if (!err && maxOff > 0) err = EINVAL;
  if (!err && accessSize < 0) err = EINVAL;
  if (err) {
    if (tnumIsConst(reg.varOff)) verbose(env, `invalid${extra} stack R${regno} off=${off} size=${accessSize}\n`);
    else verbose(env, `invalid variable-offset${extra} stack R${regno} var_off=${tnumStrn(reg.varOff)} off=${off} size=${accessSize}\n`);
    throw new VerifierError(err, 'stack bounds');
  }
  growStackState(env, state, -minOff);
}

/** check_mem_access. valueRegno is the loaded-into or stored-from register (-1 for BPF_ST). */
export function checkMemAccess(env: VerifierEnv, insnIdx: number, regno: number, off: number, size: number, t: Access, valueRegno: number, isLdsx: boolean): void {
  const regs = curRegs(env);
  const reg = regs[regno] as BpfRegState;
  checkPtrAlignment(env, reg, off, size);
  off += reg.off;
  if (reg.type === RegType.PTR_TO_STACK) {
    checkStackAccessWithinBounds(env, regno, off, size, t);
    const state = funcOf(env, reg);
    if (t === Access.READ) {
      if (!tnumIsConst(reg.varOff)) {
        checkStackReadVarOff(env, regno, off, size, valueRegno, state);
      } else {
        checkStackReadFixedOff(env, state, off + constVarOff(reg), size, valueRegno);
      }
    } else if (tnumIsConst(reg.varOff)) {
      checkStackWriteFixedOff(env, state, off + constVarOff(reg), size, valueRegno, insnIdx);
    } else {
      checkStackWriteVarOff(env, state, regno, off, size, valueRegno, insnIdx);
    }
  } else if (reg.type === RegType.PTR_TO_MAP_VALUE && reg.typeFlags === 0) {
    if (t === Access.WRITE && valueRegno >= 0 && !env.allowPtrLeaks && (regs[valueRegno] as BpfRegState).type !== RegType.SCALAR_VALUE) {
      verbose(env, `R${valueRegno} leaks addr into map\n`);
      throw new VerifierError(EACCES, 'leak');
    }
    checkMapAccess(env, regno, reg, off, size, false);
    if (t === Access.READ && valueRegno >= 0) markRegUnknown(regs[valueRegno] as BpfRegState);
  } else if (reg.type === RegType.PTR_TO_CTX && reg.typeFlags === 0) {
    checkCtxAccess(env, insnIdx, regno, reg, off, size, t === Access.WRITE, valueRegno, regs, isLdsx);
  } else if (isPktPointer(reg)) {
    if (t === Access.WRITE && !mayAccessDirectPktData(env)) {
      verbose(env, 'cannot write into packet\n');
      throw new VerifierError(EACCES, 'pkt write');
    }
    if (t === Access.WRITE && valueRegno >= 0 && !env.allowPtrLeaks && (regs[valueRegno] as BpfRegState).type !== RegType.SCALAR_VALUE) {
      verbose(env, `R${valueRegno} leaks addr into packet\n`);
      throw new VerifierError(EACCES, 'leak');
    }
    checkPacketAccess(env, regno, off, size, false);
    if (t === Access.READ && valueRegno >= 0) markRegUnknown(regs[valueRegno] as BpfRegState);
  } else if (reg.type === RegType.SCALAR_VALUE || reg.type === RegType.NOT_INIT || reg.type === RegType.PTR_TO_PACKET_END ||
    ((reg.typeFlags & PTR_MAYBE_NULL) && (reg.type === RegType.PTR_TO_MAP_VALUE || reg.type === RegType.PTR_TO_MEM))) {
    verbose(env, `R${regno} invalid mem access '${regTypeStr(reg)}'\n`);
    throw new VerifierError(EACCES, 'mem access');
  } else {
    throw new Unsupported(insnIdx, `memory access through ${regTypeStr(reg)}`);
  }
  const dst = valueRegno >= 0 ? (regs[valueRegno] as BpfRegState) : null;
  if (size < 8 && dst && t === Access.READ && dst.type === RegType.SCALAR_VALUE) {
    if (!isLdsx) coerceRegToSize(dst, size);
    else coerceRegToSizeSx(dst, size);
  }
}

// reg_type_mismatch_ok: types one insn may not mix with other pointer types
const MISMATCH_STRICT = new Set([RegType.PTR_TO_CTX, RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK,
  RegType.PTR_TO_XDP_SOCK, RegType.PTR_TO_BTF_ID, RegType.PTR_TO_ARENA]);

/** save_aux_ptr_type: one load/store insn must not see ctx and other pointers (types here are type|flags<<8). */
function saveAuxPtrType(env: VerifierEnv, reg: { type: RegType; typeFlags: number }): void {
  const type = reg.type | (reg.typeFlags << 8);
  const prev = env.ptrTypes[env.insnIdx];
  if (prev === undefined || prev === RegType.NOT_INIT) {
    env.ptrTypes[env.insnIdx] = type;
    return;
  }
  if (type !== prev && (MISMATCH_STRICT.has(type & 0xff) || MISMATCH_STRICT.has(prev & 0xff))) {
    verbose(env, 'same insn cannot be used with different pointers\n');
    throw new VerifierError(EINVAL, 'ptr type mismatch');
  }
}

const typeOf = (r: BpfRegState): { type: RegType; typeFlags: number } => ({ type: r.type, typeFlags: r.typeFlags });

export function checkLoadMem(env: VerifierEnv, insn: Insn): void {
  checkRegArg(env, insn.src, RegArgType.SRC_OP);
  checkRegArg(env, insn.dst, RegArgType.DST_OP_NO_MARK);
  const srcType = typeOf(curRegs(env)[insn.src] as BpfRegState);
  checkMemAccess(env, env.insnIdx, insn.src, insn.off, sizeBytes(insn.code), Access.READ, insn.dst, opMode(insn.code) === BPF_MEMSX);
  saveAuxPtrType(env, srcType);
  const m = regBoundsSanityReset(curRegs(env)[insn.dst] as BpfRegState, 'ldx');
  if (m) verboseInvariants(env, m);
}

export function checkStoreReg(env: VerifierEnv, insn: Insn): void {
  checkRegArg(env, insn.src, RegArgType.SRC_OP);
  checkRegArg(env, insn.dst, RegArgType.SRC_OP);
  const dstType = typeOf(curRegs(env)[insn.dst] as BpfRegState);
  checkMemAccess(env, env.insnIdx, insn.dst, insn.off, sizeBytes(insn.code), Access.WRITE, insn.src, false);
  saveAuxPtrType(env, dstType);
}

export function checkStoreImm(env: VerifierEnv, insn: Insn): void {
  if (opMode(insn.code) !== BPF_MEM || insn.src !== 0) {
    verbose(env, 'BPF_ST uses reserved fields\n');
    throw new VerifierError(EINVAL, 'st');
  }
  checkRegArg(env, insn.dst, RegArgType.SRC_OP);
  const dstType = typeOf(curRegs(env)[insn.dst] as BpfRegState);
  checkMemAccess(env, env.insnIdx, insn.dst, insn.off, sizeBytes(insn.code), Access.WRITE, -1, false);
  saveAuxPtrType(env, dstType);
}

export const isStoreClass = (code: number): boolean => opClass(code) === BPF_STX || opClass(code) === BPF_ST;
