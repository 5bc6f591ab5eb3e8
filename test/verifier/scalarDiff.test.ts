// Full level-2 log differential, model vs live kernel, on scalar-heavy
// generated programs (see scalarDiff.ts). Seeds are fixed so failures replay.
import { describe, expect, it } from 'vitest';
import {
  BPF_ALU64, BPF_ARSH, BPF_JMP32, BPF_JSGT, BPF_LSH, BPF_X,
} from '../../src/isa/opcode.js';
import { insn as mk } from '../../src/isa/insn.js';
import { makeProgram } from '../../src/isa/program.js';
import { compareMany, compareProgram, diffLogs, scalarProgram, scalarPrograms, presetPrograms } from './scalarDiff.js';
import { kernelOk } from './kernelHarness.js';

describe('diffLogs', () => {
  it('reports the first differing line with context', () => {
    expect(diffLogs('a\nb\n', 'a\nb\n').identical).toBe(true);
    const d = diffLogs('a\nb\nc\n', 'a\nB\nc\n');
    expect(d).toMatchObject({ identical: false, line: 2, kernel: 'b', model: 'B', context: ['a'] });
    expect(diffLogs('a\n', 'a\nextra\n')).toMatchObject({ line: 2, kernel: '<end>', model: 'extra' });
  });
  it('the generator is deterministic and ends every program with exit', () => {
    const a = scalarProgram('x:1', 20);
    expect(scalarProgram('x:1', 20)).toEqual(a);
    expect(a.insns[a.insns.length - 1]?.code).toBe(0x95);
    // every conditional jump lands inside the program
    a.insns.forEach((ins, i) => {
      if ((ins.code & 7) === 5 || (ins.code & 7) === 6) {
        if ((ins.code & 0xf0) !== 0x80 && (ins.code & 0xf0) !== 0x90) expect(i + 1 + ins.off).toBeLessThan(a.insns.length);
      }
    });
  });
});

const k = kernelOk();

describe.skipIf(!k.ok)(`full level-2 logs agree with the live kernel ${k.reason}`, () => {
  it('scalar-heavy programs (ALU32/64, MOVSX, END, DIV/MOD, JMP/JMP32 K and X)', () => {
    const s = compareMany([...scalarPrograms(150, 21, 14), ...scalarPrograms(60, 22, 30)]);
    const first = s.diffs[0];
    expect(first ? `${first.name} line ${first.line}\n K ${first.kernel}\n M ${first.model}` : '').toBe('');
    expect(s.identical).toBe(s.total);
  });
  it('generated deep/medium programs', () => {
    const s = compareMany([...presetPrograms('deep', 25, 7), ...presetPrograms('medium', 25, 2)]);
    const first = s.diffs[0];
    expect(first ? `${first.name} line ${first.line}\n K ${first.kernel}\n M ${first.model}` : '').toBe('');
  });
  it('`if w6 s> w6` on [-1, 0]: the empty taken branch trips the same invariant check', () => {
    // r6 in [-1, 0]; the taken branch refines s32 to [0, -1] and the kernel
    // logs a REG INVARIANTS VIOLATION (true_reg1), then resets r6's bounds
    const p = makeProgram([
      mk(0x85, 0, 0, 0, 7),
      mk(BPF_ALU64 | 0xb0 | BPF_X, 6, 0, 0, 0),
      mk(BPF_ALU64 | BPF_LSH, 6, 0, 0, 63),
      mk(BPF_ALU64 | BPF_ARSH, 6, 0, 0, 63),
      mk(BPF_JMP32 | BPF_JSGT | BPF_X, 6, 6, 1, 0),
      mk(BPF_ALU64 | 0xb0, 0, 0, 0, 0),
      mk(BPF_ALU64 | 0xb0, 0, 0, 0, 0),
      mk(0x95, 0, 0, 0, 0),
    ], { name: 'same_reg_jsgt' });
    const d = compareProgram(p);
    expect(d.kernelLog).toContain('REG INVARIANTS VIOLATION (true_reg1): range bounds violation');
    expect(d.identical ? '' : `line ${d.line}\n K ${d.kernel}\n M ${d.model}`).toBe('');
  });
});
