// Scalar bounds of struct bpf_reg_state (verifier.c __mark_reg_*,
// __update_reg_bounds, __reg*_deduce_bounds, reg_bounds_sync, coercions).
// Functions mutate the register they are given, like the kernel does, and
// depend on nothing but their arguments. 64-bit bounds are bigint (u64 in
// [0, 2^64), s64 in [-2^63, 2^63)); 32-bit bounds are numbers.
import { RegType, BPF_ADD_CONST, BPF_ADD_CONST32, BPF_ADD_CONST64, type BpfRegState } from './reg.js';
import { type Tnum, U64_MASK, fls64, tnumIsConst, tnumSubregIsConst, tnumUnknown, tnumStep } from './tnum.js';
import {
  split, splitHi, splitLo, join64, andNotEquals, intersectRange64, setVarOffHalves, eqBN, ixVHi, ixVLo, ixMHi, ixMLo, lowMask32,
} from './halves.js';

const TWO64 = 1n << 64n;
const SIGN64 = 1n << 63n;

export const U64_MAX = U64_MASK;
export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const U32_MAX = 0xffffffff;
export const S32_MIN = -0x80000000;
export const S32_MAX = 0x7fffffff;
const S32_MIN_N = -0x80000000n;

/** Linked-scalar delta flags in reg.id (6.18.y stable: split into 64/32-bit forms). */
export { BPF_ADD_CONST32, BPF_ADD_CONST64 };
export const BPF_ADD_CONST_ANY = BPF_ADD_CONST >>> 0;
const S32_MAX_N = 0x7fffffffn;
const LO32 = 0xffffffffn;

// ---- integer conversions (C casts) ----------------------------------------

// The casts return x itself when it is already in range: BigInt.asUintN and
// asIntN allocate a fresh bigint even then.
/** (u64)x */
export const toU64 = (x: bigint): bigint => (x >= 0n && x <= U64_MASK ? x : BigInt.asUintN(64, x));
/** (s64)x */
export const toS64 = (x: bigint): bigint => (x >= S64_MIN && x <= S64_MAX ? x : BigInt.asIntN(64, x));
/** (u32) of a 64-bit value (split() keeps it free of bigint temporaries) */
export const lo32 = (x: bigint): number => {
  split(x);
  return splitLo;
};
/** (s32) of a 64-bit value */
export const lo32s = (x: bigint): number => {
  split(x);
  return splitLo | 0;
};
/** (s32)(x >> 32) of a 64-bit value */
export const hi32s = (x: bigint): number => {
  split(x);
  return splitHi | 0;
};
/** (s32) of a 32-bit number */
export const toS32 = (x: number): number => x | 0;
/** (u32) of a 32-bit number */
export const toU32 = (x: number): number => x >>> 0;
export const maxB = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const minB = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** tnum_unknown shared by every unknown scalar (tnums are never mutated in place). */
const UNKNOWN_TNUM: Tnum = tnumUnknown();

/** (s64) of a u64 in [0, 2^64). */
const u64ToS64 = (x: bigint): bigint => (x > S64_MAX ? x - TWO64 : x);
/** (u64) of an s64 in [-2^63, 2^63). */
const s64ToU64 = (x: bigint): bigint => (x < 0n ? x + TWO64 : x);

// ---- mark helpers ---------------------------------------------------------

/** ___mark_reg_known: set the value only (keeps id, off, ...). */
export function setRegKnown(reg: BpfRegState, imm: bigint): void {
  // the casts allocate a fresh bigint even when the value is already in range
  const u = imm >= 0n && imm <= U64_MAX ? imm : toU64(imm);
  reg.varOff = { value: u, mask: 0n };
  reg.smin = u <= S64_MAX ? u : u - TWO64;
  reg.smax = reg.smin;
  reg.umin = u;
  reg.umax = u;
  split(u);
  reg.s32Min = splitLo | 0;
  reg.s32Max = reg.s32Min;
  reg.u32Min = splitLo;
  reg.u32Max = reg.u32Min;
}

/** __mark_reg_known: clears off, range/map, id and ref_obj_id, then sets imm. */
export function markRegKnown(reg: BpfRegState, imm: bigint): void {
  reg.off = 0;
  reg.range = 0;
  reg.mapIndex = -1;
  reg.id = 0;
  reg.refObjId = 0;
  setRegKnown(reg, imm);
}

