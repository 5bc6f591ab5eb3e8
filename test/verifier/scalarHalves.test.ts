// __reg_bound_offset and __update_reg64_bounds run on u32 halves; they must
// give exactly what the earlier bigint formulation (kept here verbatim as the
// reference) gives, on any u64 inputs, normalized tnums or not.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BpfRegState } from '../../src/verifier/state/reg.js';
import {
  hi32s, lo32, lo32s, makeScalarUnknown, markReg32Known, regBoundOffset, regDeduceMixedBounds, setBoundsSwitches, setRegKnown,
  toS64, toU64, updateReg64Bounds, S64_MAX, U64_MAX,
} from '../../src/verifier/state/scalar.js';
import { join64, split, splitHi, splitLo } from '../../src/verifier/state/halves.js';
import { tnumAdd, tnumAnd, tnumConstSubreg, tnumIn, tnumIntersect, tnumRange, tnumStep, tnumSubregIsConst } from '../../src/verifier/state/tnum.js';

const TWO64 = 1n << 64n;
const SIGN64 = 1n << 63n;
const LO32 = 0xffffffffn;
const maxB = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minB = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const u64ToS64 = (x: bigint): bigint => (x > S64_MAX ? x - TWO64 : x);

function refRegBoundOffset(reg: BpfRegState): void {
  const vo = reg.varOff;
  const r64 = tnumRange(reg.umin, reg.umax);
  let v64 = vo.value, m64 = vo.mask;
  if (r64.mask !== U64_MAX || r64.value !== 0n) {
    const mu = m64 & r64.mask;
    v64 = (v64 | r64.value) & ~mu;
    m64 = mu;
  } else if ((v64 & m64) !== 0n) {
    v64 &= ~m64;
  }
  const lo = reg.u32Min, hi = reg.u32Max;
  const chi = (lo ^ hi) >>> 0;
  const delta = chi === 0 ? 0 : chi >= 0x80000000 ? 0xffffffff : (2 ** (32 - Math.clz32(chi))) - 1;
  const rv = (lo & ~delta) >>> 0;
  const vLo = Number(v64 & LO32);
  const mLo = Number(m64 & LO32);
  const mu32 = (mLo & delta) >>> 0;
  const v32 = ((vLo | rv) & ~mu32) >>> 0;
  if (v32 !== vLo) v64 = (v64 & ~LO32) | BigInt(v32);
  if (mu32 !== mLo) m64 = (m64 & ~LO32) | BigInt(mu32);
  if (v64 !== vo.value || m64 !== vo.mask) reg.varOff = { value: v64, mask: m64 };
}

function refUpdateReg64Bounds(reg: BpfRegState, plain: boolean): void {
  const v = reg.varOff.value;
  const m = reg.varOff.mask;
  if (plain) {
    reg.smin = maxB(reg.smin, u64ToS64(v | (m & SIGN64)));
    reg.smax = minB(reg.smax, u64ToS64(v | (m & S64_MAX)));
    reg.umin = maxB(reg.umin, v);
    reg.umax = minB(reg.umax, v | m);
    return;
  }
  if (m === 0n) {
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
  reg.smin = maxB(reg.smin, u64ToS64(v | (m & SIGN64)));
  reg.smax = minB(reg.smax, u64ToS64(v | (m & S64_MAX)));
  reg.umin = maxB(reg.umin, v);
  reg.umax = minB(reg.umax, v | m);
  const next = tnumStep(reg.varOff, reg.umin);
  const uminInTnum = (reg.umin & ~m) === v;
  const tmax = v | m;
  if (uminInTnum && next > reg.umax) setRegKnown(reg, reg.umin);
  else if (!uminInTnum && next === tmax) setRegKnown(reg, tmax);
  else if (!uminInTnum && next <= reg.umax && tnumStep(reg.varOff, next) > reg.umax) setRegKnown(reg, next);
}

const edge64 = [0n, 1n, 7n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n,
  S64_MAX, SIGN64, SIGN64 + 1n, U64_MAX - 1n, U64_MAX];
const u64Arb = fc.oneof(
  fc.constantFrom(...edge64),
  fc.bigInt({ min: 0n, max: 0x3ffn }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0xffffff00n, max: 0x1000000ffn }),
  fc.bigInt({ min: U64_MAX - 0xffffffffn, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const s64Arb = u64Arb.map(u64ToS64);
const u32Arb = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 0x3ff }),
  fc.integer({ min: 0, max: 0xffffffff }));
