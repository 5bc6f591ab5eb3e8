// is_scalar_branch_taken's 32-bit half runs on numbers; it must decide exactly
// what the earlier formulation (u32/s32 bounds widened to bigint, subregister
// tnums) decides, for every opcode and any registers, consistent or not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE,
} from '../../src/isa/opcode.js';
import { RegType, type BpfRegState, type Tnum } from '../../src/verifier/state/reg.js';
import { isScalarBranchTaken, BPF_JSET_REV, type BranchOutcome } from '../../src/verifier/check/branch.js';
import { isRegConst, makeScalarUnknown, S64_MAX, U64_MAX } from '../../src/verifier/state/scalar.js';
import { tnumIsConst, tnumOverlap, tnumSubreg } from '../../src/verifier/state/tnum.js';

function refBranchTaken(reg1: BpfRegState, reg2: BpfRegState, opcode: number, is32: boolean): BranchOutcome {
  let t1: Tnum = is32 ? tnumSubreg(reg1.varOff) : reg1.varOff;
  let t2: Tnum = is32 ? tnumSubreg(reg2.varOff) : reg2.varOff;
  const umin1 = is32 ? BigInt(reg1.u32Min) : reg1.umin;
  const umax1 = is32 ? BigInt(reg1.u32Max) : reg1.umax;
  const smin1 = is32 ? BigInt(reg1.s32Min) : reg1.smin;
  const smax1 = is32 ? BigInt(reg1.s32Max) : reg1.smax;
  const umin2 = is32 ? BigInt(reg2.u32Min) : reg2.umin;
  const umax2 = is32 ? BigInt(reg2.u32Max) : reg2.umax;
  const smin2 = is32 ? BigInt(reg2.s32Min) : reg2.smin;
  const smax2 = is32 ? BigInt(reg2.s32Max) : reg2.smax;
  switch (opcode) {
    case BPF_JEQ:
    case BPF_JNE: {
      const eq = opcode === BPF_JEQ;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return (t1.value === t2.value) === eq ? 1 : 0;
      const differ = !tnumOverlap(t1, t2) || umin1 > umax2 || umax1 < umin2 || smin1 > smax2 || smax1 < smin2 ||
        (!is32 && (reg1.u32Min > reg2.u32Max || reg1.u32Max < reg2.u32Min ||
          reg1.s32Min > reg2.s32Max || reg1.s32Max < reg2.s32Min));
      if (differ) return eq ? 0 : 1;
      break;
    }
    case BPF_JSET: {
      if (!isRegConst(reg2, is32)) {
        const tr = reg1; reg1 = reg2; reg2 = tr;
        const tt = t1; t1 = t2; t2 = tt;
      }
      if (!isRegConst(reg2, is32)) return -1;
      if ((~t1.mask & t1.value) & t2.value) return 1;
      if (!((t1.mask | t1.value) & t2.value)) return 0;
      break;
    }
    case BPF_JGT: if (umin1 > umax2) return 1; if (umax1 <= umin2) return 0; break;
    case BPF_JSGT: if (smin1 > smax2) return 1; if (smax1 <= smin2) return 0; break;
    case BPF_JLT: if (umax1 < umin2) return 1; if (umin1 >= umax2) return 0; break;
    case BPF_JSLT: if (smax1 < smin2) return 1; if (smin1 >= smax2) return 0; break;
    case BPF_JGE: if (umin1 >= umax2) return 1; if (umax1 < umin2) return 0; break;
    case BPF_JSGE: if (smin1 >= smax2) return 1; if (smax1 < smin2) return 0; break;
    case BPF_JLE: if (umax1 <= umin2) return 1; if (umin1 > umax2) return 0; break;
    case BPF_JSLE: if (smax1 <= smin2) return 1; if (smin1 > smax2) return 0; break;
    default: break;
  }
  return -1;
}

const u64Arb = fc.oneof(
  fc.constantFrom(0n, 1n, 7n, 0xffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, S64_MAX, 1n << 63n, U64_MAX),
  fc.bigInt({ min: 0n, max: 0xffn }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const u32Arb = fc.oneof(fc.constantFrom(0, 1, 7, 0x7fffffff, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 0xff }),
  fc.integer({ min: 0, max: 0xffffffff }));
const regArb = fc.record({
  value: u64Arb, mask: u64Arb, constLow: fc.boolean(), scalar: fc.boolean(), a: u64Arb, b: u64Arb, c: u64Arb, d: u64Arb,
  e: u32Arb, f: u32Arb, g: u32Arb, h: u32Arb,
}).map((x) => {
  const r = makeScalarUnknown();
  const mask = x.constLow ? x.mask & ~0xffffffffn : x.mask;
  r.varOff = { value: x.value & ~mask, mask };
  if (!x.scalar) r.type = RegType.PTR_TO_STACK;
  r.umin = x.a; r.umax = x.b;
  r.smin = BigInt.asIntN(64, x.c); r.smax = BigInt.asIntN(64, x.d);
  r.u32Min = x.e; r.u32Max = x.f; r.s32Min = x.g | 0; r.s32Max = x.h | 0;
  return r;
});
const opcodes = [BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JSET_REV, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE];

describe('isScalarBranchTaken matches the bigint formulation', () => {
  it('every opcode, 32 and 64 bit', () => {
    fc.assert(fc.property(regArb, regArb, fc.constantFrom(...opcodes), fc.boolean(), (a, b, op, is32) => {
      expect(isScalarBranchTaken(a, b, op, is32)).toBe(refBranchTaken(a, b, op, is32));
      expect(isScalarBranchTaken(a, a, op, is32)).toBe(refBranchTaken(a, a, op, is32));
    }), { numRuns: 30000, seed: 41 });
  });
});