export const markRegKnownZero = (reg: BpfRegState): void => markRegKnown(reg, 0n);

/** __mark_reg_const_zero: a precise-unless-privileged scalar 0. */
export function markRegConstZero(reg: BpfRegState, precise = false): void {
  markRegKnown(reg, 0n);
  reg.type = RegType.SCALAR_VALUE;
  reg.precise = precise;
}

/** __mark_reg32_known: only the low 32 bits become known. */
export function markReg32Known(reg: BpfRegState, imm: bigint): void {
  // tnum_const_subreg on halves: tnum_or gives value (hi, c) and mask (hi mask & ~hi, 0)
  const vo = reg.varOff;
  split(imm);
  const c = splitLo;
  split(vo.value);
  const vHi = splitHi, vLo = splitLo;
  split(vo.mask);
  const mHi = (splitHi & ~vHi) >>> 0;
  reg.varOff = {
    value: c === vLo ? vo.value : join64(vHi, c),
    mask: mHi === splitHi && splitLo === 0 ? vo.mask : join64(mHi, 0),
  };
  reg.s32Min = c | 0;
  reg.s32Max = reg.s32Min;
  reg.u32Min = c;
  reg.u32Max = reg.u32Min;
}

export function markReg64Unbounded(reg: BpfRegState): void {
  reg.smin = S64_MIN;
  reg.smax = S64_MAX;
  reg.umin = 0n;
  reg.umax = U64_MAX;
}

export function markReg32Unbounded(reg: BpfRegState): void {
  reg.s32Min = S32_MIN;
  reg.s32Max = S32_MAX;
  reg.u32Min = 0;
  reg.u32Max = U32_MAX;
}

export function markRegUnbounded(reg: BpfRegState): void {
  markReg64Unbounded(reg);
  markReg32Unbounded(reg);
}

/**
 * __mark_reg_unknown: an unbounded scalar with id 0. `precise` is
 * !env->bpf_capable in the kernel (false for root). subregDef is kept.
 */
export function markRegUnknown(reg: BpfRegState, precise = false): void {
  reg.type = RegType.SCALAR_VALUE;
  reg.typeFlags = 0;
  reg.off = 0;
  reg.range = 0;
  reg.mapIndex = -1;
  reg.id = 0;
  reg.refObjId = 0;
  reg.varOff = UNKNOWN_TNUM;
  reg.frameno = 0;
  reg.precise = precise;
  markRegUnbounded(reg);
}

/** __mark_reg_not_init */
export function markRegNotInit(reg: BpfRegState, precise = false): void {
  markRegUnknown(reg, precise);
  reg.type = RegType.NOT_INIT;
}

// ---- bounds from var_off ----------------------------------------------------

export function updateReg32Bounds(reg: BpfRegState): void {
  split(reg.varOff.value);
  const v = splitLo;
  split(reg.varOff.mask);
  const m = splitLo;
  const smin = v | (m & 0x80000000);
  const smax = v | (m & 0x7fffffff);
  if (smin > reg.s32Min) reg.s32Min = smin;
  if (smax < reg.s32Max) reg.s32Max = smax;
  const umax = (v | m) >>> 0;
  if (v > reg.u32Min) reg.u32Min = v;
  if (umax < reg.u32Max) reg.u32Max = umax;
}

/**
 * Bounds switches, set per verification by setBoundsSwitches (scalar helpers
 * take no env; one verification runs at a time per thread).
 */
let plainTnumBounds = false;
export const boundsFlags = { wrapUnbounded: false, mulUnsignedOnly: false };

/** noTnumSingleValue / addSubWrapUnbounded / mulUnsignedOnly of the profile being verified. */
export function setBoundsSwitches(s: { noTnumSingleValue: boolean; addSubWrapUnbounded: boolean; mulUnsignedOnly: boolean }): void {
  plainTnumBounds = s.noTnumSingleValue;
  boundsFlags.wrapUnbounded = s.addSubWrapUnbounded;
  boundsFlags.mulUnsignedOnly = s.mulUnsignedOnly;
}

