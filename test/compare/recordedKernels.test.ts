// Each kernel profile against results recorded on a real kernel of that
// profile (fixtures/generated@PROFILE.json: the live kernel or the VM oracle),
// so every profile stays checked on machines that run another kernel: every
// generated program must give the recorded verdict, errno, statistics and the
// very same level-2 log (and level-1 log, where recorded: what level 2 alone
// prints must stay out of it). These also serve the mutation runs of the precision
// and pruning code (vitest.mutants.verifier.config.ts): a mutant that changes
// a mark_precise line or a state count fails here in milliseconds.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePrograms, PRESET_NAMES } from '../../generators/index.js';
import { CopyHistory } from '../../src/history/copy.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { findProfile } from '../../src/verifier/profile/index.js';
import { normalizeMapLoads } from '../../src/verifier/check/mapAccess.js';
import type { Program } from '../../src/isa/program.js';

interface Recorded {
  name: string; verdict: string; errno: number; insns: number; total_states: number; peak_states: number;
  max_states_per_insn: number; logSha256: string;
  /** The level-1 log, where the fixture recorded it. */
  log1Sha256?: string;
}
interface Fixture { kernel: { release: string; profile: string }; seed: number; count: number; programs: Recorded[] }

const dir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(dir).filter((f) => /^generated@.+\.json$/.test(f)).sort();
const strip = (log: string): string => log.split('\n').filter((l) => !/^verification time \d+ usec$/.test(l)).join('\n');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);
/** What the fixture records of a log: its hash without timing and map addresses. */
const logHash = (log: string | undefined, p: Program): string => sha(strip(normalizeMapLoads(log ?? '', p)));

it('fixtures exist for the 6.12 and the live 6.18 build profiles', () => {
  expect(fixtures).toEqual(expect.arrayContaining(['generated@6.12.json', 'generated@6.18.44-fc-v1272.json']));
});

for (const file of fixtures) {
  const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
  describe(`profile ${fixture.kernel.profile} vs results recorded on ${fixture.kernel.release}`, () => {
    const profile = findProfile(fixture.kernel.profile);
    const recorded = new Map(fixture.programs.map((r) => [r.name, r]));
    // Presets recorded in the fixture (presets added later are checked against the kernel by compare).
    const presets = PRESET_NAMES.filter((p) => fixture.programs.some((r) => r.name.startsWith(`${p}_`)));

    it('names a known profile and holds every program of its presets', () => {
      expect(file).toBe(`generated@${fixture.kernel.profile}.json`);
      expect(profile).toBeDefined();
      expect(presets.length).toBeGreaterThanOrEqual(6);
      expect(fixture.programs.length).toBe(presets.length * fixture.count);
    });

    for (const preset of presets) {
      it(`${preset}: ${fixture.count} programs, same verdict, statistics and log`, () => {
        const { programs } = generatePrograms({ preset, count: fixture.count, seed: fixture.seed });
        for (const p of programs) {
          const want = recorded.get(p.name);
          expect(want, p.name).toBeDefined();
          const run = (logLevel: 1 | 2) => verifyProgram(p, { history: new CopyHistory(), logLevel, ...(profile ? { profile } : {}) });
          const r = run(2);
          const got = {
            name: p.name, verdict: r.verdict, errno: r.errno, insns: r.insns, total_states: r.total_states,
            peak_states: r.peak_states, max_states_per_insn: r.max_states_per_insn, logSha256: logHash(r.log, p),
          };
          if (want?.log1Sha256 !== undefined) {
            Object.assign(got, { log1Sha256: logHash(run(1).log, p) });
          }
          expect(got).toEqual(want);
        }
      });
    }
  });
}
