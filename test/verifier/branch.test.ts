import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE,
  BPF_AND, BPF_SUB, BPF_ADD,
} from '../../src/isa/opcode.js';
import type { Insn } from '../../src/isa/insn.js';
import { cloneReg } from '../../src/verifier/state/regState.js';
import {
  makeScalarUnknown, makeScalarConst, regBoundsSync, regContains, regBoundsSanityCheck,
} from '../../src/verifier/state/index.js';
import {
  isScalarBranchTaken, isBranchTaken, regsRefineCondOp, regSetMinMax, revOpcode, flipOpcode, BPF_JSET_REV,
} from '../../src/verifier/check/branch.js';
import { formatRegState } from '../../src/verifier/log/regfmt.js';
import { A, compareRuns, kernelOk } from './kernelHarness.js';

const M64 = (1n << 64n) - 1n;
const JOPS = [BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE];

function holds(op: number, is32: boolean, x: bigint, y: bigint): boolean {
  const bits = is32 ? 32 : 64;
  const a = BigInt.asUintN(bits, x), b = BigInt.asUintN(bits, y);
  const sa = BigInt.asIntN(bits, x), sb = BigInt.asIntN(bits, y);
  switch (op) {
    case BPF_JEQ: return a === b;
    case BPF_JNE: return a !== b;
    case BPF_JSET: return (a & b) !== 0n;
    case BPF_JSET_REV: return (a & b) === 0n;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    default: throw new Error(`op ${op}`);
  }
}

/** Abstract scalar (tnum + narrowed ranges) together with a concrete member. */
const absWithMember = fc.record({
  base: fc.bigInt({ min: 0n, max: M64 }),
  mask: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xfn }), fc.bigInt({ min: 0n, max: 0xffn }),
    fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.constant(M64), fc.constant(0xffffffff00000000n)),
  pick: fc.bigInt({ min: 0n, max: M64 }),
  lo: fc.bigInt({ min: 0n, max: 300n }),
  hi: fc.bigInt({ min: 0n, max: 300n }),
}).map(({ base, mask, pick, lo, hi }) => {
  const value = base & ~mask;
  const member = value | (pick & mask);
  const reg = makeScalarUnknown();
  reg.varOff = { value, mask };
  const umin = member > lo ? member - lo : 0n;
  const umax = member + hi > M64 ? M64 : member + hi;
  if (umin > reg.umin) reg.umin = umin;
  if (umax < reg.umax) reg.umax = umax;
  regBoundsSync(reg);
  return { reg, member };
});
const smallAbs = fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 40 }))
  .map(([lo, w, k]) => {
    const reg = makeScalarUnknown();
    reg.smin = BigInt(lo);
    reg.smax = BigInt(lo + w);
    regBoundsSync(reg);
    return { reg, member: BigInt.asUintN(64, BigInt(lo + Math.min(k, w))) };
  });
const constAbs = fc.bigInt({ min: -40n, max: 40n }).map((v) => ({ reg: makeScalarConst(v), member: BigInt.asUintN(64, v) }));
const operand = fc.oneof(absWithMember, smallAbs, constAbs);

