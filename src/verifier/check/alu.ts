// Scalar ALU transfer functions (verifier.c scalar*_min_max_*,
// adjust_scalar_min_max_vals, scalar_byte_swap, maybe_fork_scalars, and the
// scalar parts of BPF_MOV), matching the live 6.18.44 kernel: BPF_END is
// tracked (stable backport), DIV/MOD give an unknown scalar, AND/OR with a
// constant fork a dst in [-1, 0].
// Everything mutates `dst` in place; `src` is read only.
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG,
  BPF_XOR, BPF_ARSH, BPF_END, BPF_ALU64, BPF_TO_BE, opAlu, opClass, opSrc,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type BpfRegState } from '../state/reg.js';
import { cloneReg } from '../state/regState.js';
import {
  tnumAdd, tnumSub, tnumNeg, tnumMul, tnumAnd, tnumOr, tnumXor, tnumLshift, tnumRshift,
  tnumArshift, tnumSubreg, tnumIsConst, tnumSubregIsConst, tnumBswap16, tnumBswap32, tnumBswap64,
} from '../state/tnum.js';
import {
  S64_MIN, S64_MAX, U64_MAX, S32_MIN, S32_MAX, U32_MAX, toU64, toS64, lo32,
  markRegKnown, markReg32Known, markRegUnknown, markRegUnbounded, markReg64Unbounded,
  markReg32Unbounded, updateReg32Bounds, updateRegBounds, regBoundsSync, clearScalarId, boundsFlags,
} from '../state/scalar.js';
import { coerceRegToSize, zextReg32 } from '../state/coerce.js';

const U32_LIMIT = 0x100000000;
const isS32 = (x: number): boolean => x >= S32_MIN && x <= S32_MAX;
const isS64 = (x: bigint): boolean => x >= S64_MIN && x <= S64_MAX;

// ---- ADD / SUB --------------------------------------------------------------
// (addSubWrapUnbounded: an unsigned overflow, even of both ends, loses the range)

export function scalar32MinMaxAdd(dst: BpfRegState, src: BpfRegState): void {
  const smin = dst.s32Min + src.s32Min;
  const smax = dst.s32Max + src.s32Max;
  if (!isS32(smin) || !isS32(smax)) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  } else {
    dst.s32Min = smin;
    dst.s32Max = smax;
  }
  const umin = dst.u32Min + src.u32Min;
  const umax = dst.u32Max + src.u32Max;
  const minOverflow = umin > U32_MAX;
  const maxOverflow = umax > U32_MAX;
  if (boundsFlags.wrapUnbounded && maxOverflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
    return;
  }
  dst.u32Min = umin % U32_LIMIT;
  dst.u32Max = umax % U32_LIMIT;
  if (!minOverflow && maxOverflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  }
}

export function scalarMinMaxAdd(dst: BpfRegState, src: BpfRegState): void {
  const smin = dst.smin + src.smin;
  const smax = dst.smax + src.smax;
  if (!isS64(smin) || !isS64(smax)) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  } else {
    dst.smin = smin;
    dst.smax = smax;
  }
  const umin = dst.umin + src.umin;
  const umax = dst.umax + src.umax;
  const minOverflow = umin > U64_MAX;
  const maxOverflow = umax > U64_MAX;
  if (boundsFlags.wrapUnbounded && maxOverflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
    return;
  }
  dst.umin = toU64(umin);
  dst.umax = toU64(umax);
  if (!minOverflow && maxOverflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  }
}

export function scalar32MinMaxSub(dst: BpfRegState, src: BpfRegState): void {
  const smin = dst.s32Min - src.s32Max;
  const smax = dst.s32Max - src.s32Min;
  if (!isS32(smin) || !isS32(smax)) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  } else {
    dst.s32Min = smin;
    dst.s32Max = smax;
  }
  const minUnderflow = dst.u32Min < src.u32Max;
  const maxUnderflow = dst.u32Max < src.u32Min;
  if (boundsFlags.wrapUnbounded && minUnderflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
    return;
  }
  dst.u32Min = (dst.u32Min - src.u32Max) >>> 0;
  dst.u32Max = (dst.u32Max - src.u32Min) >>> 0;
  if (minUnderflow && !maxUnderflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  }
}

