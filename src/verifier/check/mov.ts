// BPF_MOV value transfer (check_alu_op BPF_MOV): immediates, register copies,
// sign-extending moves and the scalar id a copy shares.
import { RegType, type BpfRegState } from '../state/reg.js';
import { copyRegisterState } from '../state/regState.js';
import {
  
  tnumIsConst, 
} from '../state/tnum.js';
import {
  
  markRegKnown, markRegUnknown, 
  regBoundsSync, 
  getRegWidth, 
  BPF_ADD_CONST_ANY, clearScalarId,
} from '../state/scalar.js';
import { coerceRegToSizeSx, coerceSubregToSizeSx, sextKeepsRange, zextReg32 } from '../state/coerce.js';

// ---- MOV ----------------------------------------------------------------------

/** `rX = imm` / `wX = imm` (check_alu_op BPF_MOV BPF_K). */
export function movImm(dst: BpfRegState, imm: number, is64: boolean, unprivileged = false): void {
  markRegUnknown(dst, unprivileged);
  dst.type = RegType.SCALAR_VALUE;
  markRegKnown(dst, is64 ? BigInt(imm) : BigInt(imm >>> 0));
}

/** `rX = imm64` (ld_imm64 with src_reg 0). */
export function movImm64(dst: BpfRegState, imm: bigint): void {
  dst.type = RegType.SCALAR_VALUE;
  markRegKnown(dst, imm);
}

/** Whether no sign bits are set for a movsx of `offBits` (8, 16, 32). */
export const movNoSext = (src: BpfRegState, offBits: number): boolean => src.umax < 1n << BigInt(offBits - 1);

/**
 * Whether the kernel calls assign_scalar_id_before_mov(src) for this MOV
 * (dst then shares src's id). Only meaningful for scalar src.
 */
export function movSharesId(src: BpfRegState, is64: boolean, off: number): boolean {
  if (off === 0) return is64 || getRegWidth(src) <= 32;
  return movNoSext(src, off);
}

/**
 * assign_scalar_id_before_mov: a linked scalar gets a fresh id unless constant.
 * `nextId` returns ++env->id_gen.
 */
export function assignScalarIdBeforeMov(src: BpfRegState, nextId: () => number): void {
  if (src.type !== RegType.SCALAR_VALUE) return;
  if (src.id & BPF_ADD_CONST_ANY) clearScalarId(src);
  if (!src.id && !tnumIsConst(src.varOff)) src.id = nextId();
}

/**
 * Value part of a scalar register MOV, after the caller has run
 * assignScalarIdBeforeMov(src) when movSharesId() says so.
 * - ALU64 off=0: plain copy (pointers too), subregDef cleared.
 * - ALU64 off=8/16/32: movsx of a scalar (caller rejects pointers).
 * - ALU32 off=0/8/16: copy/sign-extend the subregister, then zero-extend;
 *   a non-scalar src (allowed only with allow_ptr_leaks) becomes unknown.
 * `insnIdx` sets subregDef for 32-bit moves; `keepRange` is the
 * movsxKeepsRange switch.
 */
export function movReg(dst: BpfRegState, src: BpfRegState, is64: boolean, off: number, insnIdx: number,
  unprivileged = false, keepRange = false): void {
  if (is64) {
    if (off === 0) {
      copyRegisterState(dst, src);
      dst.subregDef = 0;
      return;
    }
    if (src.type !== RegType.SCALAR_VALUE) {
      markRegUnknown(dst, unprivileged);
      return;
    }
    const noSext = movNoSext(src, off);
    copyRegisterState(dst, src);
    if (!noSext) clearScalarId(dst);
    if (!keepRange || !sextKeepsRange(dst, off >> 3)) coerceRegToSizeSx(dst, off >> 3);
    dst.subregDef = 0;
    return;
  }
  if (src.type === RegType.SCALAR_VALUE) {
    if (off === 0) {
      const u32 = getRegWidth(src) <= 32;
      copyRegisterState(dst, src);
      if (!u32) clearScalarId(dst);
      dst.subregDef = insnIdx + 1;
    } else {
      const noSext = movNoSext(src, off);
      copyRegisterState(dst, src);
      if (!noSext) clearScalarId(dst);
      dst.subregDef = insnIdx + 1;
      coerceSubregToSizeSx(dst, off >> 3);
    }
  } else {
    markRegUnknown(dst, unprivileged);
  }
  zextReg32(dst);
  regBoundsSync(dst);
}