describe('branch soundness (fast-check)', () => {
  it('isScalarBranchTaken never answers 1/0 wrongly', () => {
    fc.assert(fc.property(fc.constantFrom(...JOPS), fc.boolean(), operand, operand, (op, is32, a, b) => {
      fc.pre(regContains(a.reg, a.member) && regContains(b.reg, b.member));
      const pred = isScalarBranchTaken(a.reg, b.reg, op, is32);
      const h = holds(op, is32, a.member, b.member);
      if (pred === 1) expect(h).toBe(true);
      if (pred === 0) expect(h).toBe(false);
    }), { numRuns: 6000 });
  });

  it('regSetMinMax keeps every concrete pair in the branch whose condition it satisfies', () => {
    fc.assert(fc.property(fc.constantFrom(...JOPS), fc.boolean(), operand, operand, (op, is32, a, b) => {
      fc.pre(regContains(a.reg, a.member) && regContains(b.reg, b.member));
      fc.pre(isScalarBranchTaken(a.reg, b.reg, op, is32) === -1);
      const t1 = cloneReg(a.reg), t2 = cloneReg(b.reg), f1 = cloneReg(a.reg), f2 = cloneReg(b.reg);
      const msgs = regSetMinMax(t1, t2, f1, f2, op, is32);
      expect(msgs).toEqual([]);
      const taken = holds(op, is32, a.member, b.member);
      const [r1, r2] = taken ? [t1, t2] : [f1, f2];
      expect(regContains(r1, a.member), `${op} ${is32} ${formatRegState(r1)} ∌ ${a.member}`).toBe(true);
      expect(regContains(r2, b.member), `${op} ${is32} ${formatRegState(r2)} ∌ ${b.member}`).toBe(true);
      for (const r of [t1, t2, f1, f2]) expect(regBoundsSanityCheck(r, 't')).toBeNull();
    }), { numRuns: 6000 });
  });

  it('regsRefineCondOp with the same register on both sides is sound', () => {
    fc.assert(fc.property(fc.constantFrom(BPF_JEQ, BPF_JLE, BPF_JSGE, BPF_JSET), fc.boolean(), absWithMember, (op, is32, a) => {
      const r = cloneReg(a.reg);
      regsRefineCondOp(r, r, op, is32);
      regBoundsSync(r);
      if (holds(op, is32, a.member, a.member)) expect(regContains(r, a.member)).toBe(true);
    }), { numRuns: 1000 });
  });
});

describe('branch unit cases', () => {
  it('rev and flip opcode tables', () => {
    for (const op of JOPS) expect(revOpcode(revOpcode(op))).toBe(op);
    expect(revOpcode(BPF_JSET)).toBe(BPF_JSET_REV);
    expect(flipOpcode(BPF_JGT)).toBe(BPF_JLT);
    expect(flipOpcode(BPF_JSLE)).toBe(BPF_JSGE);
    expect(flipOpcode(BPF_JEQ)).toBe(BPF_JEQ);
  });
  it('u8 compared with constants', () => {
    const r = makeScalarUnknown();
    r.umax = 255n;
    regBoundsSync(r);
    expect(isBranchTaken(r, makeScalarConst(300n), BPF_JGT, false)).toBe(0);
    expect(isBranchTaken(r, makeScalarConst(255n), BPF_JLE, false)).toBe(1);
    expect(isBranchTaken(r, makeScalarConst(10n), BPF_JGT, false)).toBe(-1);
    expect(isBranchTaken(r, makeScalarConst(0x100n), BPF_JSET, false)).toBe(0);
    const t = cloneReg(r), f = cloneReg(r);
    regSetMinMax(t, makeScalarConst(10n), f, makeScalarConst(10n), BPF_JGT, false);
    expect(formatRegState(t)).toBe('scalar(smin=umin=smin32=umin32=11,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    expect(formatRegState(f)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=10,var_off=(0x0; 0xf))');
  });
  it('pointer compared with 0 needs regNotNull', () => {
    const p = makeScalarUnknown();
    p.type = 2; // PTR_TO_CTX
    p.varOff = { value: 0n, mask: 0n };
    expect(isBranchTaken(p, makeScalarConst(0n), BPF_JEQ, false)).toBe(-1);
    expect(isBranchTaken(p, makeScalarConst(0n), BPF_JEQ, false, () => true)).toBe(0);
    expect(isBranchTaken(makeScalarConst(0n), p, BPF_JNE, false, () => true)).toBe(1);
  });
});

// ---- kernel agreement -------------------------------------------------------

const k = kernelOk();