export function scalarMinMaxSub(dst: BpfRegState, src: BpfRegState): void {
  const smin = dst.smin - src.smax;
  const smax = dst.smax - src.smin;
  if (!isS64(smin) || !isS64(smax)) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  } else {
    dst.smin = smin;
    dst.smax = smax;
  }
  const minUnderflow = dst.umin < src.umax;
  const maxUnderflow = dst.umax < src.umin;
  if (boundsFlags.wrapUnbounded && minUnderflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
    return;
  }
  dst.umin = toU64(dst.umin - src.umax);
  dst.umax = toU64(dst.umax - src.umin);
  if (minUnderflow && !maxUnderflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  }
}

// ---- MUL --------------------------------------------------------------------

export function scalar32MinMaxMul(dst: BpfRegState, src: BpfRegState): void {
  if (boundsFlags.mulUnsignedOnly) {
    // older kernels: only non-negative factors below 2^16 keep a range
    if (src.s32Min < 0 || dst.s32Min < 0 || src.u32Max > 0xffff || dst.u32Max > 0xffff) {
      markReg32Unbounded(dst);
      return;
    }
    dst.u32Min *= src.u32Min;
    dst.u32Max *= src.u32Max;
    if (dst.u32Max > S32_MAX) {
      dst.s32Min = S32_MIN;
      dst.s32Max = S32_MAX;
    } else {
      dst.s32Min = dst.u32Min;
      dst.s32Max = dst.u32Max;
    }
    return;
  }
  // doubles are exact below 2^53, and anything above is an overflow anyway
  const umax = dst.u32Max * src.u32Max;
  const umin = dst.u32Min * src.u32Min;
  if (umax > U32_MAX || umin > U32_MAX) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  } else {
    dst.u32Min = umin;
    dst.u32Max = umax;
  }
  const p0 = dst.s32Min * src.s32Min;
  const p1 = dst.s32Min * src.s32Max;
  const p2 = dst.s32Max * src.s32Min;
  const p3 = dst.s32Max * src.s32Max;
  if (!isS32(p0) || !isS32(p1) || !isS32(p2) || !isS32(p3)) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  } else {
    dst.s32Min = Math.min(p0, p1, p2, p3);
    dst.s32Max = Math.max(p0, p1, p2, p3);
  }
}

export function scalarMinMaxMul(dst: BpfRegState, src: BpfRegState): void {
  if (boundsFlags.mulUnsignedOnly) {
    // older kernels: only non-negative factors below 2^32 keep a range
    if (src.smin < 0n || dst.smin < 0n || src.umax > 0xffffffffn || dst.umax > 0xffffffffn) {
      markReg64Unbounded(dst);
      return;
    }
    dst.umin *= src.umin;
    dst.umax *= src.umax;
    if (dst.umax > S64_MAX) {
      dst.smin = S64_MIN;
      dst.smax = S64_MAX;
    } else {
      dst.smin = dst.umin;
      dst.smax = dst.umax;
    }
    return;
  }
  const umax = dst.umax * src.umax;
  const umin = dst.umin * src.umin;
  if (umax > U64_MAX || umin > U64_MAX) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  } else {
    dst.umin = umin;
    dst.umax = umax;
  }
  const p0 = dst.smin * src.smin;
  const p1 = dst.smin * src.smax;
  const p2 = dst.smax * src.smin;
  const p3 = dst.smax * src.smax;
  if (!isS64(p0) || !isS64(p1) || !isS64(p2) || !isS64(p3)) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  } else {
    let lo = p0, hi = p0;
    for (const p of [p1, p2, p3]) {
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    dst.smin = lo;
    dst.smax = hi;
  }
}

// ---- AND / OR / XOR -------------------------------------------------------------

function s32FromU32(dst: BpfRegState): void {
  if ((dst.u32Min | 0) <= (dst.u32Max | 0)) {
    dst.s32Min = dst.u32Min | 0;
    dst.s32Max = dst.u32Max | 0;
  } else {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  }
}

function s64FromU64(dst: BpfRegState): void {
  if (toS64(dst.umin) <= toS64(dst.umax)) {
    dst.smin = toS64(dst.umin);
    dst.smax = toS64(dst.umax);
  } else {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  }
}

