// Model vs live kernel on hand-written programs: verdict, errno, error, the
// full log (map addresses normalized, the time line dropped) and the
// statistics, at log levels 1, 2 and stats. Skipped without bpf().
import { describe, expect, test } from 'vitest';
import type { Program } from '../../src/isa/program.js';
import type { Result } from '../../src/result/result.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { normalizeMapLoads } from '../../src/verifier/check/mapAccess.js';

const strip = (log: string, p: Program): string => normalizeMapLoads(log.replace(/^verification time \d+ usec\n/m, ''), p);

export function describeAgainstLiveKernel(what: string, programs: readonly Program[], model: (p: Program, logLevel: number) => Result): void {
  const avail = bpfAvailable();
  describe.skipIf(!avail.ok)(`${what} against the live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
    for (const p of programs) {
      for (const level of [1, 2, 4]) {
        test(`${p.name}, log level ${level}`, () => {
          const k = loadInKernel(p, { logLevel: level, keepLog: true });
          const m = model(p, level);
          expect([m.verdict, m.errno, m.error]).toEqual([k.verdict, k.errno, k.error]);
          expect(strip(m.log ?? '', p)).toBe(strip(k.log ?? '', p));
          expect([m.insns, m.total_states, m.peak_states]).toEqual([k.insns, k.total_states, k.peak_states]);
        });
      }
    }
  });
}
