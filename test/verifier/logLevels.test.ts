// The model's log at levels 1 and 4 (and 6 = 2|4) equals the live kernel's,
// with only the level-4 verification time masked (each side's own clock).
import { describe, expect, test } from 'vitest';
import { generatePrograms } from '../../generators/index.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { normalizeLines, firstDifferingLine } from '../../src/compare/diff.js';
import { liveProfile } from '../liveProfile.js';

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`log levels vs live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  for (const level of [1, 4, 6]) {
    test(`level ${level}`, () => {
      const diffs: string[] = [];
      let n = 0;
      for (const preset of ['small', 'loops', 'risky'] as const) {
        for (const p of generatePrograms({ preset, count: 15, seed: 40 + level }).programs) {
          const m = verifyProgram(p, { history: new CopyHistory(), logLevel: level, profile: liveProfile() });
          const k = loadInKernel(p, { logLevel: level as 1 | 4, keepLog: true });
          const d = firstDifferingLine(normalizeLines(m.log), normalizeLines(k.log));
          n++;
          if (d) diffs.push(`${p.name} line ${d.line}: model '${d.a}' kernel '${d.b}'`);
        }
      }
      expect(n).toBe(45);
      expect(diffs).toEqual([]);
    });
  }
});