/** Expects dst.varOff to already hold the AND of both tnums. */
export function scalar32MinMaxAnd(dst: BpfRegState, src: BpfRegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, dst.varOff.value);
    return;
  }
  dst.u32Min = lo32(dst.varOff.value);
  dst.u32Max = Math.min(dst.u32Max, src.u32Max);
  s32FromU32(dst);
}

export function scalarMinMaxAnd(dst: BpfRegState, src: BpfRegState): void {
  if (tnumIsConst(src.varOff) && tnumIsConst(dst.varOff)) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = dst.varOff.value;
  dst.umax = dst.umax < src.umax ? dst.umax : src.umax;
  s64FromU64(dst);
  updateRegBounds(dst);
}

export function scalar32MinMaxOr(dst: BpfRegState, src: BpfRegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, dst.varOff.value);
    return;
  }
  dst.u32Min = Math.max(dst.u32Min, src.u32Min);
  dst.u32Max = (lo32(dst.varOff.value) | lo32(dst.varOff.mask)) >>> 0;
  s32FromU32(dst);
}

export function scalarMinMaxOr(dst: BpfRegState, src: BpfRegState): void {
  if (tnumIsConst(src.varOff) && tnumIsConst(dst.varOff)) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = dst.umin > src.umin ? dst.umin : src.umin;
  dst.umax = dst.varOff.value | dst.varOff.mask;
  s64FromU64(dst);
  updateRegBounds(dst);
}

export function scalar32MinMaxXor(dst: BpfRegState, src: BpfRegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, dst.varOff.value);
    return;
  }
  dst.u32Min = lo32(dst.varOff.value);
  dst.u32Max = (lo32(dst.varOff.value) | lo32(dst.varOff.mask)) >>> 0;
  s32FromU32(dst);
}

export function scalarMinMaxXor(dst: BpfRegState, src: BpfRegState): void {
  if (tnumIsConst(src.varOff) && tnumIsConst(dst.varOff)) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = dst.varOff.value;
  dst.umax = dst.varOff.value | dst.varOff.mask;
  s64FromU64(dst);
  updateRegBounds(dst);
}

// ---- shifts (src is a known constant below the bitness) ------------------------------

function scalar32MinMaxLshInner(dst: BpfRegState, uminVal: bigint, umaxVal: bigint): void {
  dst.s32Min = S32_MIN;
  dst.s32Max = S32_MAX;
  if (umaxVal > 31n || BigInt(dst.u32Max) > 1n << (31n - umaxVal)) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  } else {
    dst.u32Min = Number((BigInt(dst.u32Min) << uminVal) & 0xffffffffn);
    dst.u32Max = Number((BigInt(dst.u32Max) << umaxVal) & 0xffffffffn);
  }
}

export function scalar32MinMaxLsh(dst: BpfRegState, src: BpfRegState): void {
  const umin = BigInt(src.u32Min);
  const subreg = tnumSubreg(dst.varOff);
  scalar32MinMaxLshInner(dst, umin, BigInt(src.u32Max));
  dst.varOff = tnumSubreg(tnumLshift(subreg, Number(umin)));
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

function scalar64MinMaxLshInner(dst: BpfRegState, uminVal: bigint, umaxVal: bigint): void {
  // <<32 (the sign-extension idiom) cannot flip the sign of s32 bounds
  // (6.18.y stable: also for negative bounds)
  if (uminVal === 32n && umaxVal === 32n) {
    dst.smax = BigInt(dst.s32Max) << 32n;
    dst.smin = BigInt(dst.s32Min) << 32n;
  } else {
    dst.smax = S64_MAX;
    dst.smin = S64_MIN;
  }
  if (dst.umax > 1n << (63n - umaxVal)) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  } else {
    dst.umin = toU64(dst.umin << uminVal);
    dst.umax = toU64(dst.umax << umaxVal);
  }
}

export function scalarMinMaxLsh(dst: BpfRegState, src: BpfRegState): void {
  const umax = src.umax;
  const umin = src.umin;
  // the 64-bit part reads the unshifted 32-bit bounds, so it goes first
  scalar64MinMaxLshInner(dst, umin, umax);
  scalar32MinMaxLshInner(dst, umin, umax);
  dst.varOff = tnumLshift(dst.varOff, Number(umin));
  updateRegBounds(dst);
}

