// Size coercions of scalar bounds: __reg_assign_32_into_64, zext_32_to_64,
// coerce_reg_to_size and the sign-extending coerce_*_to_size_sx.
import { type BpfRegState } from './reg.js';
import {
  tnumConst, tnumRange, tnumSubreg,
  tnumCast, tnumIsConst, tnumUnknown, 
} from './tnum.js';
import { S32_MAX, S32_MIN, U32_MAX, U64_MAX, lo32, lo32s, markReg32Unbounded, regBoundsSync, toS64, toU64 } from './scalar.js';
import { maxB, minB } from './scalar.js';

// ---- 32 -> 64 and size coercions ---------------------------------------------

const reg32BoundS64 = (a: number): boolean => a >= 0;

/** __reg_assign_32_into_64 */
export function regAssign32Into64(reg: BpfRegState): void {
  reg.umin = BigInt(reg.u32Min);
  reg.umax = BigInt(reg.u32Max);
  if (reg32BoundS64(reg.s32Min) && reg32BoundS64(reg.s32Max)) {
    reg.smin = BigInt(reg.s32Min);
    reg.smax = BigInt(reg.s32Max);
  } else {
    reg.smin = 0n;
    reg.smax = BigInt(U32_MAX);
  }
}

/** zext_32_to_64: ALU32 results are zero-extended. */
export function zextReg32(reg: BpfRegState): void {
  reg.varOff = tnumSubreg(reg.varOff);
  regAssign32Into64(reg);
}