const regArb = fc.record({
  value: u64Arb, mask: u64Arb, normalize: fc.boolean(), umin: u64Arb, umax: u64Arb, smin: s64Arb, smax: s64Arb,
  u32Min: u32Arb, u32Max: u32Arb,
}).map((x) => {
  const r = makeScalarUnknown();
  r.varOff = { value: x.normalize ? x.value & ~x.mask : x.value, mask: x.mask };
  r.umin = x.umin; r.umax = x.umax; r.smin = x.smin; r.smax = x.smax;
  r.u32Min = x.u32Min; r.u32Max = x.u32Max;
  r.s32Min = x.u32Min | 0; r.s32Max = x.u32Max | 0;
  return r;
});

const snap = (r: BpfRegState): string =>
  [r.varOff.value, r.varOff.mask, r.smin, r.smax, r.umin, r.umax, r.s32Min, r.s32Max, r.u32Min, r.u32Max].join(',');

const SW = { noTnumSingleValue: false, addSubWrapUnbounded: false, mulUnsignedOnly: false };

describe('bounds helpers on u32 halves match the bigint formulation', () => {
  afterAll(() => setBoundsSwitches(SW));
  it('regBoundOffset', () => {
    fc.assert(fc.property(regArb, (r) => {
      const ref = { ...r };
      refRegBoundOffset(ref);
      regBoundOffset(r);
      expect(snap(r)).toBe(snap(ref));
    }), { numRuns: 20000, seed: 21 });
  });
  it('updateReg64Bounds, with and without the 6.18.y single-value rule', () => {
    for (const plain of [false, true]) {
      setBoundsSwitches({ ...SW, noTnumSingleValue: plain });
      fc.assert(fc.property(regArb, (r) => {
        const ref = { ...r };
        refUpdateReg64Bounds(ref, plain);
        updateReg64Bounds(r);
        expect(snap(r)).toBe(snap(ref));
      }), { numRuns: 20000, seed: plain ? 23 : 22 });
    }
  });
});

// The earlier bigint formulations of the other helpers that now avoid bigint temporaries.
function refTnumAdd(a: { value: bigint; mask: bigint }, b: { value: bigint; mask: bigint }): { value: bigint; mask: bigint } {
  const sm = (a.mask + b.mask) & U64_MAX;
  const sv = (a.value + b.value) & U64_MAX;
  const sigma = (sm + sv) & U64_MAX;
  const mu = (sigma ^ sv) | a.mask | b.mask;
  return { value: sv & ~mu, mask: mu };
}
function refMarkReg32Known(reg: BpfRegState, imm: bigint): void {
  reg.varOff = tnumConstSubreg(reg.varOff, imm & LO32);
  reg.s32Min = Number(imm & LO32) | 0;
  reg.s32Max = reg.s32Min;
  reg.u32Min = Number(imm & LO32);
  reg.u32Max = reg.u32Min;
}
function refDeduceMixedTail(reg: BpfRegState): void {
  if (reg.s32Min >= 0 && reg.smin >= -0x80000000n && reg.smax <= 0x7fffffffn) {
    reg.smin = BigInt(reg.s32Min);
    reg.smax = BigInt(reg.s32Max);
    reg.umin = BigInt.asUintN(64, reg.smin);
    reg.umax = BigInt.asUintN(64, reg.smax);
    reg.varOff = tnumIntersect(reg.varOff, tnumRange(reg.umin, reg.umax));
  }
}
const anyBig = fc.oneof(u64Arb, s64Arb, fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }));
const s32Arb = fc.oneof(fc.constantFrom(-0x80000000, -1, 0, 1, 7, 0x7fffffff), fc.integer({ min: -0x80000000, max: 0x7fffffff }));