export function updateReg64Bounds(reg: BpfRegState): void {
  const v = reg.varOff.value;
  const m = reg.varOff.mask;
  // A mask without bit 63 leaves v | (m & SIGN64) = v and v | (m & S64_MAX) = v | m.
  const top = m >= SIGN64;
  if (plainTnumBounds) {
    const tmax = v | m;
    reg.smin = maxB(reg.smin, u64ToS64(top ? v | SIGN64 : v));
    reg.smax = minB(reg.smax, u64ToS64(top ? v | (m & S64_MAX) : tmax));
    reg.umin = maxB(reg.umin, v);
    reg.umax = minB(reg.umax, tmax);
    return;
  }
  if (m === 0n) {
    // A constant tnum: the ranges collapse onto it (tnum_step is v itself).
    const s = u64ToS64(v);
    if (reg.umin > v || reg.umax < v) setRegKnown(reg, v);
    else {
      reg.smin = maxB(reg.smin, s);
      reg.smax = minB(reg.smax, s);
      reg.umin = v;
      reg.umax = v;
    }
    return;
  }
  const tmax = v | m;
  reg.smin = maxB(reg.smin, u64ToS64(top ? v | SIGN64 : v));
  reg.smax = minB(reg.smax, u64ToS64(top ? v | (m & S64_MAX) : tmax));
  reg.umin = maxB(reg.umin, v);
  reg.umax = minB(reg.umax, tmax);
  // 6.18.y stable: if the u64 range and the tnum share one value, it is known
  const next = tnumStep(reg.varOff, reg.umin);
  const uminInTnum = andNotEquals(reg.umin, m, v);
  if (uminInTnum && next > reg.umax) {
    setRegKnown(reg, reg.umin);
  } else if (!uminInTnum && next === tmax) {
    setRegKnown(reg, tmax);
  } else if (!uminInTnum && next <= reg.umax && tnumStep(reg.varOff, next) > reg.umax) {
    setRegKnown(reg, next);
  }
}

export function updateRegBounds(reg: BpfRegState): void {
  updateReg32Bounds(reg);
  updateReg64Bounds(reg);
}

// ---- deductions between the 4 ranges ----------------------------------------

const maxS32 = (a: number, b: number): number => (a > b ? a : b);
const minS32 = (a: number, b: number): number => (a < b ? a : b);

export function reg32DeduceBounds(reg: BpfRegState): void {
  // Halves of the 64-bit bounds as u32 numbers (lo32 / lo32(x >> 32)).
  split(reg.umin);
  const uminHi = splitHi, uminLo = splitLo;
  split(reg.umax);
  const umaxHi = splitHi, umaxLo = splitLo;
  split(reg.smin);
  const sminHi = splitHi, sminLo = splitLo;
  split(reg.smax);
  const smaxHi = splitHi, smaxLo = splitLo;
  if (uminHi === umaxHi) {
    reg.u32Min = maxS32(reg.u32Min, uminLo);
    reg.u32Max = minS32(reg.u32Max, umaxLo);
    if ((uminLo | 0) <= (umaxLo | 0)) {
      reg.s32Min = maxS32(reg.s32Min, uminLo | 0);
      reg.s32Max = minS32(reg.s32Max, umaxLo | 0);
    }
  }
  if (sminHi === smaxHi) {
    if (sminLo <= smaxLo) {
      reg.u32Min = maxS32(reg.u32Min, sminLo);
      reg.u32Max = minS32(reg.u32Max, smaxLo);
    }
    if ((sminLo | 0) <= (smaxLo | 0)) {
      reg.s32Min = maxS32(reg.s32Min, sminLo | 0);
      reg.s32Max = minS32(reg.s32Max, smaxLo | 0);
    }
  }
  // upper halves are two consecutive u32 values and the low halves cross 0 as s32
  if (((uminHi + 1) >>> 0) === umaxHi && (uminLo | 0) < 0 && (umaxLo | 0) >= 0) {
    reg.s32Min = maxS32(reg.s32Min, uminLo | 0);
    reg.s32Max = minS32(reg.s32Max, umaxLo | 0);
  }
  if (((sminHi + 1) >>> 0) === smaxHi && (sminLo | 0) < 0 && (smaxLo | 0) >= 0) {
    reg.s32Min = maxS32(reg.s32Min, sminLo | 0);
    reg.s32Max = minS32(reg.s32Max, smaxLo | 0);
  }
  if ((reg.u32Min | 0) <= (reg.u32Max | 0)) {
    reg.s32Min = maxS32(reg.s32Min, reg.u32Min | 0);
    reg.s32Max = minS32(reg.s32Max, reg.u32Max | 0);
  }
  if (reg.s32Min >>> 0 <= reg.s32Max >>> 0) {
    reg.u32Min = maxS32(reg.s32Min >>> 0, reg.u32Min);
    reg.u32Max = minS32(reg.s32Max >>> 0, reg.u32Max);
  } else if (reg.u32Max < reg.s32Min >>> 0) {
    // 6.18.y stable (fbc7aef517d8): s32 crosses U32_MAX/0 and u32 only
    // overlaps its non-negative part
    reg.s32Min = reg.u32Min | 0;
    reg.u32Max = minS32(reg.u32Max, reg.s32Max >>> 0);
  } else if (reg.s32Max >>> 0 < reg.u32Min) {
    // ... or only its negative part
    reg.s32Max = reg.u32Max | 0;
    reg.u32Min = maxS32(reg.u32Min, reg.s32Min >>> 0);
  }
}

