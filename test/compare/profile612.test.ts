// The 6.12 profile against results recorded on a real 6.12 kernel (the VM
// oracle), so the profile stays checked on machines with no VM: every
// generated program must give the recorded verdict, errno, statistics and
// the very same level-2 log.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatePrograms, PRESET_NAMES } from '../../generators/index.js';
import { CopyHistory } from '../../src/history/copy.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { findProfile, type KernelProfile } from '../../src/verifier/profile/index.js';

interface Recorded {
  name: string; verdict: string; errno: number; insns: number; total_states: number; peak_states: number;
  max_states_per_insn: number; logSha256: string;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'generated@6.12.json'), 'utf8')) as {
  kernel: { profile: string }; seed: number; count: number; programs: Recorded[];
};
const strip = (log: string): string => log.split('\n').filter((l) => !/^verification time \d+ usec$/.test(l)).join('\n');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe('profile 6.12 vs results recorded on vm:6.12', () => {
  const profile = findProfile(fixture.kernel.profile) as KernelProfile;
  const recorded = new Map(fixture.programs.map((r) => [r.name, r]));

  // Presets recorded in the fixture (presets added later are checked against vm:6.12 by compare).
  const presets = PRESET_NAMES.filter((p) => fixture.programs.some((r) => r.name.startsWith(`${p}_`)));

  it('covers the six presets it was recorded with', () => {
    expect(profile).toBeDefined();
    expect(presets).toHaveLength(6);
    expect(fixture.programs.length).toBe(presets.length * fixture.count);
  });

  for (const preset of presets) {
    it(`${preset}: ${fixture.count} programs, same verdict, statistics and log`, () => {
      const { programs } = generatePrograms({ preset, count: fixture.count, seed: fixture.seed });
      for (const p of programs) {
        const want = recorded.get(p.name) as Recorded;
        expect(want, p.name).toBeDefined();
        const r = verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile });
        const got = {
          name: p.name, verdict: r.verdict, errno: r.errno, insns: r.insns, total_states: r.total_states,
          peak_states: r.peak_states, max_states_per_insn: r.max_states_per_insn, logSha256: sha(strip(r.log ?? '')),
        };
        expect(got).toEqual(want);
      }
    });
  }
});