/** coerce_reg_to_size: truncate to size bytes (size < 8), zero-extending. */
export function coerceRegToSize(reg: BpfRegState, size: number): void {
  reg.varOff = tnumCast(reg.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((reg.umin & ~mask) === (reg.umax & ~mask)) {
    reg.umin &= mask;
    reg.umax &= mask;
  } else {
    reg.umin = 0n;
    reg.umax = mask;
  }
  reg.smin = reg.umin;
  reg.smax = reg.umax;
  if (size < 4) markReg32Unbounded(reg);
  regBoundsSync(reg);
}

const sext = (x: bigint, bits: number): bigint => BigInt.asIntN(bits, x);

function setSext64DefaultVal(reg: BpfRegState, size: number): void {
  const lo = size === 1 ? -128 : size === 2 ? -32768 : S32_MIN;
  const hi = size === 1 ? 127 : size === 2 ? 32767 : S32_MAX;
  reg.smin = BigInt(lo); reg.s32Min = lo;
  reg.smax = BigInt(hi); reg.s32Max = hi;
  reg.umin = 0n; reg.u32Min = 0;
  reg.umax = U64_MAX;
  reg.u32Max = U32_MAX;
  reg.varOff = tnumUnknown();
}

/** coerce_reg_to_size_sx: sign-extend the low size bytes (1, 2 or 4) to 64 bits. */
export function coerceRegToSizeSx(reg: BpfRegState, size: number): void {
  const bits = size * 8;
  if (tnumIsConst(reg.varOff)) {
    const c = toU64(sext(reg.varOff.value, bits));
    reg.varOff = tnumConst(c);
    reg.smin = toS64(c); reg.smax = reg.smin;
    reg.umin = c; reg.umax = c;
    reg.s32Min = lo32s(c); reg.s32Max = reg.s32Min;
    reg.u32Min = lo32(c); reg.u32Max = reg.u32Min;
    return;
  }
  const b = BigInt(bits);
  const topMax = (toU64(reg.smax) >> b) << b;
  const topMin = (toU64(reg.smin) >> b) << b;
  if (topMax !== topMin) {
    setSext64DefaultVal(reg, size);
    return;
  }
  const initMax = sext(reg.smax, bits);
  const initMin = sext(reg.smin, bits);
  const s64Max = maxB(initMax, initMin);
  const s64Min = minB(initMax, initMin);
  if ((s64Max >= 0n) === (s64Min >= 0n)) {
    reg.smin = s64Min; reg.s32Min = lo32s(s64Min);
    reg.smax = s64Max; reg.s32Max = lo32s(s64Max);
    reg.umin = toU64(s64Min); reg.u32Min = lo32(s64Min);
    reg.umax = toU64(s64Max); reg.u32Max = lo32(s64Max);
    reg.varOff = tnumRange(toU64(s64Min), toU64(s64Max));
    return;
  }
  setSext64DefaultVal(reg, size);
}

/**
 * movsxKeepsRange: when the signed range already fits the narrow type the
 * sign extension is the identity; for (s32) the s32 range becomes the s64
 * range. Returns false when the old rule applies.
 */
export function sextKeepsRange(reg: BpfRegState, size: number): boolean {
  if (tnumIsConst(reg.varOff)) return false;
  const half = 1n << BigInt(size * 8 - 1);
  const h32 = Number(half);
  if (reg.smin >= -half && reg.smax < half) {
    setSextRange(reg, reg.smin, reg.smax);
    return true;
  }
  if (size === 4 || (reg.s32Min >= -h32 && reg.s32Max < h32)) {
    setSextRange(reg, BigInt(reg.s32Min), BigInt(reg.s32Max));
    return true;
  }
  return false;
}

/** The result range [min, max] of a sign extension, as coerce_reg_to_size_sx derives bounds and var_off from it. */
function setSextRange(reg: BpfRegState, min: bigint, max: bigint): void {
  reg.smin = min;
  reg.smax = max;
  if ((min >= 0n) === (max >= 0n)) {
    reg.s32Min = lo32s(min); reg.s32Max = lo32s(max);
    reg.umin = toU64(min); reg.u32Min = lo32(min);
    reg.umax = toU64(max); reg.u32Max = lo32(max);
    reg.varOff = tnumRange(toU64(min), toU64(max));
  } else {
    reg.umin = 0n;
    reg.umax = U64_MAX;
    reg.varOff = tnumUnknown();
  }
  regBoundsSync(reg);
}

function setSext32DefaultVal(reg: BpfRegState, size: number): void {
  if (size === 1) {
    reg.s32Min = -128; reg.s32Max = 127;
  } else {
    reg.s32Min = -32768; reg.s32Max = 32767;
  }
  reg.u32Min = 0;
  reg.u32Max = U32_MAX;
  reg.varOff = tnumSubreg(tnumUnknown());
}

/**
 * coerce_subreg_to_size_sx: sign-extend the low size bytes (1 or 2) into the
 * 32-bit subregister. 64-bit bounds are left for zextReg32 to overwrite.
 */
export function coerceSubregToSizeSx(reg: BpfRegState, size: number): void {
  const bits = size * 8;
  if (tnumIsConst(reg.varOff)) {
    // the kernel stores the sign-extended value in the full 64-bit tnum
    reg.varOff = tnumConst(toU64(sext(reg.varOff.value, bits)));
    const v = lo32(reg.varOff.value);
    reg.s32Min = v | 0; reg.s32Max = v | 0;
    reg.u32Min = v; reg.u32Max = v;
    return;
  }
  const topMax = ((reg.s32Max >>> 0) >>> bits) << bits >>> 0;
  const topMin = ((reg.s32Min >>> 0) >>> bits) << bits >>> 0;
  if (topMax !== topMin) {
    setSext32DefaultVal(reg, size);
    return;
  }
  const shift = 32 - bits;
  const initMax = (reg.s32Max << shift) >> shift;
  const initMin = (reg.s32Min << shift) >> shift;
  const s32Max = Math.max(initMax, initMin);
  const s32Min = Math.min(initMax, initMin);
  if ((s32Min >= 0) === (s32Max >= 0)) {
    reg.s32Min = s32Min;
    reg.s32Max = s32Max;
    reg.u32Min = s32Min >>> 0;
    reg.u32Max = s32Max >>> 0;
    reg.varOff = tnumSubreg(tnumRange(toU64(BigInt(s32Min)), toU64(BigInt(s32Max))));
    return;
  }
  setSext32DefaultVal(reg, size);
}