export function reg64DeduceBounds(reg: BpfRegState): void {
  const umin = reg.umin, umax = reg.umax;
  const uminNeg = umin > S64_MAX, umaxNeg = umax > S64_MAX;
  // (s64)umin <= (s64)umax
  if (uminNeg === umaxNeg ? umin <= umax : uminNeg) {
    reg.smin = maxB(reg.smin, uminNeg ? umin - TWO64 : umin);
    reg.smax = minB(reg.smax, umaxNeg ? umax - TWO64 : umax);
  }
  const usmin = s64ToU64(reg.smin);
  const usmax = s64ToU64(reg.smax);
  if (usmin <= usmax) {
    reg.umin = maxB(usmin, reg.umin);
    reg.umax = minB(usmax, reg.umax);
  } else if (reg.umax < usmin) {
    // u64 range only overlaps the non-negative part of the s64 range
    reg.smin = u64ToS64(reg.umin);
    reg.umax = minB(reg.umax, usmax);
  } else if (usmax < reg.umin) {
    // u64 range only overlaps the negative part of the s64 range
    reg.smax = u64ToS64(reg.umax);
    reg.umin = maxB(reg.umin, usmin);
  }
}

export function regDeduceMixedBounds(reg: BpfRegState): void {
  // Replacing the low 32 bits of a bound by u32_{min,max} tightens it only
  // when the new low half is beyond the old one; the high half is kept.
  const u32Min = reg.u32Min, u32Max = reg.u32Max;
  split(reg.umin);
  if (u32Min > splitLo) reg.umin += BigInt(u32Min - splitLo);
  split(reg.umax);
  if (u32Max < splitLo) reg.umax -= BigInt(splitLo - u32Max);
  split(reg.smin);
  if (u32Min > splitLo) reg.smin += BigInt(u32Min - splitLo);
  split(reg.smax);
  if (u32Max < splitLo) reg.smax -= BigInt(splitLo - u32Max);
  // sign-extension pattern: the 64-bit range sits within s32 and s32 is non-negative
  if (reg.s32Min >= 0 && reg.smin >= S32_MIN_N && reg.smax <= S32_MAX_N) {
    // s32 may be the empty [0, -1] of a dead branch: keep C's u64 wrap.
    // Bounds that already hold these values keep their bigints (this runs every round).
    const s32Min = reg.s32Min, s32Max = reg.s32Max;
    if (!eqBN(reg.smin, s32Min)) reg.smin = BigInt(s32Min);
    if (!eqBN(reg.smax, s32Max)) reg.smax = BigInt(s32Max);
    if (!eqBN(reg.umin, s32Min)) reg.umin = reg.smin; // s32Min >= 0
    if (s32Max < 0) reg.umax = toU64(reg.smax);
    else if (!eqBN(reg.umax, s32Max)) reg.umax = reg.smax;
    intersectRange64(reg.varOff, reg.umin, reg.umax);
    setVarOffHalves(reg, ixVHi, ixVLo, ixMHi, ixMLo);
  }
}