export function scalar32MinMaxRsh(dst: BpfRegState, src: BpfRegState): void {
  const subreg = tnumSubreg(dst.varOff);
  dst.s32Min = S32_MIN;
  dst.s32Max = S32_MAX;
  dst.varOff = tnumRshift(subreg, src.u32Min);
  dst.u32Min = Math.floor(dst.u32Min / 2 ** src.u32Max);
  dst.u32Max = Math.floor(dst.u32Max / 2 ** src.u32Min);
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

export function scalarMinMaxRsh(dst: BpfRegState, src: BpfRegState): void {
  const umax = src.umax;
  const umin = src.umin;
  dst.smin = S64_MIN;
  dst.smax = S64_MAX;
  dst.varOff = tnumRshift(dst.varOff, Number(umin));
  dst.umin >>= umax;
  dst.umax >>= umin;
  markReg32Unbounded(dst);
  updateRegBounds(dst);
}

export function scalar32MinMaxArsh(dst: BpfRegState, src: BpfRegState): void {
  const umin = src.u32Min;
  dst.s32Min = dst.s32Min >> umin;
  dst.s32Max = dst.s32Max >> umin;
  dst.varOff = tnumArshift(tnumSubreg(dst.varOff), umin, 32);
  dst.u32Min = 0;
  dst.u32Max = U32_MAX;
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

export function scalarMinMaxArsh(dst: BpfRegState, src: BpfRegState): void {
  const umin = src.umin;
  dst.smin >>= umin;
  dst.smax >>= umin;
  dst.varOff = tnumArshift(dst.varOff, Number(umin), 64);
  dst.umin = 0n;
  dst.umax = U64_MAX;
  markReg32Unbounded(dst);
  updateRegBounds(dst);
}

// ---- BPF_END --------------------------------------------------------------

/**
 * scalar_byte_swap for a little-endian host. `is64` is the BPF_ALU64 class
 * (bswap), `toBe` the BPF_TO_BE source bit, `imm` 16, 32 or 64.
 */
export function scalarByteSwap(dst: BpfRegState, is64: boolean, toBe: boolean, imm: number): void {
  const needBswap = is64 || toBe;
  // the value changes: break links to other registers
  if (needBswap || imm === 16 || imm === 32) clearScalarId(dst);
  if (needBswap) {
    if (imm === 16) dst.varOff = tnumBswap16(dst.varOff);
    else if (imm === 32) dst.varOff = tnumBswap32(dst.varOff);
    else if (imm === 64) dst.varOff = tnumBswap64(dst.varOff);
    markRegUnbounded(dst);
  }
  if (imm === 16 || imm === 32) coerceRegToSize(dst, imm / 8);
}

// ---- dispatcher ---------------------------------------------------------------

/** src "is a constant" in the sense of is_safe_to_compute_dst_reg_range. */
function srcIsConst(src: BpfRegState, is64: boolean): boolean {
  if (!is64) {
    return tnumSubregIsConst(src.varOff) && src.s32Min === src.s32Max && src.u32Min === src.u32Max;
  }
  return tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
}

/** is_safe_to_compute_dst_reg_range (6.18.44: END tracked, DIV/MOD not). */
export function isSafeToComputeDstRegRange(op: number, is64: boolean, src: BpfRegState): boolean {
  switch (op) {
    case BPF_ADD: case BPF_SUB: case BPF_NEG: case BPF_AND: case BPF_XOR: case BPF_OR:
    case BPF_MUL: case BPF_END:
      return true;
    case BPF_LSH: case BPF_RSH: case BPF_ARSH:
      return srcIsConst(src, is64) && src.umax < (is64 ? 64n : 32n);
    default:
      return false;
  }
}

export interface AluExtra {
  /** BPF_END: 16, 32 or 64. */
  imm?: number;
  /** BPF_END: the BPF_TO_BE bit of the opcode. */
  toBe?: boolean;
  /** __mark_reg_unknown's precise (= !bpf_capable). */
  unprivileged?: boolean;
}

/**
 * adjust_scalar_min_max_vals for two scalars. `op` is BPF_OP (BPF_ADD...),
 * `is64` true for BPF_ALU64. For BPF_NEG and BPF_END `src` is ignored. `dst`
 * and `src` may be the same object. Does not run maybe_fork_scalars (see
 * scalarForkKind) nor the id bookkeeping of adjust_reg_min_max_vals.
 */
export function adjustScalarMinMaxVals(
  op: number, is64: boolean, dst: BpfRegState, srcIn: BpfRegState, extra: AluExtra = {},
): void {
  // the kernel passes src by value
  const src = srcIn === dst ? cloneReg(srcIn) : srcIn;
  if (!isSafeToComputeDstRegRange(op, is64, src)) {
    markRegUnknown(dst, extra.unprivileged ?? false);
    return;
  }
  switch (op) {
    case BPF_ADD:
      scalar32MinMaxAdd(dst, src);
      scalarMinMaxAdd(dst, src);
      dst.varOff = tnumAdd(dst.varOff, src.varOff);
      break;
    case BPF_SUB:
      scalar32MinMaxSub(dst, src);
      scalarMinMaxSub(dst, src);
      dst.varOff = tnumSub(dst.varOff, src.varOff);
      break;
    case BPF_NEG: {
      const fake = cloneReg(dst);
      markRegKnown(dst, 0n);
      scalar32MinMaxSub(dst, fake);
      scalarMinMaxSub(dst, fake);
      dst.varOff = tnumNeg(fake.varOff);
      break;
    }
    case BPF_MUL:
      dst.varOff = tnumMul(dst.varOff, src.varOff);
      scalar32MinMaxMul(dst, src);
      scalarMinMaxMul(dst, src);
      break;
    case BPF_AND:
      dst.varOff = tnumAnd(dst.varOff, src.varOff);
      scalar32MinMaxAnd(dst, src);
      scalarMinMaxAnd(dst, src);
      break;
    case BPF_OR:
      dst.varOff = tnumOr(dst.varOff, src.varOff);
      scalar32MinMaxOr(dst, src);
      scalarMinMaxOr(dst, src);
      break;
    case BPF_XOR:
      dst.varOff = tnumXor(dst.varOff, src.varOff);
      scalar32MinMaxXor(dst, src);
      scalarMinMaxXor(dst, src);
      break;
    case BPF_LSH:
      if (is64) scalarMinMaxLsh(dst, src);
      else scalar32MinMaxLsh(dst, src);
      break;
    case BPF_RSH:
      if (is64) scalarMinMaxRsh(dst, src);
      else scalar32MinMaxRsh(dst, src);
      break;
    case BPF_ARSH:
      if (is64) scalarMinMaxArsh(dst, src);
      else scalar32MinMaxArsh(dst, src);
      break;
    case BPF_END:
      scalarByteSwap(dst, is64, extra.toBe ?? false, extra.imm ?? 64);
      break;
    default:
      break;
  }
  // ALU32 results are zero-extended; BPF_END already truncated itself
  if (!is64 && op !== BPF_END) zextReg32(dst);
  regBoundsSync(dst);
}

/** adjustScalarMinMaxVals with op/bitness/END fields taken from an instruction. */
export function adjustScalarForInsn(insn: Insn, dst: BpfRegState, src: BpfRegState, unprivileged = false): void {
  adjustScalarMinMaxVals(opAlu(insn.code), opClass(insn.code) === BPF_ALU64, dst, src, {
    imm: insn.imm, toBe: opSrc(insn.code) === BPF_TO_BE, unprivileged,
  });
}

// ---- maybe_fork_scalars ------------------------------------------------------------

export type ScalarFork = 'alu64' | 'alu32';

/**
 * maybe_fork_scalars precondition: AND/OR with a constant src (full 64-bit
 * tnum) while dst is in [-1, 0] (s64 first, then s32). When non-null the
 * caller pushes a branch at the same insn with applyScalarFork(copy, kind, 0)
 * and continues here with applyScalarFork(dst, kind, -1) before
 * adjustScalarMinMaxVals.
 */
export function scalarForkKind(op: number, dst: BpfRegState, src: BpfRegState): ScalarFork | null {
  if (op !== BPF_AND && op !== BPF_OR) return null;
  if (!tnumIsConst(src.varOff)) return null;
  if (dst.smin === -1n && dst.smax === 0n) return 'alu64';
  if (dst.s32Min === -1 && dst.s32Max === 0) return 'alu32';
  return null;
}

export function applyScalarFork(reg: BpfRegState, kind: ScalarFork, value: 0 | -1): void {
  if (kind === 'alu32') markReg32Known(reg, BigInt(value));
  else markRegKnown(reg, BigInt(value));
}

