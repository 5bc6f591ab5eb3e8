import { scalarIdAfterAlu } from '../../src/verifier/check/aluOp.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH,
  BPF_NEG, BPF_END,
} from '../../src/isa/opcode.js';
import type { Insn } from '../../src/isa/insn.js';
import type { BpfRegState } from '../../src/verifier/state/reg.js';
import { cloneReg } from '../../src/verifier/state/regState.js';
import { tnumRange, tnumIntersect, tnumContains } from '../../src/verifier/state/tnum.js';
import {
  makeScalarUnknown, makeScalarConst, regBoundsSync, regContains, regBoundsSanityCheck, toU64,
} from '../../src/verifier/state/index.js';
import {
  adjustScalarMinMaxVals, scalarForkKind, movReg, isSafeToComputeDstRegRange,
} from '../../src/verifier/check/index.js';
import { formatRegState } from '../../src/verifier/log/regfmt.js';
import { A, compareRuns, kernelOk } from './kernelHarness.js';

// ---- concrete semantics (the interpreter's) -----------------------------------

const M64 = (1n << 64n) - 1n;
const bswap = (x: bigint, bytes: number): bigint => {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(i * 8)) & 0xffn);
  return r;
};

function concrete(op: number, is64: boolean, x: bigint, y: bigint, endImm = 64, toBe = false): bigint {
  const bits = is64 ? 64 : 32;
  const mask = (1n << BigInt(bits)) - 1n;
  const a = x & mask;
  const b = y & mask;
  const sa = BigInt.asIntN(bits, a);
  let r: bigint;
  switch (op) {
    case BPF_ADD: r = a + b; break;
    case BPF_SUB: r = a - b; break;
    case BPF_MUL: r = a * b; break;
    case BPF_DIV: r = b === 0n ? 0n : a / b; break;
    case BPF_MOD: r = b === 0n ? a : a % b; break;
    case BPF_OR: r = a | b; break;
    case BPF_AND: r = a & b; break;
    case BPF_XOR: r = a ^ b; break;
    case BPF_LSH: r = a << (b & BigInt(bits - 1)); break;
    case BPF_RSH: r = a >> (b & BigInt(bits - 1)); break;
    case BPF_ARSH: r = sa >> (b & BigInt(bits - 1)); break;
    case BPF_NEG: r = -a; break;
    case BPF_END: {
      const n = endImm / 8;
      if (is64 || toBe) return bswap(x, n);
      return endImm === 64 ? x : x & ((1n << BigInt(endImm)) - 1n);
    }
    default: throw new Error(`op ${op}`);
  }
  return r & mask; // ALU32 zero-extends
}

// ---- random abstract values with a concrete member -----------------------------

/** An abstract scalar built like the verifier builds them, plus one concrete member. */
const absWithMember = fc.record({
  base: fc.bigInt({ min: 0n, max: M64 }),
  mask: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffn }), fc.bigInt({ min: 0n, max: 0xffffffffn }),
    fc.bigInt({ min: 0n, max: M64 }), fc.constant(M64)),
  pick: fc.bigInt({ min: 0n, max: M64 }),
  shrink: fc.bigInt({ min: 0n, max: M64 }),
  shrink2: fc.bigInt({ min: 0n, max: M64 }),
}).map(({ base, mask, pick, shrink, shrink2 }) => {
  const value = base & ~mask;
  const member = value | (pick & mask);
  const reg = makeScalarUnknown();
  reg.varOff = { value, mask };
  // narrow the unsigned range around the member, staying sound
  const lo = member >= shrink % (member + 1n) ? member - (shrink % (member + 1n)) : 0n;
  const hiRoom = M64 - member;
  const hi = member + (hiRoom === 0n ? 0n : shrink2 % (hiRoom + 1n));
  reg.umin = lo < value ? value : lo;
  reg.umax = hi > (value | mask) ? value | mask : hi;
  regBoundsSync(reg);
  return { reg, member };
});

const constWithMember = fc.bigInt({ min: -(1n << 63n), max: M64 }).map((v) => ({ reg: makeScalarConst(v), member: toU64(v) }));
const smallConst = fc.integer({ min: 0, max: 63 }).map((v) => ({ reg: makeScalarConst(BigInt(v)), member: BigInt(v) }));
const operand = fc.oneof(absWithMember, constWithMember, smallConst);

const OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG];

