// The scalar domain's fast paths (number arithmetic, fixed-point shortcuts)
// must give exactly what the plain bigint formulation gives, on every input,
// including inconsistent registers that only dead branches produce.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BpfRegState } from '../../src/verifier/state/reg.js';
import { regBoundsSync, makeScalarUnknown, S64_MIN, S64_MAX, U64_MAX } from '../../src/verifier/state/index.js';
import { fls64, tnumRange, tnumStep } from '../../src/verifier/state/tnum.js';

// ---- reference: straightforward bigint formulation ----------------------------
const M64 = (1n << 64n) - 1n;
const L32 = 0xffffffffn;
const H32 = M64 ^ L32;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const lo = (x: bigint): number => Number(x & L32);
const los = (x: bigint): number => Number(x & L32) | 0;
const mx = <T extends bigint | number>(a: T, b: T): T => (a > b ? a : b);
const mn = <T extends bigint | number>(a: T, b: T): T => (a < b ? a : b);
const refFls = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);
function refRange(a: bigint, b: bigint): { value: bigint; mask: bigint } {
  const bits = refFls(u64(a ^ b));
  if (bits > 63) return { value: 0n, mask: M64 };
  const d = (1n << BigInt(bits)) - 1n;
  return { value: u64(a) & ~d, mask: d };
}
function refStep(t: { value: bigint; mask: bigint }, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  const cm = (1n << BigInt(refFls((z - t.value) & ~t.mask & M64))) - 1n;
  return t.value | ((((z - t.value) | cm | ~t.mask) & M64) + 1n & M64 & t.mask);
}
function known(r: BpfRegState, v: bigint): void {
  r.varOff = { value: v, mask: 0n };
  r.smin = r.smax = s64(v);
  r.umin = r.umax = v;
  r.s32Min = r.s32Max = los(v);
  r.u32Min = r.u32Max = lo(v);
}
function refUpdate(r: BpfRegState): void {
  const v = r.varOff.value, m = r.varOff.mask;
  r.s32Min = mx(r.s32Min, Number((v & L32) | (m & 0x80000000n)) | 0);
  r.s32Max = mn(r.s32Max, Number((v & L32) | (m & 0x7fffffffn)) | 0);
  r.u32Min = mx(r.u32Min, lo(v));
  r.u32Max = mn(r.u32Max, lo(v | m));
  r.smin = mx(r.smin, s64(v | (m & (1n << 63n))));
  r.smax = mn(r.smax, s64(v | (m & ((1n << 63n) - 1n))));
  r.umin = mx(r.umin, v);
  r.umax = mn(r.umax, v | m);
  const next = refStep(r.varOff, r.umin);
  const inT = (r.umin & ~m) === v;
  if (inT && next > r.umax) known(r, r.umin);
  else if (!inT && next === (v | m)) known(r, v | m);
  else if (!inT && next <= r.umax && refStep(r.varOff, next) > r.umax) known(r, next);
}
function refDeduce(r: BpfRegState): void {
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32Min = mx(r.u32Min, lo(r.umin)); r.u32Max = mn(r.u32Max, lo(r.umax));
    if (los(r.umin) <= los(r.umax)) { r.s32Min = mx(r.s32Min, los(r.umin)); r.s32Max = mn(r.s32Max, los(r.umax)); }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (lo(r.smin) <= lo(r.smax)) { r.u32Min = mx(r.u32Min, lo(r.smin)); r.u32Max = mn(r.u32Max, lo(r.smax)); }
    if (los(r.smin) <= los(r.smax)) { r.s32Min = mx(r.s32Min, los(r.smin)); r.s32Max = mn(r.s32Max, los(r.smax)); }
  }
  for (const [a, b] of [[r.umin, r.umax], [r.smin, r.smax]] as const) {
    if (((lo(a >> 32n) + 1) >>> 0) === lo(b >> 32n) && los(a) < 0 && los(b) >= 0) {
      r.s32Min = mx(r.s32Min, los(a)); r.s32Max = mn(r.s32Max, los(b));
    }
  }
  if ((r.u32Min | 0) <= (r.u32Max | 0)) { r.s32Min = mx(r.s32Min, r.u32Min | 0); r.s32Max = mn(r.s32Max, r.u32Max | 0); }
  if (r.s32Min >>> 0 <= r.s32Max >>> 0) { r.u32Min = mx(r.s32Min >>> 0, r.u32Min); r.u32Max = mn(r.s32Max >>> 0, r.u32Max); }
  else if (r.u32Max < r.s32Min >>> 0) { r.s32Min = r.u32Min | 0; r.u32Max = mn(r.u32Max, r.s32Max >>> 0); }
  else if (r.s32Max >>> 0 < r.u32Min) { r.s32Max = r.u32Max | 0; r.u32Min = mx(r.u32Min, r.s32Min >>> 0); }
  // 64-bit
  if (s64(r.umin) <= s64(r.umax)) { r.smin = mx(r.smin, s64(r.umin)); r.smax = mn(r.smax, s64(r.umax)); }
  const a = u64(r.smin), b = u64(r.smax);
  if (a <= b) { r.umin = mx(a, r.umin); r.umax = mn(b, r.umax); }
  else if (r.umax < a) { r.smin = s64(r.umin); r.umax = mn(r.umax, b); }
  else if (b < r.umin) { r.smax = s64(r.umax); r.umin = mx(r.umin, a); }
  // mixed
  const nu = (r.umin & H32) | BigInt(r.u32Min), nx = (r.umax & H32) | BigInt(r.u32Max);
  r.umin = mx(r.umin, nu); r.umax = mn(r.umax, nx);
  const ns = s64((u64(r.smin) & H32) | BigInt(r.u32Min)), nt = s64((u64(r.smax) & H32) | BigInt(r.u32Max));
  r.smin = mx(r.smin, ns); r.smax = mn(r.smax, nt);
  if (r.s32Min >= 0 && r.smin >= -0x80000000n && r.smax <= 0x7fffffffn) {
    r.smin = BigInt(r.s32Min); r.smax = BigInt(r.s32Max); r.umin = u64(r.smin); r.umax = u64(r.smax);
    const t = refRange(r.umin, r.umax);
    r.varOff = { value: (r.varOff.value | t.value) & ~(r.varOff.mask & t.mask), mask: r.varOff.mask & t.mask };
  }
}
function refSync(r: BpfRegState): void {
  refUpdate(r);
  refDeduce(r); refDeduce(r); refDeduce(r);
  const t = refRange(r.umin, r.umax);
  const v64 = { value: (r.varOff.value | t.value) & ~(r.varOff.mask & t.mask), mask: r.varOff.mask & t.mask };
  const t32 = refRange(BigInt(r.u32Min), BigInt(r.u32Max));
  const mu = v64.mask & L32 & t32.mask;
  const v32 = { value: ((v64.value & L32) | t32.value) & ~mu, mask: mu };
  const hv = v64.value & H32, hm = v64.mask & H32;
  r.varOff = { value: hv | v32.value, mask: (hm | v32.mask) & ~(hv | v32.value) };
  refUpdate(r);
}

