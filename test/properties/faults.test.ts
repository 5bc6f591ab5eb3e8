// The fault catalog: at least 15 faults over history, precision and pruning,
// each named after what it imitates; every verifier fault changes the model's
// Result on some generated program its campaign would run (what the fault
// study relies on; `verihist fuzz --faults all` measures time and size).
import { describe, expect, it } from 'vitest';
import { FAULT_CATALOG, checkProperty, isFaultName } from '../../properties/index.js';
import { generatePrograms, type PresetName } from '../../generators/index.js';

describe('fault catalog', () => {
  it('holds at least 15 faults spread over history, precision and pruning', () => {
    expect(FAULT_CATALOG.length).toBeGreaterThanOrEqual(15);
    const by = (t: string): number => FAULT_CATALOG.filter((f) => f.target === t).length;
    expect(by('shared history') + by('pinned history')).toBeGreaterThanOrEqual(5);
    expect(by('precision')).toBeGreaterThanOrEqual(4);
    expect(by('pruning')).toBeGreaterThanOrEqual(3);
    for (const f of FAULT_CATALOG) {
      expect(isFaultName(f.name)).toBe(true);
      expect(f.imitates.length).toBeGreaterThan(20);
    }
    expect(new Set(FAULT_CATALOG.map((f) => f.name)).size).toBe(FAULT_CATALOG.length);
  });

  const programs = (['small', 'medium', 'loops', 'deep', 'calls'] as PresetName[]).flatMap((preset) =>
    generatePrograms({ preset, count: 60, seed: 17 }).programs);

  for (const f of FAULT_CATALOG.filter((x) => x.target === 'precision' || x.target === 'pruning')) {
    it(`${f.name} is visible to ${f.properties[0]}`, () => {
      const hit = programs.find((p) => !checkProperty('sharedMatchesCopy', p, { a: 'copy', b: f.b, backedge: f.backedge, fault: f.name }).ok);
      expect(hit, `no generated program shows ${f.name}`).toBeDefined();
    });
  }

  it('without a fault the same programs pass', () => {
    for (const p of programs.slice(0, 60)) expect(checkProperty('sharedMatchesCopy', p, { a: 'copy', b: 'copy', backedge: false }).ok).toBe(true);
  });
});
