import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RegType } from '../../src/verifier/state/reg.js';
import { cloneReg } from '../../src/verifier/state/regState.js';
import {
  makeScalarUnknown, makeScalarConst, markRegKnown, markRegUnknown, markRegNotInit, markReg32Known, regBoundsSync,
  regBoundsSanityCheck, regContains, isRegConst, regConstValue, zextReg32, coerceRegToSize, coerceRegToSizeSx,
  coerceSubregToSizeSx, getRegWidth, reg32DeduceBounds, S64_MIN, S64_MAX, U64_MAX, S32_MIN, S32_MAX,
} from '../../src/verifier/state/index.js';
import { formatRegState } from '../../src/verifier/log/regfmt.js';

const M = U64_MAX;
/** A register with arbitrary (consistent) knowledge and a concrete member. */
const regWithMember = fc.record({
  x: fc.bigInt({ min: 0n, max: M }),
  mask: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: M })),
  du: fc.bigInt({ min: 0n, max: M }), du2: fc.bigInt({ min: 0n, max: M }),
  ds: fc.bigInt({ min: 0n, max: 1n << 40n }), ds2: fc.bigInt({ min: 0n, max: 1n << 40n }),
  d32: fc.integer({ min: 0, max: 0x7fffffff }), d32b: fc.integer({ min: 0, max: 0x7fffffff }),
}).map(({ x, mask, du, du2, ds, ds2, d32, d32b }) => {
  const r = makeScalarUnknown();
  r.varOff = { value: x & ~mask, mask };
  r.umin = x - (du % (x + 1n));
  r.umax = x + (du2 % (M - x + 1n));
  const s = BigInt.asIntN(64, x);
  r.smin = s - ds < S64_MIN ? S64_MIN : s - ds;
  r.smax = s + ds2 > S64_MAX ? S64_MAX : s + ds2;
  const u32 = Number(x & 0xffffffffn);
  r.u32Min = Math.max(0, u32 - d32);
  r.u32Max = Math.min(0xffffffff, u32 + d32b);
  const s32 = u32 | 0;
  r.s32Min = Math.max(S32_MIN, s32 - d32);
  r.s32Max = Math.min(0x7fffffff, s32 + d32b);
  return { r, x };
});

describe('reg_bounds_sync (fast-check)', () => {
  it('keeps every member and yields consistent bounds', () => {
    fc.assert(fc.property(regWithMember, ({ r, x }) => {
      expect(regContains(r, x)).toBe(true);
      regBoundsSync(r);
      expect(regContains(r, x), formatRegState(r)).toBe(true);
      expect(regBoundsSanityCheck(r, 'test')).toBeNull();
    }), { numRuns: 5000 });
  });
  it('is idempotent enough: a second sync keeps the members', () => {
    fc.assert(fc.property(regWithMember, ({ r, x }) => {
      regBoundsSync(r);
      const again = cloneReg(r);
      regBoundsSync(again);
      expect(regContains(again, x)).toBe(true);
    }), { numRuns: 1000 });
  });
  it('coercions are sound', () => {
    fc.assert(fc.property(regWithMember, fc.constantFrom(1, 2, 4), ({ r, x }, size) => {
      regBoundsSync(r);
      const bits = BigInt(size * 8);
      const z = cloneReg(r);
      coerceRegToSize(z, size);
      expect(regContains(z, x & ((1n << bits) - 1n))).toBe(true);
      const sx = cloneReg(r);
      coerceRegToSizeSx(sx, size);
      expect(regContains(sx, BigInt.asUintN(64, BigInt.asIntN(size * 8, x)))).toBe(true);
      if (size < 4) {
        const s32 = cloneReg(r);
        coerceSubregToSizeSx(s32, size);
        zextReg32(s32);
        regBoundsSync(s32);
        expect(regContains(s32, BigInt.asUintN(32, BigInt.asIntN(size * 8, x)))).toBe(true);
      }
      const zx = cloneReg(r);
      zextReg32(zx);
      regBoundsSync(zx);
      expect(regContains(zx, x & 0xffffffffn)).toBe(true);
    }), { numRuns: 3000 });
  });
});