/** r6: u8, r7: [-8,7], r8: unknown, r9: [0,7] then `if rD op X goto +2; r0 = 1; exit; r0 = 2; exit`. */
function jmpProgram(jmp: Insn, pre: Insn[] = []): Insn[] {
  return [
    A.prandom(), A.mov64X(6, 0), A.alu64K(BPF_AND, 6, 0xff),
    A.prandom(), A.mov64X(7, 0), A.alu64K(BPF_AND, 7, 0xf), A.alu64K(BPF_SUB, 7, 8),
    A.prandom(), A.mov64X(8, 0),
    A.prandom(), A.mov64X(9, 0), A.alu64K(BPF_AND, 9, 7),
    ...pre,
    jmp, A.mov64K(0, 1), A.exit(), A.mov64K(0, 2), A.exit(),
  ];
}

const names: Record<number, string> = {
  [BPF_JEQ]: 'jeq', [BPF_JNE]: 'jne', [BPF_JSET]: 'jset', [BPF_JGT]: 'jgt', [BPF_JGE]: 'jge', [BPF_JLT]: 'jlt',
  [BPF_JLE]: 'jle', [BPF_JSGT]: 'jsgt', [BPF_JSGE]: 'jsge', [BPF_JSLT]: 'jslt', [BPF_JSLE]: 'jsle',
};
const cases: [string, Insn[]][] = [];
for (const op of JOPS) {
  const n = names[op] as string;
  cases.push([`jmp ${n} u8 K`, jmpProgram(A.jK(op, 6, op === BPF_JSET ? 4 : 10, 2))]);
  cases.push([`jmp ${n} s4 K`, jmpProgram(A.jK(op, 7, op === BPF_JSET ? 1 : -3, 2))]);
  cases.push([`jmp ${n} unknown K`, jmpProgram(A.jK(op, 8, op === BPF_JSET ? 0x80 : 7, 2))]);
  cases.push([`jmp ${n} X`, jmpProgram(A.jX(op, 6, 9, 2))]);
  cases.push([`jmp32 ${n} K`, jmpProgram(A.j32K(op, 8, op === BPF_JSET ? 2 : -5, 2))]);
  cases.push([`jmp32 ${n} X`, jmpProgram(A.j32X(op, 7, 9, 2))]);
}
// predicted outcomes and edge constants
cases.push(['jgt predicted false', jmpProgram(A.jK(BPF_JGT, 6, 300, 2))]);
cases.push(['jle predicted true', jmpProgram(A.jK(BPF_JLE, 6, 255, 2))]);
cases.push(['jne at the edge', jmpProgram(A.jK(BPF_JNE, 6, 0, 2))]);
cases.push(['jset of unknown bit', jmpProgram(A.jK(BPF_JSET, 6, 0x100, 2))]);
cases.push(['jsgt 64 with hi bits', jmpProgram(A.jK(BPF_JSGT, 8, -1, 2), [A.alu64K(BPF_ADD, 8, 0)])]);
cases.push(['jmp32 jeq mixes 64-bit', jmpProgram(A.j32K(BPF_JEQ, 6, 5, 2))]);
// u32 range meeting one half of an s32 range that crosses 0 (6.18.y stable fbc7aef517d8)
cases.push(['movsx then jge: u32 meets the negative s32 half', jmpProgram(A.jK(BPF_JGE, 8, 0x2533823b, 2), [A.mov32X(8, 8, 8)])]);
cases.push(['jmp32 jlt: u32 meets the negative s32 half', jmpProgram(A.j32K(BPF_JLT, 7, 12, 2), [A.alu32K(BPF_ADD, 7, 3)])]);
cases.push(['jmp32 jgt: u32 meets the non-negative s32 half', jmpProgram(A.j32K(BPF_JGT, 9, 1, 2), [A.alu32K(BPF_ADD, 9, -3)])]);

describe.skipIf(!k.ok)(`branch agreement with the live kernel ${k.reason}`, () => {
  let total = 0;
  it.each(cases)('%s', (_n, prog) => {
    const { mismatches, compared } = compareRuns(prog);
    total += compared;
    expect(mismatches).toEqual([]);
  });
  it('compared a meaningful number of register texts', () => {
    expect(total).toBeGreaterThan(300);
  });
});
