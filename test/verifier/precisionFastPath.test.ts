// backtrack_insn has a decoded fast path that runs only without a level-2 log
// (precision/backtrack.ts backtrackFast). The log must not change the analysis:
// at levels 0 and 2 every program gets the same verdict, counts and precise marks.
import { describe, expect, test } from 'vitest';
import { generatePrograms } from '../../generators/index.js';
import { PRESET_NAMES } from '../../generators/presets.js';
import { readCorpus } from '../../src/corpus/reader.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import type { Program } from '../../src/isa/program.js';
import { NEWEST_PROFILE, PROFILES } from '../../src/verifier/profile/profiles.js';

const analysis = (p: Program, logLevel: number, profile = NEWEST_PROFILE) => {
  const r = verifyProgram(p, { history: new CopyHistory(), backedgePropagation: true, logLevel, profile });
  return {
    verdict: r.verdict, errno: r.errno, error: r.error, insns: r.insns,
    states: [r.total_states, r.peak_states, r.max_states_per_insn], precision: r.precision,
  };
};

describe('precision without a log equals precision with the level-2 log', () => {
  test('selftests corpus', () => {
    const progs = readCorpus().programs;
    expect(progs.length).toBeGreaterThan(250);
    let precise = 0;
    for (const c of progs) {
      const quiet = analysis(c.program, 0);
      expect(quiet, `${c.file}:${c.name}`).toEqual(analysis(c.program, 2));
      if (quiet.precision?.some((s) => s.frames.some((f) => f.regs.length + f.stackSlots.length > 0))) precise++;
    }
    // The comparison means something only if many programs have precise marks.
    expect(precise).toBeGreaterThan(40);
  });

  for (const preset of PRESET_NAMES) {
    test(`generated, preset ${preset}, every profile`, () => {
      const { programs } = generatePrograms({ preset, count: 25, seed: 9100 });
      for (const profile of PROFILES) {
        for (const p of programs) expect(analysis(p, 0, profile), `${p.name} @${profile.name}`).toEqual(analysis(p, 2, profile));
      }
    });
  }
});