export function regDeduceBounds(reg: BpfRegState): void {
  reg32DeduceBounds(reg);
  reg64DeduceBounds(reg);
  regDeduceMixedBounds(reg);
}

/**
 * __reg_bound_offset: learn var_off bits from the unsigned ranges. All on u32
 * halves; bigints are built only for a var_off that changed.
 */
export function regBoundOffset(reg: BpfRegState): void {
  intersectRange64(reg.varOff, reg.umin, reg.umax);
  // the low half: tnum_intersect(subreg(var64), tnum_range(u32_min, u32_max)),
  // then tnum_or(tnum_clear_subreg(var64), var32): the halves are disjoint tnums
  const lo = reg.u32Min;
  const delta = lowMask32((lo ^ reg.u32Max) >>> 0);
  const mu32 = (ixMLo & delta) >>> 0;
  const v32 = ((ixVLo | ((lo & ~delta) >>> 0)) & ~mu32) >>> 0;
  setVarOffHalves(reg, ixVHi, v32, ixMHi, mu32);
}

/** reg_bounds_sync's fixed point for a constant whose ranges all agree. */
function constSynced(reg: BpfRegState, v: bigint): boolean {
  if (reg.umin !== v || reg.umax !== v || reg.smin !== reg.smax || reg.smin !== u64ToS64(v)) return false;
  split(v);
  return reg.u32Min === splitLo && reg.u32Max === splitLo && reg.s32Min === (splitLo | 0) && reg.s32Max === (splitLo | 0);
}

/** reg_bounds_sync's fixed point for a fully unknown scalar. */
const unknownSynced = (reg: BpfRegState): boolean =>
  reg.varOff.value === 0n && reg.umin === 0n && reg.umax === U64_MASK && reg.smin === S64_MIN && reg.smax === S64_MAX &&
  reg.u32Min === 0 && reg.u32Max === U32_MAX && reg.s32Min === S32_MIN && reg.s32Max === S32_MAX;

export function regBoundsSync(reg: BpfRegState): void {
  // Most calls see a consistent constant or a fully unknown value, which the
  // sequence below leaves unchanged.
  const m = reg.varOff.mask;
  if (m === 0n ? constSynced(reg, reg.varOff.value) : m === U64_MASK && unknownSynced(reg)) return;
  updateRegBounds(reg);
  // Three deduction rounds; a round that changes nothing is a fixed point.
  for (let round = 0; round < 3; round++) {
    const vo = reg.varOff, smin = reg.smin, smax = reg.smax, umin = reg.umin, umax = reg.umax;
    const s32Min = reg.s32Min, s32Max = reg.s32Max, u32Min = reg.u32Min, u32Max = reg.u32Max;
    regDeduceBounds(reg);
    if (reg.smin === smin && reg.smax === smax && reg.umin === umin && reg.umax === umax && reg.s32Min === s32Min &&
      reg.s32Max === s32Max && reg.u32Min === u32Min && reg.u32Max === u32Max &&
      reg.varOff.value === vo.value && reg.varOff.mask === vo.mask) break;
  }
  regBoundOffset(reg);
  updateRegBounds(reg);
}

const hex = (x: bigint | number): string => `0x${x.toString(16)}`;

/**
 * reg_bounds_sanity_check: null when consistent, else the kernel's message
 * (the text after "verifier bug: "). The kernel then, unless
 * test_reg_invariants is set, resets the bounds (markRegUnbounded) and goes on.
 */
export function regBoundsSanityCheck(reg: BpfRegState, ctx: string): string | null {
  let msg: string | null = null;
  if (reg.umin > reg.umax || reg.smin > reg.smax || reg.u32Min > reg.u32Max || reg.s32Min > reg.s32Max) {
    msg = 'range bounds violation';
  } else if (tnumIsConst(reg.varOff)) {
    const u = reg.varOff.value;
    const s = toS64(u);
    if (reg.umin !== u || reg.umax !== u || reg.smin !== s || reg.smax !== s) {
      msg = 'const tnum out of sync with range bounds';
    }
  }
  if (msg === null && tnumSubregIsConst(reg.varOff)) {
    const u = lo32(reg.varOff.value);
    const s = u | 0;
    if (reg.u32Min !== u || reg.u32Max !== u || reg.s32Min !== s || reg.s32Max !== s) {
      msg = 'const subreg tnum out of sync with range bounds';
    }
  }
  if (msg === null) return null;
  return `REG INVARIANTS VIOLATION (${ctx}): ${msg} u64=[${hex(reg.umin)}, ${hex(reg.umax)}] ` +
    `s64=[${hex(toU64(reg.smin))}, ${hex(toU64(reg.smax))}] u32=[${hex(reg.u32Min)}, ${hex(reg.u32Max)}] ` +
    `s32=[${hex(reg.s32Min >>> 0)}, ${hex(reg.s32Max >>> 0)}] var_off=(${hex(reg.varOff.value)}, ${hex(reg.varOff.mask)})`;
}

