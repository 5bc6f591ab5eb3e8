import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInsn, decodeProgram, encodeInsn, encodeProgram } from '../../src/isa/encode.js';
import { IsaError } from '../../src/isa/errors.js';
import { insn } from '../../src/isa/insn.js';
import { anyInsn } from './arbitraries.js';

describe('encode/decode struct bpf_insn', () => {
  it('uses the kernel layout: code, dst low nibble, src high nibble, s16 off, s32 imm (LE)', () => {
    const b = encodeInsn(insn(0x7b, 10, 1, -8, 0x12345678));
    expect([...b]).toEqual([0x7b, 0x1a, 0xf8, 0xff, 0x78, 0x56, 0x34, 0x12]);
    expect(decodeInsn(b)).toEqual(insn(0x7b, 10, 1, -8, 0x12345678));
    expect(decodeInsn(new Uint8Array([0xb7, 0, 0, 0x80, 0, 0, 0, 0x80]))).toEqual(insn(0xb7, 0, 0, -0x8000, -0x80000000));
  });

  it('is a bijection on programs', () => {
    fc.assert(fc.property(fc.array(anyInsn, { maxLength: 40 }), (p) => {
      expect(decodeProgram(encodeProgram(p))).toEqual(p);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }).map((b) => b.subarray(0, b.length - (b.length % 8))), (b) => {
      expect(encodeProgram(decodeProgram(b))).toEqual(b);
    }), { numRuns: 500 });
  });

  it('keeps ld_imm64 as two slots', () => {
    const p = decodeProgram(new Uint8Array([0x18, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]));
    expect(p).toEqual([insn(0x18, 1, 0, 0, 1), insn(0, 0, 0, 0, 2)]);
  });

  it('rejects truncated input naming the byte offset and insn index', () => {
    expect(() => decodeProgram(new Uint8Array(19))).toThrow(IsaError);
    expect(() => decodeProgram(new Uint8Array(19))).toThrow(/byte offset 16 \(insn 2\).*3 trailing bytes/);
    expect(() => decodeProgram(new Uint8Array(5))).toThrow(/byte offset 0 \(insn 0\)/);
    expect(decodeProgram(new Uint8Array(0))).toEqual([]);
  });

  it('rejects out-of-range fields when encoding', () => {
    expect(() => encodeProgram([insn(0xb7, 0, 0, 0, 0), insn(0xb7, 16, 0, 0, 0)])).toThrow(/insn 1: dst_reg 16 out of range/);
    expect(() => encodeInsn(insn(0xb7, 0, 0, 0x8000, 0))).toThrow(IsaError);
    expect(() => encodeInsn(insn(0xb7, 0, 0, 0, 0x80000000))).toThrow(/imm/);
    expect(() => encodeInsn(insn(256, 0, 0, 0, 0))).toThrow(/code/);
    expect(() => encodeInsn(insn(0xb7, 0, 0, 0, 1.5))).toThrow(/imm/);
  });
});