describe('adjustScalarMinMaxVals soundness (fast-check)', () => {
  it('every concrete result lies in the abstract result, and bounds stay consistent', () => {
    fc.assert(fc.property(fc.constantFrom(...OPS), fc.boolean(), absWithMember, operand, (op, is64, d, s) => {
      fc.pre(regContains(d.reg, d.member) && regContains(s.reg, s.member));
      const dst = cloneReg(d.reg);
      adjustScalarMinMaxVals(op, is64, dst, s.reg);
      const expectVal = concrete(op, is64, d.member, s.member);
      expect(regBoundsSanityCheck(dst, 'test')).toBeNull();
      expect(regContains(dst, expectVal), `${op} ${is64} ${d.member} ${s.member} -> ${expectVal} ${formatRegState(dst)}`).toBe(true);
    }), { numRuns: 4000 });
  });

  it('BPF_END (le/be 16/32/64, bswap) is sound', () => {
    fc.assert(fc.property(fc.constantFrom(16, 32, 64), fc.boolean(), fc.boolean(), absWithMember, (imm, is64, toBe, d) => {
      fc.pre(regContains(d.reg, d.member));
      const dst = cloneReg(d.reg);
      adjustScalarMinMaxVals(BPF_END, is64, dst, dst, { imm, toBe: is64 ? false : toBe });
      const v = concrete(BPF_END, is64, d.member, 0n, imm, is64 ? false : toBe);
      expect(regContains(dst, v)).toBe(true);
      expect(regBoundsSanityCheck(dst, 'test')).toBeNull();
    }), { numRuns: 1500 });
  });

  it('MOVSX/MOV32 value computations are sound', () => {
    fc.assert(fc.property(fc.constantFrom(0, 8, 16, 32), fc.boolean(), absWithMember, (off, is64, s) => {
      fc.pre(regContains(s.reg, s.member));
      fc.pre(is64 || off !== 32);
      const dst = makeScalarUnknown();
      movReg(dst, s.reg, is64, off, 5);
      let v: bigint;
      if (is64) v = off === 0 ? s.member : toU64(BigInt.asIntN(off, s.member));
      else v = off === 0 ? s.member & 0xffffffffn : BigInt.asUintN(32, BigInt.asIntN(off, s.member));
      expect(regContains(dst, v)).toBe(true);
      expect(regBoundsSanityCheck(dst, 'test')).toBeNull();
      if (!is64) expect(dst.subregDef).toBe(6);
    }), { numRuns: 1500 });
  });
});

