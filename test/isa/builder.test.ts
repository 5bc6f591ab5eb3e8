import { describe, expect, it } from 'vitest';
import {
  alu32Imm, alu32Reg, alu64Imm, alu64Reg, atomic, atomicCmpxchg, atomicXchg, bswap, call, callPseudo, endian, exit, FP,
  gotol, ja, jmp32Imm, jmp32Reg, jmpImm, jmpReg, ldImm64, ldMapIdx, ldxMem, mayGoto, mov32Reg, mov64Imm, mov64Reg,
  movsx64, neg64, prog, R0, R1, R2, R10, stMem, stxMem,
} from '../../src/isa/builder.js';
import { disasmProgram } from '../../src/isa/disasm.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { bpfAvailable, bpfMapCreate, bpfProgLoad, closeFd } from '../../src/kernel/syscall.js';

describe('builder', () => {
  it('builds the documented forms', () => {
    const p = prog(
      mov64Imm(R0, 0), mov64Reg(R1, R10), alu64Imm('add', R1, -8), alu64Reg('sdiv', R1, R2), alu32Imm('smod', R1, 3),
      alu32Reg('arsh', R1, R2), mov32Reg(R1, R2), movsx64(R1, R2, 8), neg64(R1), endian('be', R1, 16), bswap(R1, 32),
      ldxMem('b', R1, R1, 0), ldxMem(2, R0, R1, 2, true), stxMem('dw', FP, R1, -8), stMem('w', FP, -4, 0),
      atomic('dw', 'add', FP, R1, -8), atomic('w', 'xor', FP, R2, -8, true), atomicXchg(8, FP, R1, -8),
      atomicCmpxchg('dw', FP, R1, -8), jmpImm('jgt', R1, 7, 2), jmp32Reg('jsgt', R1, R2, 1), jmpReg('jne', R1, R2, 0),
      jmp32Imm('jset', R1, 1, 0), ja(-4), gotol(5), mayGoto(3), call('bpf_get_prandom_u32'), call(1), callPseudo(2),
      ldImm64(R1, 0x123456789n), exit(),
    );
    expect(disasmProgram(p).map((l) => l.replace(/^\d+: /, ''))).toEqual([
      '(b7) r0 = 0', '(bf) r1 = r10', '(07) r1 += -8', '(3f) r1 s/= r2', '(94) w1 s%= 3', '(cc) w1 s>>= w2',
      '(bc) w1 = w2', '(bf) r1 = (s8)r2', '(87) r1 = -r1', '(dc) r1 = be16 r1', '(d7) r1 = bswap32 r1',
      '(71) r1 = *(u8 *)(r1 +0)', '(89) r0 = *(s16 *)(r1 +2)', '(7b) *(u64 *)(r10 -8) = r1', '(62) *(u32 *)(r10 -4) = 0',
      '(db) lock *(u64 *)(r10 -8) += r1', '(c3) r2 = atomic_fetch_xor((u32 *)(r10 -8), r2)',
      '(db) r1 = atomic64_xchg((u64 *)(r10 -8), r1)', '(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)',
      '(25) if r1 > 0x7 goto pc+2', '(6e) if w1 s> w2 goto pc+1', '(5d) if r1 != r2 goto pc+0',
      '(46) if w1 & 0x1 goto pc+0', '(05) goto pc-4', '(06) gotol pc+5', '(e5) may_goto pc+3',
      '(85) call bpf_get_prandom_u32#7', '(85) call bpf_map_lookup_elem#1', '(85) call pc+2',
      '(18) r1 = 0x123456789', '(95) exit',
    ]);
    expect(ldImm64(R1, -1n)).toHaveLength(2);
    expect(() => call('no_such_helper')).toThrow(/unknown helper/);
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`builder programs load${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  it('map lookup via ldMapIdx is accepted', () => {
    const fd = bpfMapCreate('array', 4, 8, 1);
    try {
      const p = prog(
        stMem('w', FP, -4, 0), mov64Reg(R2, FP), alu64Imm('add', R2, -4), ldMapIdx(R1, 0), call('map_lookup_elem'),
        jmpImm('jeq', R0, 0, 1), ldxMem('dw', R0, R0, 0), mov64Imm(R0, 0), exit(),
      );
      const r = bpfProgLoad(encodeProgram(p), 'socket', 0, 1, { mapFds: [fd] });
      expect(r.errno, r.log).toBe(0);
    } finally {
      closeFd(fd);
    }
  });
});
