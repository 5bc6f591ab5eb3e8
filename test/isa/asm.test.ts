import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { disasmProgram } from '../../src/isa/disasm.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { IsaError } from '../../src/isa/errors.js';
import { insn, type Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { canonicalInsn } from './arbitraries.js';
import { prng, randomProgram } from './kernelCorpus.js';
import { insnsToAsm } from '../../src/isa/programFile.js';

const a1 = (text: string): Insn => {
  const p = assemble(text);
  expect(p).toHaveLength(1);
  return p[0]!;
};

describe('assemble: selftests / LLVM syntax', () => {
  it('ALU, mov, movsx, neg, endian', () => {
    expect(a1('r0 = 0;')).toEqual(insn(0xb7, 0, 0, 0, 0));
    expect(a1('w1 = w2;')).toEqual(insn(0xbc, 1, 2, 0, 0));
    expect(a1('r1 += -8;')).toEqual(insn(0x07, 1, 0, 0, -8));
    expect(a1('w3 s>>= 0x3')).toEqual(insn(0xc4, 3, 0, 0, 3));
    expect(a1('r1 s/= r2')).toEqual(insn(0x3f, 1, 2, 1, 0));
    expect(a1('w1 s%= 7')).toEqual(insn(0x94, 1, 0, 1, 7));
    expect(a1('r1 = (s8)r2;')).toEqual(insn(0xbf, 1, 2, 8, 0));
    expect(a1('w1 = (s16) w2;')).toEqual(insn(0xbc, 1, 2, 16, 0));
    expect(a1('r1 = -r1;')).toEqual(insn(0x87, 1, 0, 0, 0));
    expect(a1('r1 = be16 r1;')).toEqual(insn(0xdc, 1, 0, 0, 16));
    expect(a1('r1 = le32 r1;')).toEqual(insn(0xd4, 1, 0, 0, 32));
    expect(a1('r1 = bswap32 r1;')).toEqual(insn(0xd7, 1, 0, 0, 32));
    expect(a1('r2 = -5')).toEqual(insn(0xb7, 2, 0, 0, -5));
  });

  it('ld_imm64', () => {
    expect(assemble('r1 = 0x123456789 ll;')).toEqual([insn(0x18, 1, 0, 0, 0x23456789), insn(0, 0, 0, 0, 1)]);
    expect(assemble('r1 = 5 ll')).toEqual([insn(0x18, 1, 0, 0, 5), insn(0, 0, 0, 0, 0)]);
    expect(assemble('r1 = -1 ll')).toEqual([insn(0x18, 1, 0, 0, -1), insn(0, 0, 0, 0, -1)]);
    // too wide for mov64's s32 imm: ld_imm64 without `ll`
    expect(assemble('r1 = 0xffffffff')).toEqual([insn(0x18, 1, 0, 0, -1), insn(0, 0, 0, 0, 0)]);
  });

  it('memory, atomics', () => {
    expect(a1('*(u64*)(r10 - 8) = r1;')).toEqual(insn(0x7b, 10, 1, -8, 0));
    expect(a1('*(u32 *)(r10 -4) = 0;')).toEqual(insn(0x62, 10, 0, -4, 0));
    expect(a1('*(u32 *)(r10 - 4) = w1;')).toEqual(insn(0x63, 10, 1, -4, 0));
    expect(a1('r1 = *(u8*)(r1 + 0);')).toEqual(insn(0x71, 1, 1, 0, 0));
    expect(a1('w1 = *(u16 *)(r2 + 0x10);')).toEqual(insn(0x69, 1, 2, 16, 0));
    expect(a1('r0 = *(s16 *)(r1 + 2);')).toEqual(insn(0x89, 0, 1, 2, 0));
    expect(a1('r0 = *(u64 *)(r1)')).toEqual(insn(0x79, 0, 1, 0, 0));
    expect(a1('lock *(u64 *)(r10 - 8) += r1;')).toEqual(insn(0xdb, 10, 1, -8, 0));
    expect(a1('lock *(u32 *)(r10 - 8) ^= w1;')).toEqual(insn(0xc3, 10, 1, -8, 0xa0));
    expect(a1('r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)')).toEqual(insn(0xdb, 10, 0, -8, 0x01));
    expect(a1('w2 = atomic_fetch_or((u32 *)(r10 - 8), w2)')).toEqual(insn(0xc3, 10, 2, -8, 0x41));
    expect(a1('r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)')).toEqual(insn(0xdb, 10, 1, -8, 0xf1));
    expect(a1('r1 = atomic64_xchg((u64 *)(r10 -8), r1)')).toEqual(insn(0xdb, 10, 1, -8, 0xe1));
    expect(a1('r0 = load_acquire((u8 *)(r1 +4))')).toEqual(insn(0xd3, 0, 1, 4, 0x100));
    expect(a1('store_release((u16 *)(r1 +0), r2)')).toEqual(insn(0xcb, 1, 2, 0, 0x110));
    expect(a1('r0 = *(u32 *)skb[5]')).toEqual(insn(0x20, 0, 0, 0, 5));
    expect(a1('r0 = *(u8 *)skb[r3 + 7]')).toEqual(insn(0x50, 0, 3, 0, 7));
  });

  it('jumps, labels, calls', () => {
    const p = assemble(`
      r0 = 0;
      if r1 > 7 goto l0_%=;
      if w1 s< w2 goto +1;
      goto l1_%=;
    l0_%=:
      may_goto l1_%=;
      gotol l0_%=;
    l1_%=:
      call %[bpf_get_prandom_u32];
      call bpf_get_prandom_u32;
      call 7;
      call sub;
      exit;
    sub:
      r0 = 1; exit;
    `);
    expect(p).toEqual([
      insn(0xb7, 0, 0, 0, 0),
      insn(0x25, 1, 0, 2, 7),
      insn(0xce, 1, 2, 1, 0),
      insn(0x05, 0, 0, 2, 0),
      insn(0xe5, 0, 0, 1, 0),
      insn(0x06, 0, 0, 0, -2),
      insn(0x85, 0, 0, 0, 7),
      insn(0x85, 0, 0, 0, 7),
      insn(0x85, 0, 0, 0, 7),
      insn(0x85, 0, 1, 0, 1),
      insn(0x95, 0, 0, 0, 0),
      insn(0xb7, 0, 0, 0, 1),
      insn(0x95, 0, 0, 0, 0),
    ]);
    expect(assemble('x: goto x')).toEqual([insn(0x05, 0, 0, -1, 0)]);
    expect(assemble('goto -3; goto pc+2')).toEqual([insn(0x05, 0, 0, -3, 0), insn(0x05, 0, 0, 2, 0)]);
  });

  it('comments, separators, C string literals, .insn', () => {
    const p = assemble([
      '; type: xdp',
      '/* block',
      '   comment */ r0 = 0 // trailing',
      '# hash comment',
      '"r1 = 1;"',
      '"r2 = 2;\\n"',
      'r3 = 3 # after',
      '.insn 0xff, 1, 2, -3, 4',
    ].join('\n'));
    expect(p).toEqual([insn(0xb7, 0, 0, 0, 0), insn(0xb7, 1, 0, 0, 1), insn(0xb7, 2, 0, 0, 2), insn(0xb7, 3, 0, 0, 3),
      insn(0xff, 1, 2, -3, 4)]);
  });

  it('accepts kernel log lines with index, opcode and state annotations', () => {
    const p = assemble([
      '0: (b7) r0 = 5                        ; R0=5',
      '1: (18) r1 = 0x12ffffffff             ; R1=0x12ffffffff',
      '3: (85) call bpf_get_prandom_u32#7',
      '(85) call kernel-function#1234',
      'r2 = 1',
      '5: (25) if r0 > 0x7 goto pc+1',
      '(95) exit          ;',
    ].join('\n'));
    expect(p).toEqual([insn(0xb7, 0, 0, 0, 5), insn(0x18, 1, 0, 0, -1), insn(0, 0, 0, 0, 0x12), insn(0x85, 0, 0, 0, 7),
      insn(0x85, 0, 2, 0, 1234), insn(0xb7, 2, 0, 0, 1), insn(0x25, 0, 0, 1, 7), insn(0x95, 0, 0, 0, 0)]);
  });

  it('reports errors with file:line', () => {
    const err = (text: string, opts?: { file?: string; firstLine?: number }): string => {
      try {
        assemble(text, opts);
      } catch (e) {
        expect(e).toBeInstanceOf(IsaError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err('r0 = 0\n  xyz r1', { file: 'a.s' })).toBe("a.s:2: unknown mnemonic 'xyz'");
    expect(err('r0 = 0\nxyz', { file: 'a.s', firstLine: 10 })).toBe("a.s:11: unknown mnemonic 'xyz'");
    expect(err('goto nowhere', { file: 'a.s' })).toBe("a.s:1: undefined label 'nowhere'");
    expect(err('l: exit\nl: exit', { file: 'a.s' })).toBe("a.s:2: duplicate label 'l'");
    expect(err('r16 = 0')).toBe('line 1: register r16 out of range');
    expect(err('r1 += 0x100000000')).toMatch(/out of 32-bit range/);
    expect(err('goto +40000')).toMatch(/out of range/);
    expect(err('r1 = *(u64 *)(r2 + 40000)')).toMatch(/offset .* out of 16-bit range/);
    expect(err('(07) r1 = 0')).toMatch(/opcode prefix \(07\) does not match/);
    expect(err('r1 += r2 r3')).toMatch(/cannot parse/);
    expect(err('w1 = r2')).toMatch(/mixed r\/w/);
    expect(err('call %[bpf_iter_num_new]')).toMatch(/unknown helper 'bpf_iter_num_new'.*#ID/);
    expect(assemble('call 0x7')).toEqual([insn(0x85, 0, 0, 0, 7)]);
  });

  it('round trips disasmProgram for canonical programs', () => {
    fc.assert(fc.property(fc.array(canonicalInsn, { maxLength: 30 }), (parts) => {
      const p = parts.flat();
      expect(assemble(disasmProgram(p).join('\n'))).toEqual(p);
    }), { numRuns: 2000 });
  });

  it('insnsToAsm round trips any slots exactly (raw .insn where the text loses fields)', () => {
    const rnd = prng(7);
    for (let n = 0; n < 200; n++) {
      const p = randomProgram(rnd, 30);
      expect(assemble(insnsToAsm(p).join('\n'))).toEqual(p);
    }
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`assembled programs load in the kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  it('a selftests-style loop program is accepted', () => {
    const p = assemble(`
      call %[bpf_get_prandom_u32];
      r1 = r0;
      r0 = 0;
      *(u64 *)(r10 - 8) = r1;
    l0_%=:
      r0 += 1;
      if r0 < 10 goto l0_%=;
      r1 = *(u64 *)(r10 - 8);
      if r1 s> 5 goto l1_%=;
      call sub;
    l1_%=:
      exit;
    sub:
      r0 = 0;
      exit;
    `);
    const r = bpfProgLoad(encodeProgram(p), 'socket', 0, 2);
    expect(r.errno, r.log).toBe(0);
    expect(r.log).toContain('call pc+');
  });
});