// ---- inputs --------------------------------------------------------------------
const edge64 = [0n, 1n, 2n, 0x7fn, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1ffffffffn,
  (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, S64_MAX, 1n << 63n, U64_MAX - 1n, U64_MAX];
const u64Arb = fc.oneof(
  fc.constantFrom(...edge64),
  fc.bigInt({ min: 0n, max: 0x1ffn }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0xffffff00n, max: 0x1000000ffn }),
  fc.bigInt({ min: U64_MAX - 0x1ffn, max: U64_MAX }),
  fc.bigInt({ min: U64_MAX - 0xffffffffn, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const u32Arb = fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff), fc.integer({ min: 0, max: 0xff }),
  fc.integer({ min: 0, max: 0xffffffff }));
const regArb = fc.record({
  value: u64Arb, mask: u64Arb, a: u64Arb, b: u64Arb, c: u64Arb, d: u64Arb,
  e: u32Arb, f: u32Arb, g: u32Arb, h: u32Arb, sortU: fc.boolean(), sortS: fc.boolean(),
}).map((x) => {
  const r = makeScalarUnknown();
  r.varOff = { value: x.value & ~x.mask, mask: x.mask };
  [r.umin, r.umax] = x.sortU && x.a > x.b ? [x.b, x.a] : [x.a, x.b];
  const c = s64(x.c), d = s64(x.d);
  [r.smin, r.smax] = x.sortS && c > d ? [d, c] : [c, d];
  [r.u32Min, r.u32Max] = [x.e, x.f];
  [r.s32Min, r.s32Max] = [x.g | 0, x.h | 0];
  return r;
});
/** Registers that are consistent (built from one interval), where fast paths fire. */
const consistentArb = fc.tuple(u64Arb, u64Arb).map(([a, b]) => {
  const r = makeScalarUnknown();
  if (a === b) known(r, a);
  else {
    r.umin = a < b ? a : b; r.umax = a < b ? b : a;
  }
  return r;
});

const snap = (r: BpfRegState): string =>
  [r.varOff.value, r.varOff.mask, r.smin, r.smax, r.umin, r.umax, r.s32Min, r.s32Max, r.u32Min, r.u32Max].join(',');

describe('scalar fast paths match the plain bigint formulation', () => {
  it('fls64, tnumRange, tnumStep', () => {
    fc.assert(fc.property(u64Arb, u64Arb, (a, b) => {
      expect(fls64(a)).toBe(refFls(a));
      expect(tnumRange(a, b)).toEqual(refRange(a, b));
      const t = { value: a & ~b, mask: b };
      expect(tnumStep(t, a)).toBe(refStep(t, a));
    }), { numRuns: 3000, seed: 7 });
    const small = fc.bigInt({ min: 0n, max: 0xffffffffn });
    fc.assert(fc.property(small, small, small, (v, m, z) => {
      const t = { value: v & ~m, mask: m };
      const lo = t.value, hi = t.value | t.mask;
      const zz = hi > lo ? lo + (z % (hi - lo)) : z;
      expect(tnumStep(t, zz)).toBe(refStep(t, zz));
    }), { numRuns: 3000, seed: 10 });
    for (let i = 0; i < 64; i++) {
      for (const x of [1n << BigInt(i), (1n << BigInt(i)) - 1n, (1n << BigInt(i)) + 1n]) expect(fls64(x)).toBe(refFls(x));
    }
  });
  it('regBoundsSync on arbitrary (even inconsistent) registers', () => {
    fc.assert(fc.property(regArb, (r) => {
      const ref = { ...r };
      refSync(ref);
      regBoundsSync(r);
      expect(snap(r)).toBe(snap(ref));
    }), { numRuns: 5000, seed: 8 });
  });
  it('regBoundsSync on consistent registers, constants and unknowns', () => {
    fc.assert(fc.property(consistentArb, (r) => {
      const ref = { ...r };
      refSync(ref);
      regBoundsSync(r);
      expect(snap(r)).toBe(snap(ref));
    }), { numRuns: 3000, seed: 9 });
    const u = makeScalarUnknown();
    regBoundsSync(u);
    expect([u.umin, u.umax, u.smin, u.smax]).toEqual([0n, U64_MAX, S64_MIN, S64_MAX]);
  });
});
