// fast-check arbitraries for instructions (test-only).

import fc from 'fast-check';
import type { Insn } from '../../src/isa/insn.js';
import { insn } from '../../src/isa/insn.js';

const reg = fc.integer({ min: 0, max: 15 });
const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
const s32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** Any slot: every field in range. */
export const anyInsn: fc.Arbitrary<Insn> = fc.record({
  code: fc.integer({ min: 0, max: 255 }), dst: reg, src: reg, off: s16, imm: s32,
});

const oneOf = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZES = [0x00, 0x08, 0x10, 0x18];
const cls = oneOf([0x04, 0x07]);

/**
 * Canonical instructions: every field is visible in the kernel's text, so
 * assemble(disasm(x)) must give x back. Returns 1 slot, or 2 for ld_imm64.
 */
export const canonicalInsn: fc.Arbitrary<Insn[]> = fc.oneof(
  fc.tuple(cls, oneOf(ALU_OPS), reg, s32).map(([c, op, d, imm]) => [insn(c | op, d, 0, 0, imm)]),
  fc.tuple(cls, oneOf(ALU_OPS), reg, reg).map(([c, op, d, s]) => [insn(c | op | 8, d, s, 0, 0)]),
  fc.tuple(cls, oneOf([0x30, 0x90]), reg, reg, fc.boolean(), s32)
    .map(([c, op, d, s, x, imm]) => [x ? insn(c | op | 8, d, s, 1, 0) : insn(c | op, d, 0, 1, imm)]),
  fc.tuple(cls, reg, reg, oneOf([8, 16, 32])).map(([c, d, s, off]) => [insn(c | 0xb8, d, s, off, 0)]),
  fc.tuple(cls, reg).map(([c, d]) => [insn(c | 0x80, d, 0, 0, 0)]),
  fc.tuple(oneOf([0xd4, 0xdc, 0xd7]), reg, oneOf([16, 32, 64])).map(([c, d, imm]) => [insn(c, d, 0, 0, imm)]),
  fc.tuple(reg, reg, s32).map(([d, s, imm]) => [insn(0xbf, d, s, 1, imm)]),
  fc.tuple(reg, reg).map(([d, s]) => [insn(0xbf, d, s, -1, 0)]),
  fc.tuple(oneOf(SIZES), fc.boolean(), reg, reg, s16)
    .map(([sz, sx, d, s, off]) => [insn(0x01 | (sx && sz !== 0x18 ? 0x80 : 0x60) | sz, d, s, off, 0)]),
  fc.tuple(oneOf(SIZES), reg, s16, s32).map(([sz, d, off, imm]) => [insn(0x62 | sz, d, 0, off, imm)]),
  fc.tuple(oneOf(SIZES), reg, reg, s16).map(([sz, d, s, off]) => [insn(0x63 | sz, d, s, off, 0)]),
  fc.tuple(oneOf([0x00, 0x18]), reg, reg, s16, oneOf([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]))
    .map(([sz, d, s, off, imm]) => [insn(0xc3 | sz, d, s, off, imm)]),
  fc.tuple(oneOf(SIZES), reg, reg, s16, oneOf([0x100, 0x110]))
    .map(([sz, d, s, off, imm]) => [insn(0xc3 | sz, d, s, off, imm)]),
  fc.tuple(oneOf([0x00, 0x08, 0x10]), fc.boolean(), reg, s32)
    .map(([sz, ind, s, imm]) => [insn((ind ? 0x40 : 0x20) | sz, 0, ind ? s : 0, 0, imm)]),
  fc.tuple(reg, u64).map(([d, v]) => [
    insn(0x18, d, 0, 0, Number(BigInt.asIntN(32, v))), insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n)))]),
  fc.tuple(oneOf([0x05, 0x06]), oneOf(JMP_OPS), reg, s32, s16).map(([c, op, d, imm, off]) => [insn(c | op, d, 0, off, imm)]),
  fc.tuple(oneOf([0x05, 0x06]), oneOf(JMP_OPS), reg, reg, s16).map(([c, op, d, s, off]) => [insn(c | op | 8, d, s, off, 0)]),
  s16.map((off) => [insn(0x05, 0, 0, off, 0)]),
  s16.map((off) => [insn(0xe5, 0, 0, off, 0)]),
  s32.map((imm) => [insn(0x06, 0, 0, 0, imm)]),
  fc.oneof(fc.integer({ min: 0, max: 220 }), s32).map((imm) => [insn(0x85, 0, 0, 0, imm)]),
  fc.tuple(oneOf([1, 2]), s32).map(([src, imm]) => [insn(0x85, 0, src, 0, imm)]),
  fc.constant<Insn[]>([insn(0x95, 0, 0, 0, 0)]),
  fc.constant<Insn[]>([insn(0xc2, 0, 0, 0, 0)]),
);
