// The import rules of the design: no cycles, and layers import downwards only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importCycles, importGraph, type ImportGraph } from './importGraph.js';

const ROOT = join(import.meta.dirname, '../..');
const graph = importGraph(ROOT, ['src', 'properties', 'generators']);

/** Project layers, lowest first; a file may import its own layer or lower ones. */
const PROJECT_LAYERS: readonly (readonly string[])[] = [
  ['src/isa', 'src/result', 'src/util'],
  ['src/history'],
  ['src/verifier'],
  ['src/kernel', 'src/corpus', 'generators'],
  ['src/vm'],
  ['src/compare'],
  ['properties'],
  ['src/report'],
  ['src/fuzz'],
  ['src/cli'],
];

/** Layers inside src/verifier (kernel concepts), lowest first. */
const VERIFIER_LAYERS: readonly (readonly string[])[] = [
  ['profile'],
  ['state'],
  ['log', 'cfg'],
  ['liveness'],
  ['precision'],
  ['pruning'],
  ['check'],
  ['verify.ts', 'index.ts'],
];

const layerOf = (layers: readonly (readonly string[])[], unit: string): number =>
  layers.findIndex((l) => l.includes(unit));

const projectUnit = (f: string): string => f.split('/').slice(0, f.startsWith('src/') ? 2 : 1).join('/');
const verifierUnit = (f: string): string => f.split('/')[2] as string;

function upwardImports(g: ImportGraph): string[] {
  const bad: string[] = [];
  for (const [from, tos] of g) {
    for (const to of tos) {
      const a = layerOf(PROJECT_LAYERS, projectUnit(from));
      const b = layerOf(PROJECT_LAYERS, projectUnit(to));
      if (a < 0 || b < 0) bad.push(`${from} -> ${to}: not in a layer`);
      else if (b > a) bad.push(`${from} -> ${to}`);
      if (from.startsWith('src/verifier/') && to.startsWith('src/verifier/')) {
        const va = layerOf(VERIFIER_LAYERS, verifierUnit(from));
        const vb = layerOf(VERIFIER_LAYERS, verifierUnit(to));
        if (va < 0 || vb < 0) bad.push(`${from} -> ${to}: not in a verifier layer`);
        else if (vb > va) bad.push(`${from} -> ${to}`);
      }
    }
  }
  return bad;
}

describe('source layout', () => {
  test('the import graph is read from the sources', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/verifier/verify.ts')?.has('src/verifier/check/doCheck.ts')).toBe(true);
  });

  test('no import cycle in src/, properties/ or generators/', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  test('imports go downwards: cli > fuzz > report > properties > compare > kernel > verifier > history > isa', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  test('the checks catch a cycle and an upward import', () => {
    const g: ImportGraph = new Map([
      ['src/verifier/state/env.ts', new Set(['src/verifier/pruning/pruning.ts'])],
      ['src/verifier/pruning/pruning.ts', new Set(['src/verifier/state/env.ts'])],
      ['src/kernel/oracle.ts', new Set(['src/cli/main.ts'])],
      ['src/cli/main.ts', new Set<string>()],
    ]);
    expect(importCycles(g)).toEqual([['src/verifier/pruning/pruning.ts', 'src/verifier/state/env.ts']]);
    expect(upwardImports(g)).toEqual(['src/verifier/state/env.ts -> src/verifier/pruning/pruning.ts', 'src/kernel/oracle.ts -> src/cli/main.ts']);
  });

  test('no file in src/verifier over 600 lines without a reason on its first line', () => {
    const long = [...graph.keys()].filter((f) => f.startsWith('src/verifier/')).flatMap((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const lines = text.split('\n').length;
      return lines > 600 && !/^\/\/ Over 600 lines: /.test(text) ? [`${f}: ${lines} lines`] : [];
    });
    expect(long).toEqual([]);
  });

  test('each verifier folder says what it holds in the header of its index', () => {
    for (const dir of VERIFIER_LAYERS.flat().filter((u) => !u.endsWith('.ts'))) {
      const text = readFileSync(join(ROOT, 'src/verifier', dir, 'index.ts'), 'utf8');
      expect(text.startsWith('// '), dir).toBe(true);
    }
  });
});
