import { describe, expect, it } from 'vitest';
import { PROBES, probeMatches, probeSummary, probeSwitches, probeView, type KernelLoad } from '../../src/kernel/probe.js';
import { CopyHistory } from '../../src/history/copy.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import {
  BASELINE_PROFILE, NEWEST_PROFILE, PROFILES, SWITCH_NAMES, type KernelProfile, type KernelSwitches,
} from '../../src/verifier/profile/index.js';

const modelAs = (switches: KernelSwitches): KernelLoad => (p) => {
  const profile: KernelProfile = { name: 'fake', release: '', description: '', switches };
  return verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile });
};

describe('kernel probes (model as a fake kernel)', () => {
  const tellsApart = (switches: KernelSwitches, n: (typeof SWITCH_NAMES)[number]): boolean => {
    const prog = PROBES[n]();
    return probeView(modelAs({ ...switches, [n]: true })(prog)) !== probeView(modelAs({ ...switches, [n]: false })(prog));
  };

  it("each switch's probe program tells that switch apart under some profile", () => {
    for (const n of SWITCH_NAMES) expect(PROFILES.some((p) => tellsApart(p.switches, n)), n).toBe(true);
  });

  it('probing the model under each profile recovers that profile exactly', () => {
    for (const p of PROFILES) {
      const r = probeSwitches(modelAs(p.switches), 'fake-release');
      expect(r.match.profile.name).toBe(p.name);
      expect(probeMatches(r)).toBe(true);
      for (const n of SWITCH_NAMES) {
        // undecided only where no probe can see the switch next to this profile's other switches
        if (r.observed[n].value === null) expect(tellsApart(p.switches, n), `${n} under ${p.name}`).toBe(false);
        else expect(r.observed[n]).toEqual({ value: p.switches[n] });
      }
      expect(probeSummary(r)).toBe(`kernel fake-release matches profile ${p.name}`);
    }
  });

  it('a kernel between profiles gets the closest profile and the differing switch', () => {
    const odd = { ...NEWEST_PROFILE.switches, movsxKeepsRange: false };
    const r = probeSwitches(modelAs(odd), 'odd');
    expect(probeMatches(r)).toBe(false);
    expect(r.match.differing).toEqual(['movsxKeepsRange']);
    // switches no probe can see next to that setting stay undecided
    expect(probeSummary(r)).toMatch(/^kernel odd matches no profile \(closest .*: differs in movsxKeepsRange(; undecided: [a-zA-Z, ]+)?\)$/);
  });

  it('a kernel whose logs match neither setting leaves switches undecided', () => {
    const junk: KernelLoad = (p) => ({ ...modelAs(BASELINE_PROFILE.switches)(p), log: 'garbage\n' });
    const r = probeSwitches(junk, 'junk');
    expect(probeMatches(r)).toBe(false);
    for (const n of SWITCH_NAMES) expect(r.observed[n].value).toBeNull();
    expect(probeSummary(r)).toContain('undecided: ');
  });
});
