// Tracked numbers (kernel/bpf/tnum.c): each bit is known 0, known 1 or
// unknown (mask bit set). All values are u64 bigints in [0, 2^64).
// Functions never mutate their arguments; they return fresh objects.
import type { Tnum } from './reg.js';
import { join64, split, splitHi, splitLo } from './halves.js';

export type { Tnum };

export const U64_MASK = (1n << 64n) - 1n;
const U32_MASK = 0xffffffffn;

const u64 = (x: bigint): bigint => x & U64_MASK;

export const tnum = (value: bigint, mask: bigint): Tnum => ({ value, mask });

/** A completely unknown value. Treat as read-only. */
export const TNUM_UNKNOWN: Readonly<Tnum> = Object.freeze({ value: 0n, mask: U64_MASK });

export const tnumUnknown = (): Tnum => ({ value: 0n, mask: U64_MASK });

export const tnumConst = (value: bigint): Tnum => ({ value: u64(value), mask: 0n });

const TWO32 = 4294967296;
const MAX_SAFE = 9007199254740991;
// (1 << n) - 1 for n in 0..64, so hot paths do not rebuild them.
const LOW_MASKS: bigint[] = [];
for (let i = 0; i <= 64; i++) LOW_MASKS.push((1n << BigInt(i)) - 1n);

/** Index (1-based) of the most significant set bit, 0 for 0 (fls64). */
export function fls64(x: bigint): number {
  if (x === 0n) return 0;
  const n = Number(x);
  // Exact when below 2^53; above, only the exponent matters unless rounding
  // carried into the next power of two, so check that case with bigints.
  if (n <= MAX_SAFE && n > 0) return n < TWO32 ? 32 - Math.clz32(n) : 64 - Math.clz32(Math.floor(n / TWO32));
  if (n > 0 && n < 18446744073709551616) {
    const hi = Number(x >> 32n);
    return 64 - Math.clz32(hi);
  }
  return x.toString(2).length;
}

export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min ^ max);
  const bits = fls64(chi);
  if (bits > 63) return tnumUnknown();
  const delta = LOW_MASKS[bits] as bigint;
  return { value: u64(min) & ~delta, mask: delta };
}

export const tnumLshift = (a: Tnum, shift: number): Tnum => {
  const s = BigInt(shift);
  return { value: u64(a.value << s), mask: u64(a.mask << s) };
};

export const tnumRshift = (a: Tnum, shift: number): Tnum => {
  const s = BigInt(shift);
  return { value: a.value >> s, mask: a.mask >> s };
};

export function tnumArshift(a: Tnum, minShift: number, insnBitness: 32 | 64): Tnum {
  const s = BigInt(minShift);
  if (insnBitness === 32) {
    return {
      value: BigInt.asUintN(32, BigInt.asIntN(32, a.value) >> s),
      mask: BigInt.asUintN(32, BigInt.asIntN(32, a.mask) >> s),
    };
  }
  return {
    value: BigInt.asUintN(64, BigInt.asIntN(64, a.value) >> s),
    mask: BigInt.asUintN(64, BigInt.asIntN(64, a.mask) >> s),
  };
}

const B30 = 0x40000000n;

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  // All four below 2^30: the sums stay below 2^32, so the same steps run on numbers.
  if (a.value < B30 && a.mask < B30 && b.value < B30 && b.mask < B30 && a.value >= 0n && a.mask >= 0n && b.value >= 0n && b.mask >= 0n) {
    const am = Number(a.mask), bm = Number(b.mask);
    const smN = am + bm;
    const svN = Number(a.value) + Number(b.value);
    const mu = ((((smN + svN) ^ svN) | am | bm) >>> 0);
    return { value: BigInt((svN & ~mu) >>> 0), mask: BigInt(mu) };
  }
  // Otherwise on u32 halves with carries: bigint temporaries allocate.
  split(a.value);
  const avH = splitHi, avL = splitLo;
  split(a.mask);
  const amH = splitHi, amL = splitLo;
  split(b.value);
  const bvH = splitHi, bvL = splitLo;
  split(b.mask);
  const bmH = splitHi, bmL = splitLo;
  const smLs = amL + bmL;
  const smL = smLs >>> 0, smH = (amH + bmH + (smLs > 0xffffffff ? 1 : 0)) >>> 0;
  const svLs = avL + bvL;
  const svL = svLs >>> 0, svH = (avH + bvH + (svLs > 0xffffffff ? 1 : 0)) >>> 0;
  const sgLs = smL + svL;
  const sgL = sgLs >>> 0, sgH = (smH + svH + (sgLs > 0xffffffff ? 1 : 0)) >>> 0;
  const muL = ((sgL ^ svL) | amL | bmL) >>> 0, muH = ((sgH ^ svH) | amH | bmH) >>> 0;
  return { value: join64((svH & ~muH) >>> 0, (svL & ~muL) >>> 0), mask: join64(muH, muL) };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu, mask: mu };
}

export const tnumNeg = (a: Tnum): Tnum => tnumSub({ value: 0n, mask: 0n }, a);

/** The low 32 bits of a u64 as a number, without bigint temporaries for the common values. */
function low32(x: bigint): number {
  if (x === U64_MASK) return 0xffffffff;
  const n = Number(x);
  if (n >= 0 && n <= MAX_SAFE) return n % TWO32;
  return Number(x & U32_MASK);
}