describe('adjustScalarMinMaxVals unit cases', () => {
  const u8 = (): BpfRegState => {
    const r = makeScalarUnknown();
    r.varOff = tnumIntersect(r.varOff, tnumRange(0n, 255n));
    regBoundsSync(r);
    return r;
  };
  it('and/add/lsh chain prints like the kernel', () => {
    const r = makeScalarUnknown();
    adjustScalarMinMaxVals(BPF_AND, true, r, makeScalarConst(0xffn));
    expect(formatRegState(r)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    adjustScalarMinMaxVals(BPF_ADD, true, r, makeScalarConst(3n));
    expect(formatRegState(r)).toBe('scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=258,var_off=(0x0; 0x1ff))');
    adjustScalarMinMaxVals(BPF_LSH, true, r, makeScalarConst(2n));
    expect(formatRegState(r)).toBe('scalar(smin=umin=smin32=umin32=12,smax=umax=smax32=umax32=1032,var_off=(0x0; 0x7fc))');
    adjustScalarMinMaxVals(BPF_END, false, r, r, { imm: 16, toBe: true });
    expect(formatRegState(r)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=0xfc07,var_off=(0x0; 0xfc07))');
  });
  it('DIV and MOD give an unknown scalar in 6.18, shifts by non-constants too', () => {
    for (const op of [BPF_DIV, BPF_MOD]) {
      const r = u8();
      adjustScalarMinMaxVals(op, true, r, makeScalarConst(3n));
      expect(formatRegState(r)).toBe('scalar()');
    }
    expect(isSafeToComputeDstRegRange(BPF_LSH, true, u8())).toBe(false);
    expect(isSafeToComputeDstRegRange(BPF_LSH, false, makeScalarConst(32n))).toBe(false);
    expect(isSafeToComputeDstRegRange(BPF_LSH, true, makeScalarConst(32n))).toBe(true);
  });
  it('r += r uses the old value of src', () => {
    const r = u8();
    adjustScalarMinMaxVals(BPF_ADD, true, r, r);
    expect(r.umax).toBe(510n);
    expect(r.umin).toBe(0n);
  });
  it('NEG of [0,1] is [-1,0]', () => {
    const r = makeScalarUnknown();
    adjustScalarMinMaxVals(BPF_AND, true, r, makeScalarConst(1n));
    adjustScalarMinMaxVals(BPF_NEG, true, r, r);
    expect(formatRegState(r)).toBe('scalar(smin=smin32=-1,smax=smax32=0)');
    expect(scalarForkKind(BPF_AND, r, makeScalarConst(5n))).toBe('alu64');
    expect(scalarForkKind(BPF_XOR, r, makeScalarConst(5n))).toBeNull();
    expect(scalarForkKind(BPF_AND, r, u8())).toBeNull();
  });
  it('64-bit add of a constant to a linked scalar records the delta', () => {
    const r = u8();
    r.id = 4;
    const k = makeScalarConst(3n);
    adjustScalarMinMaxVals(BPF_ADD, true, r, k);
    const o = { bpfCapable: true, addOnly: false };
    scalarIdAfterAlu(BPF_ADD, false, r, true, 3n, 255n, o);
    expect(formatRegState(r).startsWith('scalar(id=4+3,')).toBe(true);
    scalarIdAfterAlu(BPF_ADD, false, r, true, 3n, 255n, o);
    expect(r.id).toBe(0);
    r.id = 4;
    scalarIdAfterAlu(BPF_SUB, true, r, true, 3n, 255n, o);
    expect(formatRegState(r).startsWith('scalar(id=4-3,')).toBe(true);
    // 6.12 (linkedRegsAddOnly): a negative delta or BPF_SUB unlinks, keeping off
    r.id = 4;
    r.off = 0;
    scalarIdAfterAlu(BPF_ADD, false, r, true, -3n, 255n, { bpfCapable: true, addOnly: true });
    expect([r.id, r.off]).toEqual([0, 0]);
    r.id = 4;
    scalarIdAfterAlu(BPF_ADD, false, r, true, 3n, 255n, { bpfCapable: true, addOnly: true });
    expect([r.id >>> 0 !== 4, r.off]).toEqual([true, 3]);
    scalarIdAfterAlu(BPF_XOR, false, r, true, 3n, 255n, { bpfCapable: true, addOnly: true });
    expect([r.id, r.off]).toEqual([0, 3]);
  });
  it('tnum of a sum contains the sum', () => {
    const r = u8();
    adjustScalarMinMaxVals(BPF_ADD, false, r, makeScalarConst(-1n));
    expect(tnumContains(r.varOff, 0xffffffffn)).toBe(true);
    expect(r.umax).toBe(0xffffffffn);
  });
});

// ---- kernel agreement ------------------------------------------------------------

const k = kernelOk();

/** dst setups in r6..r9 (r6 u8, r7 [-8,7], r8 unknown, r9 [0,7]) then ops on copies in r1..r5. */
function opProgram(op: number, is64: boolean, kImms: number[], xSrc: number[]): Insn[] {
  const p: Insn[] = [
    A.prandom(), A.mov64X(6, 0), A.alu64K(BPF_AND, 6, 0xff),
    A.prandom(), A.mov64X(7, 0), A.alu64K(BPF_AND, 7, 0xf), A.alu64K(BPF_SUB, 7, 8),
    A.prandom(), A.mov64X(8, 0),
    A.prandom(), A.mov64X(9, 0), A.alu64K(BPF_AND, 9, 7),
  ];
  const dsts = [6, 7, 8];
  let scratch = 1;
  const nextScratch = (): number => {
    const r = scratch;
    scratch = scratch === 5 ? 1 : scratch + 1;
    return r;
  };
  const mov = is64 ? A.mov64X : A.mov32X;
  for (const d of dsts) {
    for (const imm of kImms) {
      const r = nextScratch();
      p.push(mov(r, d), is64 ? A.alu64K(op, r, imm) : A.alu32K(op, r, imm));
    }
    for (const s of xSrc) {
      const r = nextScratch();
      p.push(mov(r, d), is64 ? A.alu64X(op, r, s) : A.alu32X(op, r, s));
    }
  }
  p.push(A.mov64K(0, 0), A.exit());
  return p;
}

interface Case { name: string; prog: Insn[] }

const cases: Case[] = [];
const arith = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_XOR];
const names: Record<number, string> = {
  [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_MUL]: 'mul', [BPF_DIV]: 'div', [BPF_MOD]: 'mod', [BPF_OR]: 'or',
  [BPF_AND]: 'and', [BPF_XOR]: 'xor', [BPF_LSH]: 'lsh', [BPF_RSH]: 'rsh', [BPF_ARSH]: 'arsh',
};
for (const is64 of [true, false]) {
  const w = is64 ? 'alu64' : 'alu32';
  for (const op of arith) cases.push({ name: `${w} ${names[op]}`, prog: opProgram(op, is64, [3, -1, 0x7fffffff, -0x80000000], [7, 9, 6]) });
  for (const op of [BPF_AND, BPF_OR]) cases.push({ name: `${w} ${names[op]}`, prog: opProgram(op, is64, [0xf0, -16, 0x10000], [7, 9, 8]) });
  for (const op of [BPF_LSH, BPF_RSH, BPF_ARSH]) {
    cases.push({ name: `${w} ${names[op]}`, prog: opProgram(op, is64, is64 ? [0, 1, 31, 32, 63] : [0, 1, 16, 31], [9]) });
  }
}
cases.push({
  name: 'neg, end, movsx, mov32, ld_imm64',
  prog: [
    A.prandom(), A.mov64X(6, 0), A.alu64K(BPF_AND, 6, 0xfff), A.alu64K(BPF_SUB, 6, 0x800),
    A.prandom(), A.mov64X(7, 0),
    A.mov64X(1, 6), A.neg64(1), A.mov64X(2, 6), A.neg32(2),
    A.mov64X(3, 6), A.be(3, 16), A.mov64X(4, 6), A.be(4, 32), A.mov64X(5, 6), A.be(5, 64),
    A.mov64X(1, 6), A.le(1, 16), A.mov64X(2, 6), A.le(2, 32), A.mov64X(3, 7), A.le(3, 64),
    A.mov64X(4, 6), A.bswap(4, 16), A.mov64X(5, 7), A.bswap(5, 32), A.mov64X(1, 6), A.bswap(1, 64),
    A.mov64X(2, 6, 8), A.mov64X(3, 6, 16), A.mov64X(4, 6, 32), A.mov64X(5, 7, 8),
    A.mov32X(1, 6), A.mov32X(2, 6, 8), A.mov32X(3, 6, 16), A.mov32X(4, 7), A.mov32X(5, 7, 16),
    A.mov32K(1, -1), A.mov64K(2, -1), A.mov64K(3, 65535), A.mov64K(4, -32769),
    ...A.ldImm64(5, 0x123456789n),
    A.mov64K(0, 0), A.exit(),
  ],
});
cases.push({
  name: 'and/or fork of [-1,0] (alu64 and alu32)',
  prog: [
    A.prandom(), A.mov64X(6, 0), A.alu64K(BPF_AND, 6, 1), A.neg64(6), A.alu64K(BPF_OR, 6, 4),
    A.mov64X(7, 0), A.alu64K(BPF_AND, 7, 1), A.neg32(7), A.alu32K(BPF_AND, 7, 6),
    A.mov64K(0, 0), A.exit(),
  ],
});
cases.push({
  name: 'shift patterns (<<32 s>>32, wide shifts of negatives)',
  prog: [
    A.prandom(), A.mov64X(6, 0), A.alu64K(BPF_AND, 6, 0xff), A.alu64K(BPF_SUB, 6, 100),
    A.mov64X(1, 6), A.alu64K(BPF_LSH, 1, 32), A.alu64K(BPF_ARSH, 1, 32),
    A.mov64X(2, 6), A.alu32K(BPF_LSH, 2, 24), A.alu32K(BPF_ARSH, 2, 24),
    A.mov64X(3, 6), A.alu64K(BPF_RSH, 3, 60), A.mov64X(4, 6), A.alu32K(BPF_RSH, 4, 28),
    A.mov64X(5, 6), A.alu64K(BPF_MUL, 5, -3), A.alu64K(BPF_ADD, 5, 0x7fffffff),
    A.mov64K(0, 0), A.exit(),
  ],
});

describe.skipIf(!k.ok)(`ALU agreement with the live kernel ${k.reason}`, () => {
  let total = 0;
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { mismatches, compared } = compareRuns(c.prog);
    total += compared;
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(5);
  });
  it('compared a meaningful number of register texts', () => {
    expect(total).toBeGreaterThan(300);
  });
});
