// Walks the whole selftests corpus: every instruction the 6.18 kernel prints
// for a corpus program at log level 2 must equal our disassembly, byte for byte.
import { describe, expect, test } from 'vitest';
import { readCorpus } from '../../src/corpus/reader.js';
import { disasmInsn } from '../../src/isa/disasm.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { logInsnLines } from './logLines.js';

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`corpus disasm vs live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('every printed instruction of every loadable corpus program matches', () => {
    const { programs } = readCorpus();
    let compared = 0;
    let distinct = 0;
    let withLog = 0;
    const mismatches: string[] = [];
    for (const cp of programs) {
      const p = cp.program;
      const r = bpfProgLoad(encodeProgram(p.insns), p.progType, p.flags, 2);
      const lines = logInsnLines(r.log);
      if (lines.length) withLog++;
      distinct += new Set(lines.map((l) => l.idx)).size;
      for (const { idx, text } of lines) {
        compared++;
        const mine = disasmInsn(p.insns, idx);
        if (mine !== text) mismatches.push(`${cp.file}:${cp.name} insn ${idx}: kernel '${text}' vs ours '${mine}'`);
      }
    }
    console.log(`corpus disasm: ${compared} instruction lines (${distinct} distinct instructions) compared over ${withLog}/${programs.length} programs, ${mismatches.length} mismatches`);
    expect(mismatches).toEqual([]);
    expect(withLog).toBeGreaterThan(200);
    expect(compared).toBeGreaterThan(5000);
  });
});
