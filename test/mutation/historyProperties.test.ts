// The properties as a test, for mutation runs (npm run mutants) and CI:
// seeded generated programs through every history property, the shared
// design with backedge propagation off (where it must equal copy) and the
// pinned design with it on. A mutant of src/history that changes what any
// property sees fails here.
import { describe, expect, it } from 'vitest';
import { checkProperties, type PropertyName } from '../../properties/index.js';
import { generatePrograms, type PresetName } from '../../generators/index.js';

const PRESETS: PresetName[] = ['small', 'loops', 'medium', 'calls', 'callbacks'];
const programs = PRESETS.flatMap((preset) => generatePrograms({ preset, count: 24, seed: 99 }).programs);

const failures = (names: PropertyName[], b: 'shared' | 'pinned', backedge: boolean): string[] => {
  const out: string[] = [];
  for (const p of programs) {
    for (const [n, o] of checkProperties(names, p, { a: 'copy', b, backedge })) if (!o.ok) out.push(`${p.name}: ${n}: ${o.diff.summary}`);
  }
  return out;
};

describe('history properties over generated programs', () => {
  it('shared, backedge off: sharedMatchesCopy and the three audits hold', () => {
    expect(failures(['sharedMatchesCopy', 'noClobber', 'readFidelity', 'chainShape'], 'shared', false)).toEqual([]);
  });
  it('pinned, backedge on: pinnedMatchesCopy and the three audits hold', () => {
    expect(failures(['pinnedMatchesCopy', 'noClobber', 'readFidelity', 'chainShape'], 'pinned', true)).toEqual([]);
  });
});