describe('scalar unit cases', () => {
  it('mark helpers', () => {
    const r = makeScalarUnknown();
    r.id = 3; r.off = 4; r.precise = true;
    markRegKnown(r, -8n);
    expect(r.id).toBe(0);
    expect(r.off).toBe(0);
    expect(r.precise).toBe(true);
    expect([r.smin, r.umax, r.s32Min, r.u32Max]).toEqual([-8n, M - 7n, -8, 0xfffffff8]);
    expect(isRegConst(r, false)).toBe(true);
    expect(regConstValue(r, true)).toBe(0xfffffff8n);
    markRegUnknown(r);
    expect(formatRegState(r)).toBe('scalar()');
    expect(r.precise).toBe(false);
    markRegNotInit(r);
    expect(r.type).toBe(RegType.NOT_INIT);
    const k = makeScalarUnknown();
    markReg32Known(k, 5n);
    expect(k.varOff).toEqual({ value: 5n, mask: 0xffffffff00000000n });
    expect(getRegWidth(makeScalarConst(0x100n))).toBe(9);
  });
  it('sanity check messages', () => {
    const r = makeScalarConst(5n);
    expect(regBoundsSanityCheck(r, 'alu')).toBeNull();
    r.umax = 4n;
    expect(regBoundsSanityCheck(r, 'alu')).toBe(
      'REG INVARIANTS VIOLATION (alu): range bounds violation u64=[0x5, 0x4] s64=[0x5, 0x5] u32=[0x5, 0x5] s32=[0x5, 0x5] var_off=(0x5, 0x0)');
    const c = makeScalarConst(5n);
    c.smax = 6n;
    expect(regBoundsSanityCheck(c, 'x')).toContain('const tnum out of sync with range bounds');
  });
  it('a u64 range meeting the tnum in one value makes it known (6.18.y)', () => {
    const r = makeScalarUnknown();
    r.varOff = { value: 0n, mask: 0x40n };
    r.umin = 1n;
    r.umax = 2n;
    regBoundsSync(r);
    // empty intersection: the kernel lands on tmax
    expect(formatRegState(r)).toBe('64');
    // what a dead JEQ branch produces (kernel log: `from 6 to 9: ... R6=0 R9=0`)
    const z = makeScalarUnknown();
    z.varOff = { value: 0n, mask: 0n };
    z.umin = 1n;
    z.umax = 2n;
    regBoundsSync(z);
    expect(formatRegState(z)).toBe('0');
    const one = makeScalarUnknown();
    one.varOff = { value: 0n, mask: 0x41n };
    one.umin = 2n;
    one.umax = 0x40n;
    regBoundsSync(one);
    expect(formatRegState(one)).toBe('64');
  });
  it('sign-extension idiom: s32 bounds flow into s64', () => {
    const r = makeScalarUnknown();
    r.s32Min = 0; r.s32Max = 100;
    r.smin = -0x80000000n; r.smax = 0x7fffffffn;
    regBoundsSync(r);
    expect(formatRegState(r)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=100,var_off=(0x0; 0x7f))');
  });
});

// Any bounds at all, consistent or not (dead branches produce empty ranges).
const anyU64 = fc.oneof(fc.bigInt({ min: 0n, max: M }), fc.constantFrom(0n, 1n, M, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 1n << 32n));
const anyS64 = fc.oneof(fc.bigInt({ min: S64_MIN, max: S64_MAX }), fc.constantFrom(0n, -1n, 1n, S64_MIN, S64_MAX, -0x80000000n, 0x7fffffffn));
const anyU32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x7fffffff));
const anyS32 = fc.oneof(fc.integer({ min: S32_MIN, max: S32_MAX }), fc.constantFrom(0, -1, 1, S32_MIN, S32_MAX));