/**
 * reg_bounds_sanity_check as the kernel runs it (test_reg_invariants unset):
 * on a violation the bounds are reset (var_off kept) and the message is
 * returned for the caller to log as `verifier bug: <msg>`. The kernel runs it
 * on dst at the end of check_alu_op ("alu") and check_load_mem ("ldx",
 * "atomic_load"), and on all four registers in reg_set_min_max.
 */
export function regBoundsSanityReset(reg: BpfRegState, ctx: string): string | null {
  const msg = regBoundsSanityCheck(reg, ctx);
  if (msg !== null) markRegUnbounded(reg);
  return msg;
}

// ---- constants ------------------------------------------------------------

/** is_reg_const */
export const isRegConst = (reg: BpfRegState, subreg32: boolean): boolean =>
  reg.type === RegType.SCALAR_VALUE && (subreg32 ? tnumSubregIsConst(reg.varOff) : tnumIsConst(reg.varOff));

/** reg_const_value (u64) */
export const regConstValue = (reg: BpfRegState, subreg32: boolean): bigint =>
  subreg32 ? reg.varOff.value & LO32 : reg.varOff.value;

/** register_is_null: a scalar known to be 0. */
export const registerIsNull = (reg: BpfRegState): boolean =>
  reg.type === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff) && reg.varOff.value === 0n;

/** get_reg_width: bits needed for umax. */
export const getRegWidth = (reg: BpfRegState): number => fls64(reg.umax);

/** Whether the scalar id carries a BPF_ADD_CONST{32,64} flag. */
export const hasAddConst = (reg: BpfRegState): boolean => (reg.id & BPF_ADD_CONST_ANY) !== 0;

/** The id without the BPF_ADD_CONST flags. */
export const baseId = (reg: BpfRegState): number => (reg.id & ~BPF_ADD_CONST_ANY) >>> 0;

/** clear_scalar_id: unlink and drop the delta. */
export function clearScalarId(reg: BpfRegState): void {
  reg.id = 0;
  reg.off = 0;
}

// ---- misc -------------------------------------------------------------------

/** A fresh unbounded scalar (markRegUnknown on a new object). */
export function makeScalarUnknown(): BpfRegState {
  const r: BpfRegState = {
    type: RegType.SCALAR_VALUE, typeFlags: 0, off: 0, varOff: tnumUnknown(),
    smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
    s32Min: S32_MIN, s32Max: S32_MAX, u32Min: 0, u32Max: U32_MAX,
    id: 0, refObjId: 0, range: 0, mapIndex: -1, frameno: 0, subregDef: 0, precise: false, live: 0, parent: null,
  };
  return r;
}

/** A fresh scalar known to be `v` (u64 or s64 bigint). */
export function makeScalarConst(v: bigint): BpfRegState {
  const r = makeScalarUnknown();
  markRegKnown(r, v);
  return r;
}

/** Concrete u64 x is in every range and the tnum of reg (test/soundness helper). */
export function regContains(reg: BpfRegState, x: bigint): boolean {
  const u = toU64(x);
  const s = toS64(u);
  const u32 = lo32(u);
  const s32 = u32 | 0;
  return (u & ~reg.varOff.mask) === reg.varOff.value &&
    u >= reg.umin && u <= reg.umax && s >= reg.smin && s <= reg.smax &&
    u32 >= reg.u32Min && u32 <= reg.u32Max && s32 >= reg.s32Min && s32 <= reg.s32Max;
}

export type { Tnum };
