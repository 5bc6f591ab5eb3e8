import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type Tnum, tnumConst, tnumRange, tnumAdd, tnumSub, tnumMul, tnumAnd, tnumOr, tnumXor, tnumNeg, tnumLshift,
  tnumRshift, tnumArshift, tnumUnion, tnumIntersect, tnumContains, tnumOverlap, tnumIn, tnumCast, tnumSubreg,
  tnumWithSubreg, tnumBswap16, tnumBswap32, tnumBswap64, tnumStep, tnumSbin, tnumIsAligned, TNUM_UNKNOWN, U64_MASK,
} from '../../src/verifier/state/tnum.js';

const M = U64_MASK;
/** A tnum plus one of its members. */
const tm = fc.record({
  v: fc.bigInt({ min: 0n, max: M }),
  m: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffn }), fc.bigInt({ min: 0n, max: M })),
  p: fc.bigInt({ min: 0n, max: M }),
}).map(({ v, m, p }) => ({ t: { value: v & ~m, mask: m } as Tnum, x: (v & ~m) | (p & m) }));

describe('tnum soundness (fast-check)', () => {
  const bin: [string, (a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint][] = [
    ['add', tnumAdd, (x, y) => (x + y) & M],
    ['sub', tnumSub, (x, y) => (x - y) & M],
    ['mul', tnumMul, (x, y) => (x * y) & M],
    ['and', tnumAnd, (x, y) => x & y],
    ['or', tnumOr, (x, y) => x | y],
    ['xor', tnumXor, (x, y) => x ^ y],
    ['union(x)', tnumUnion, (x) => x],
    ['union(y)', tnumUnion, (_x, y) => y],
  ];
  for (const [name, f, c] of bin) {
    it(`${name} contains the concrete result`, () => {
      fc.assert(fc.property(tm, tm, (a, b) => {
        expect(tnumContains(f(a.t, b.t), c(a.x, b.x))).toBe(true);
      }), { numRuns: 800 });
    });
  }
  it('shifts, neg, casts, bswaps', () => {
    fc.assert(fc.property(tm, fc.integer({ min: 0, max: 63 }), (a, s) => {
      const S = BigInt(s);
      expect(tnumContains(tnumLshift(a.t, s), (a.x << S) & M)).toBe(true);
      expect(tnumContains(tnumRshift(a.t, s), a.x >> S)).toBe(true);
      expect(tnumContains(tnumArshift(a.t, s, 64), BigInt.asUintN(64, BigInt.asIntN(64, a.x) >> S))).toBe(true);
      const s32 = BigInt(s & 31);
      expect(tnumContains(tnumArshift(tnumSubreg(a.t), s & 31, 32), BigInt.asUintN(32, BigInt.asIntN(32, a.x) >> s32))).toBe(true);
      expect(tnumContains(tnumNeg(a.t), (-a.x) & M)).toBe(true);
      expect(tnumContains(tnumCast(a.t, 2), a.x & 0xffffn)).toBe(true);
      const sw = (x: bigint, n: number): bigint => {
        let r = 0n;
        for (let i = 0; i < n; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
        return r;
      };
      expect(tnumContains(tnumBswap16(a.t), sw(a.x, 2))).toBe(true);
      expect(tnumContains(tnumBswap32(a.t), sw(a.x, 4))).toBe(true);
      expect(tnumContains(tnumBswap64(a.t), sw(a.x, 8))).toBe(true);
    }), { numRuns: 800 });
  });
  it('range, intersect, overlap, in', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: M }), fc.bigInt({ min: 0n, max: M }), fc.bigInt({ min: 0n, max: M }), (a, b, p) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const x = lo + (hi > lo ? p % (hi - lo + 1n) : 0n);
      const r = tnumRange(lo, hi);
      expect(tnumContains(r, x)).toBe(true);
      expect(tnumIn(r, tnumConst(x))).toBe(true);
      const c = tnumConst(x);
      expect(tnumOverlap(r, c)).toBe(true);
      expect(tnumIntersect(r, c)).toEqual(c);
    }), { numRuns: 800 });
  });
  it('tnumStep returns the next member', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: 0x1ffffn }), (v0, m, z) => {
      const t = { value: v0 & ~m, mask: m };
      const tmax = t.value | t.mask;
      let expected = tmax;
      if (z < t.value) expected = t.value;
      else if (z < tmax) for (let y = z + 1n; y <= tmax; y++) if (tnumContains(t, y)) { expected = y; break; }
      expect(tnumStep(t, z)).toBe(expected);
    }), { numRuns: 500 });
  });
  it('tnumStep agrees over 64 bits with the bit-fiddling form of the 6.18.y backport', () => {
    const fls = (x: bigint): bigint => BigInt(x === 0n ? 0 : x.toString(2).length);
    // the stable patch's formulation: fill/carry around the highest differing bit
    const ref = (t: Tnum, z: bigint): bigint => {
      const tmax = t.value | t.mask;
      if (z >= tmax) return tmax;
      if (z < t.value) return t.value;
      const j = t.value | (z & t.mask);
      if (j > z) {
        const q = (M << fls(~z & t.value & ~t.mask & M)) & M;
        return (q & z) | (~q & M & t.value);
      }
      const k = fls(z & ~t.value & ~t.mask & M);
      const q = (M << k) & M;
      const v = (q & t.mask & z) | (q & ~t.mask & M);
      const u = (v + (1n << k)) & M;
      return (u & t.mask) | t.value;
    };
    const edge = fc.constantFrom(0n, 1n, M, M - 1n, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 1n << 32n);
    const any64 = fc.oneof(fc.bigInt({ min: 0n, max: M }), edge);
    fc.assert(fc.property(any64, any64, any64, (v0, m, z) => {
      const t = { value: v0 & ~m, mask: m };
      expect(tnumStep(t, z)).toBe(ref(t, z));
    }), { numRuns: 5000 });
  });
});

describe('tnum unit cases', () => {
  it('known values from tnum.h comments', () => {
    expect(tnumRange(0n, 2n)).toEqual({ value: 0n, mask: 3n });
    expect(tnumRange(0n, M)).toEqual(TNUM_UNKNOWN);
    expect(tnumIn(tnumRange(0n, 2n), tnumConst(3n))).toBe(true);
    // the kernel iterates over the bits of its first operand
    expect(tnumMul({ value: 1n, mask: 2n }, { value: 3n, mask: 0n })).toEqual({ value: 1n, mask: 0xan });
    expect(tnumMul({ value: 3n, mask: 0n }, { value: 1n, mask: 2n })).toEqual({ value: 1n, mask: 0xen });
    expect(tnumWithSubreg({ value: 0x100000000n, mask: 0xffn }, tnumConst(5n))).toEqual({ value: 0x100000005n, mask: 0n });
    expect(tnumSbin({ value: 2n, mask: 1n }).slice(-4)).toBe('001x');
    expect(tnumIsAligned({ value: 8n, mask: 0x10n }, 8n)).toBe(true);
    expect(tnumIsAligned({ value: 8n, mask: 0x11n }, 8n)).toBe(false);
    expect(tnumBswap16({ value: 0n, mask: 0x7fcn })).toEqual({ value: 0n, mask: 0xfc07n });
  });
});