describe('allocation-free scalar helpers match the bigint formulation', () => {
  it('lo32, lo32s, toU64, toS64 on any bigint', () => {
    fc.assert(fc.property(anyBig, (x) => {
      expect(lo32(x)).toBe(Number(x & LO32));
      expect(lo32s(x)).toBe(Number(x & LO32) | 0);
      expect(hi32s(x)).toBe(Number((x >> 32n) & LO32) | 0);
      expect(toU64(x)).toBe(BigInt.asUintN(64, x));
      expect(toS64(x)).toBe(BigInt.asIntN(64, x));
    }), { numRuns: 20000, seed: 31 });
  });
  it('tnumAdd and tnumSubregIsConst', () => {
    const tn = fc.tuple(u64Arb, u64Arb, fc.boolean()).map(([v, m, n]) => ({ value: n ? v & ~m : v, mask: m }));
    const small = fc.tuple(fc.bigInt({ min: 0n, max: 0x3fffffffn }), fc.bigInt({ min: 0n, max: 0x3fffffffn }), fc.boolean())
      .map(([v, m, n]) => ({ value: n ? v & ~m : v, mask: m }));
    const t = fc.oneof(tn, small);
    fc.assert(fc.property(t, t, (a, b) => {
      expect(tnumAdd(a, b)).toEqual(refTnumAdd(a, b));
      expect(tnumSubregIsConst(a)).toBe((a.mask & LO32) === 0n);
    }), { numRuns: 20000, seed: 32 });
  });
  it('markReg32Known', () => {
    fc.assert(fc.property(regArb, anyBig, (r, imm) => {
      const ref = { ...r };
      refMarkReg32Known(ref, imm);
      markReg32Known(r, imm);
      expect(snap(r)).toBe(snap(ref));
    }), { numRuns: 20000, seed: 33 });
  });
  it('the sign-extension step of regDeduceMixedBounds', () => {
    // u32 bounds equal to the low halves of the 64-bit ones leave only the final step to act
    const arb = fc.tuple(regArb, s32Arb, s32Arb, fc.boolean()).map(([r, a, b, asIs]) => {
      if (!asIs) {
        r.s32Min = Math.abs(a) | 0; r.s32Max = b;
        r.smin = BigInt(r.s32Min); r.smax = BigInt(Math.max(r.s32Min, b));
        r.umin = toU64(r.smin); r.umax = toU64(r.smax);
      }
      return r;
    });
    fc.assert(fc.property(arb, (r) => {
      // the reference: the first part of regDeduceMixedBounds, then the earlier tail
      const ref = { ...r };
      regDeduceMixedBoundsHead(ref);
      refDeduceMixedTail(ref);
      regDeduceMixedBounds(r);
      expect(snap(r)).toBe(snap(ref));
    }), { numRuns: 20000, seed: 34 });
  });
});

/** The first part of regDeduceMixedBounds (unchanged), in bigints. */
function regDeduceMixedBoundsHead(reg: BpfRegState): void {
  const u32Min = reg.u32Min, u32Max = reg.u32Max;
  const lo = (x: bigint): number => Number(x & LO32);
  if (u32Min > lo(reg.umin)) reg.umin += BigInt(u32Min - lo(reg.umin));
  if (u32Max < lo(reg.umax)) reg.umax -= BigInt(lo(reg.umax) - u32Max);
  if (u32Min > lo(reg.smin)) reg.smin += BigInt(u32Min - lo(reg.smin));
  if (u32Max < lo(reg.smax)) reg.smax -= BigInt(lo(reg.smax) - u32Max);
}

describe('tnumIn fast paths', () => {
  it('match the bigint formulation', () => {
    const tn = fc.tuple(u64Arb, u64Arb, fc.boolean(), fc.constantFrom('any', 'const', 'unknown', 'small'))
      .map(([v, m, n, kind]) => {
        const mask = kind === 'const' ? 0n : kind === 'unknown' ? U64_MAX : kind === 'small' ? m & 0xffffffffn : m;
        return { value: n ? v & ~mask : kind === 'small' ? v & 0xffffffffn : v, mask };
      });
    fc.assert(fc.property(tn, tn, (a, b) => {
      const ref = (b.mask & ~a.mask) ? false : a.value === (b.value & ~a.mask);
      expect(tnumIn(a, b)).toBe(ref);
      expect(tnumIn(a, a)).toBe(a.value === (a.value & ~a.mask));
    }), { numRuns: 30000, seed: 35 });
  });
});

describe('tnumAnd fast path', () => {
  it('matches the bigint formulation', () => {
    const tn = fc.tuple(u64Arb, u64Arb, fc.boolean(), fc.boolean())
      .map(([v, m, n, small]) => {
        const mask = small ? m & 0xffffffffn : m;
        const value = small ? v & 0xffffffffn : v;
        return { value: n ? value & ~mask : value, mask };
      });
    fc.assert(fc.property(tn, tn, (a, b) => {
      const v = a.value & b.value;
      expect(tnumAnd(a, b)).toEqual({ value: v, mask: (a.value | a.mask) & (b.value | b.mask) & ~v });
    }), { numRuns: 30000, seed: 36 });
  });
});

describe('split and join64 (halves.ts)', () => {
  const big = fc.oneof(
    fc.bigInt({ min: -SIGN64, max: TWO64 - 1n }),
    fc.bigInt({ min: -SIGN64, max: -SIGN64 + 4096n }),
    fc.bigInt({ min: TWO64 - 4096n, max: TWO64 - 1n }),
    fc.bigInt({ min: -(1n << 54n), max: 1n << 54n }),
  );
  it('split gives the two-complement u32 halves of any s64 or u64', () => {
    fc.assert(fc.property(big, (x) => {
      split(x);
      expect([splitHi, splitLo]).toEqual([Number((x >> 32n) & LO32), Number(x & LO32)]);
    }), { numRuns: 3000 });
  });
  it('join64 is the u64 of two u32 halves', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (hi, lo) => {
      expect(join64(hi, lo)).toBe((BigInt(hi) << 32n) | BigInt(lo));
    }), { numRuns: 3000 });
  });
});