const fitsU32 = (t: Tnum): boolean => t.value >= 0n && t.value <= U32_MASK && t.mask >= 0n && t.mask <= U32_MASK;

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  // AND with a 32-bit tnum (the usual `r &= K`) has no high bits: the low halves on numbers.
  if (fitsU32(b) || fitsU32(a)) {
    const av = low32(a.value), am = low32(a.mask), bv = low32(b.value), bm = low32(b.mask);
    const v = (av & bv) >>> 0;
    return { value: BigInt(v), mask: BigInt(((av | am) & (bv | bm) & ~v) >>> 0) };
  }
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu, mask: mu };
}

export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc: Tnum = { value: 0n, mask: 0n };
  let av = a.value, am = a.mask;
  let bt = b;
  while (av !== 0n || am !== 0n) {
    if (av & 1n) acc = tnumAdd(acc, bt);
    else if (am & 1n) acc = tnumUnion(acc, tnumAdd(acc, bt));
    av >>= 1n;
    am >>= 1n;
    bt = tnumLshift(bt, 1);
  }
  return acc;
}

/** True if the known bits of a and b agree. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = u64(~a.mask & ~b.mask);
  return (a.value & mu) === (b.value & mu);
}

export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu, mask: mu };
}

export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return { value: v & ~mu, mask: mu };
}

export function tnumCast(a: Tnum, size: number): Tnum {
  const m = (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
export const tnumEqualsConst = (a: Tnum, b: bigint): boolean => a.mask === 0n && a.value === b;
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MASK;

export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

const U32_MAX_N = 0xffffffffn;

/** True if b is a subset of a. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // regsafe's common cases without bigint temporaries: a known or unknown a,
  // or everything within 32 bits.
  const am = a.mask;
  if (am === 0n) return b.mask === 0n && a.value === b.value;
  if (am === U64_MASK && b.mask >= 0n && b.mask <= U64_MASK && b.value >= 0n && b.value <= U64_MASK) return a.value === 0n;
  if (am > 0n && am <= U32_MAX_N && b.mask >= 0n && b.mask <= U32_MAX_N && b.value >= 0n && b.value <= U32_MAX_N) {
    const m = Number(am);
    if ((Number(b.mask) & ~m) !== 0) return false;
    const v = (Number(b.value) & ~m) >>> 0;
    return a.value >= v && a.value <= v;
  }
  if (b.mask & ~am) return false;
  return a.value === (b.value & ~am);
}

/** True if the concrete u64 x is a member of a (test helper, not in the kernel). */
export const tnumContains = (a: Tnum, x: bigint): boolean => (u64(x) & ~a.mask) === a.value;

/** 64-char tristate binary expansion (tnum_sbin). */
export function tnumSbin(a: Tnum): string {
  let s = '';
  for (let i = 63n; i >= 0n; i--) {
    const bit = 1n << i;
    s += a.mask & bit ? 'x' : a.value & bit ? '1' : '0';
  }
  return s;
}

export const tnumSubreg = (a: Tnum): Tnum => ({ value: a.value & U32_MASK, mask: a.mask & U32_MASK });

export const tnumClearSubreg = (a: Tnum): Tnum =>
  ({ value: a.value & ~U32_MASK & U64_MASK, mask: a.mask & ~U32_MASK & U64_MASK });

export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum =>
  tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));

export const tnumConstSubreg = (a: Tnum, value: number | bigint): Tnum =>
  tnumWithSubreg(a, tnumConst(BigInt.asUintN(32, BigInt(value))));

export function tnumSubregIsConst(a: Tnum): boolean {
  // (mask & U32_MASK) === 0n without the bigint temporary, for the common masks
  const m = a.mask;
  if (m === U64_MASK) return false;
  const n = Number(m);
  if (n >= 0 && n <= MAX_SAFE) return n % TWO32 === 0;
  return (m & U32_MASK) === 0n;
}

function swabBytes(x: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) {
    r = (r << 8n) | ((x >> BigInt(i * 8)) & 0xffn);
  }
  return r;
}

export const tnumBswap16 = (a: Tnum): Tnum =>
  ({ value: swabBytes(a.value & 0xffffn, 2), mask: swabBytes(a.mask & 0xffffn, 2) });
export const tnumBswap32 = (a: Tnum): Tnum =>
  ({ value: swabBytes(a.value & U32_MASK, 4), mask: swabBytes(a.mask & U32_MASK, 4) });
export const tnumBswap64 = (a: Tnum): Tnum =>
  ({ value: swabBytes(a.value, 8), mask: swabBytes(a.mask, 8) });

/**
 * tnum_step (6.18.y stable): the smallest member of t greater than z, for
 * t.value <= z < tmax; z >= tmax gives tmax and z < t.value gives t.value.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  if (tmax <= U32_MASK) {
    // Everything fits in 32 bits: the same steps on numbers. The bits above
    // 31 of ~mask are all set, so a carry out of bit 31 is lost.
    const tv = Number(t.value), tm = Number(t.mask);
    const dn = Number(z) - tv;
    const low = dn & ~tm;
    const cm = low === 0 ? 0 : 2 ** (32 - Math.clz32(low)) - 1;
    const filled = dn | cm | ~tm;
    return BigInt((tv | ((filled + 1) & tm)) >>> 0);
  }
  const d = z - t.value;
  const carryMask = LOW_MASKS[fls64(d & ~t.mask & U64_MASK)] as bigint;
  const filled = (d | carryMask | ~t.mask) & U64_MASK;
  const inc = ((filled + 1n) & U64_MASK) & t.mask;
  return t.value | inc;
}

export const tnumEq = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;
