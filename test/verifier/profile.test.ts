import { describe, expect, it } from 'vitest';
import {
  BASELINE_PROFILE, NEWEST_PROFILE, PROFILES, SWITCHES, SWITCH_NAMES, differingSwitches, findProfile, formatSwitches,
  isSwitchName, matchProfile, profileNames, type KernelSwitches,
} from '../../src/verifier/profile/index.js';

describe('kernel behaviour switches', () => {
  it('every switch has a catalog entry naming its upstream change and where it acts', () => {
    for (const n of SWITCH_NAMES) {
      const s = SWITCHES[n];
      expect(s.name).toBe(n);
      expect(s.upstream.length).toBeGreaterThan(10);
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.actsIn.length).toBeGreaterThan(3);
    }
    expect(Object.keys(SWITCHES).sort()).toEqual([...SWITCH_NAMES].sort());
  });

  it('isSwitchName and differingSwitches', () => {
    expect(isSwitchName('movsxKeepsRange')).toBe(true);
    expect(isSwitchName('nope')).toBe(false);
    const a = BASELINE_PROFILE.switches;
    expect(differingSwitches(a, a)).toEqual([]);
    expect(differingSwitches(a, { ...a, movsxKeepsRange: true, pushStackE2big: true })).toEqual(['movsxKeepsRange', 'pushStackE2big']);
  });

  it('formatSwitches lists every switch in catalog order', () => {
    const line = formatSwitches(NEWEST_PROFILE.switches);
    expect(line.split(' ').map((w) => w.split('=')[0])).toEqual([...SWITCH_NAMES]);
    expect(formatSwitches(BASELINE_PROFILE.switches, ['movsxKeepsRange'])).toBe('movsxKeepsRange=off');
  });
});

describe('kernel profiles', () => {
  it('each profile sets every switch, and names are unique', () => {
    for (const p of PROFILES) expect(Object.keys(p.switches).sort()).toEqual([...SWITCH_NAMES].sort());
    expect(new Set(profileNames()).size).toBe(PROFILES.length);
  });

  it('6.18.44 is the baseline with every switch off; the newest profile is this machine\'s 6.18 build', () => {
    expect(findProfile('6.18.44')).toBe(BASELINE_PROFILE);
    expect(SWITCH_NAMES.every((n) => !BASELINE_PROFILE.switches[n])).toBe(true);
    expect(NEWEST_PROFILE).toBe(findProfile('6.18.44-fc-v1272'));
    expect(findProfile('6.12')?.switches.chainLiveness).toBe(true);
    expect(findProfile('no-such-kernel')).toBeUndefined();
  });

  it('no two profiles have the same switches (a probe could not tell them apart)', () => {
    for (const p of PROFILES) for (const q of PROFILES) if (p !== q) expect(differingSwitches(p.switches, q.switches)).not.toEqual([]);
  });

  it('matchProfile: every profile matches itself exactly', () => {
    for (const p of PROFILES) {
      const m = matchProfile(p.switches);
      expect(m).toEqual({ profile: p, exact: true, differing: [] });
    }
  });

  it('matchProfile: one flipped switch names the closest profile and that switch', () => {
    for (const p of PROFILES) {
      for (const n of SWITCH_NAMES) {
        const observed: KernelSwitches = { ...p.switches, [n]: !p.switches[n] };
        const m = matchProfile(observed);
        expect(m.exact).toBe(PROFILES.some((q) => differingSwitches(q.switches, observed).length === 0));
        if (!m.exact) expect(m.differing.length).toBe(1);
        expect(differingSwitches(m.profile.switches, observed)).toEqual(m.differing);
      }
    }
  });
});