describe('reg_bounds_sync on arbitrary (possibly empty) bounds', () => {
  it('keeps every field inside its C type, like the kernel\'s wrapping casts', () => {
    fc.assert(fc.property(anyU64, anyU64, anyS64, anyS64, anyU32, anyU32, anyS32, anyS32, anyU64, anyU64,
      (umin, umax, smin, smax, u32Min, u32Max, s32Min, s32Max, v, m) => {
        const r = makeScalarUnknown();
        Object.assign(r, { umin, umax, smin, smax, u32Min, u32Max, s32Min, s32Max, varOff: { value: v & ~m, mask: m } });
        regBoundsSync(r);
        for (const x of [r.umin, r.umax, r.varOff.value, r.varOff.mask]) expect(x >= 0n && x <= M).toBe(true);
        for (const x of [r.smin, r.smax]) expect(x >= S64_MIN && x <= S64_MAX).toBe(true);
        for (const x of [r.u32Min, r.u32Max]) expect(Number.isInteger(x) && x >= 0 && x <= 0xffffffff).toBe(true);
        for (const x of [r.s32Min, r.s32Max]) expect(Number.isInteger(x) && x >= S32_MIN && x <= S32_MAX).toBe(true);
        expect(r.varOff.value & r.varOff.mask).toBe(0n);
      }), { numRuns: 8000 });
  });
  it('an empty s32 range [0, -1] wraps umax to U64_MAX (kernel: `if w6 s> w6` taken branch)', () => {
    // live 6.18.44: REG INVARIANTS VIOLATION (true_reg1): range bounds violation
    // u64=[0x0, 0xffffffffffffffff] s64=[0x0, 0xffffffffffffffff] u32=[0x0, 0xffffffff] s32=[0x0, 0xffffffff]
    const r = makeScalarUnknown();
    r.smin = -1n; r.smax = 0n; r.s32Min = 0; r.s32Max = -1;
    regBoundsSync(r);
    expect([r.umin, r.umax, r.smin, r.smax, r.u32Min, r.u32Max, r.s32Min, r.s32Max])
      .toEqual([0n, M, 0n, -1n, 0, 0xffffffff, 0, -1]);
    expect(regBoundsSanityCheck(r, 'true_reg1')).toContain('range bounds violation u64=[0x0, 0xffffffffffffffff] s64=[0x0, 0xffffffffffffffff]');
  });
});

describe('u32/s32 ranges crossing the sign boundary (6.18.y stable, fbc7aef517d8)', () => {
  it('u32 overlapping only the negative half of s32 (kernel: `w7 = (s8)w3; if w7 >= 0x2533823b`)', () => {
    const r = makeScalarUnknown();
    r.umax = 0xffffffffn; r.smin = 0n; r.smax = 0xffffffffn;
    r.s32Min = -128; r.s32Max = 127;
    r.u32Min = 0x2533823b;
    r.varOff = { value: 0n, mask: 0xffffffffn };
    reg32DeduceBounds(r);
    expect([r.u32Min, r.s32Min, r.s32Max]).toEqual([0xffffff80, -128, -1]);
    regBoundsSync(r);
    expect(formatRegState(r)).toBe(
      'scalar(smin=umin=umin32=0xffffff80,smax=umax=0xffffffff,smin32=-128,smax32=-1,var_off=(0xffffff80; 0x7f))');
  });
  it('u32 overlapping only the non-negative half of s32', () => {
    const r = makeScalarUnknown();
    r.s32Min = -3; r.s32Max = 3; r.u32Max = 100;
    reg32DeduceBounds(r);
    expect([r.u32Min, r.u32Max, r.s32Min, r.s32Max]).toEqual([0, 3, 0, 3]);
  });
  it('JMP32 example from a generated program: umin32=12 and s32 [-3, 3] gives [-3, -2]', () => {
    // before the JMP32 the kernel had s32 [-3, 3] (u32 wraps); the false branch added u32 <= 0xfffffffe
    const r = makeScalarUnknown();
    r.umax = 0xffffffffn; r.smin = 0n; r.smax = 0xffffffffn;
    r.s32Min = -3; r.s32Max = 3; r.u32Min = 12; r.u32Max = 0xfffffffe;
    r.varOff = { value: 0n, mask: 0xffffffffn };
    regBoundsSync(r);
    expect(formatRegState(r)).toBe(
      'scalar(smin=umin=umin32=0xfffffffd,smax=umax=umax32=0xfffffffe,smin32=-3,smax32=-2,var_off=(0xfffffffc; 0x3))');
  });
  it('no refinement when u32 meets both halves of s32', () => {
    const r = makeScalarUnknown();
    r.s32Min = -3; r.s32Max = 3; r.u32Min = 2; r.u32Max = 0xfffffffe;
    reg32DeduceBounds(r);
    expect([r.u32Min, r.u32Max, r.s32Min, r.s32Max]).toEqual([2, 0xfffffffe, -3, 3]);
  });
});
