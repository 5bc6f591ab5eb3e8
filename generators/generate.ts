// Deterministic batch generation for the CLI (`verihist gen`) and benchmarks.

import fc from 'fast-check';
import type { Program } from '../src/isa/program.js';
import { programArb } from './arbitraries.js';
import { renderProgram } from './render.js';
import type { Preset, PresetName } from './presets.js';
import { getPreset, presetForKernel } from './presets.js';
import type { ProgramTree } from './tree.js';

export interface GenerateOptions {
  preset: PresetName | Preset;
  count: number;
  /** fast-check seed; random when omitted (the chosen one is returned). */
  seed?: number;
  /** Override the preset's fraction of programs holding a risky block. */
  risky?: number;
  /** Generate only what this kernel release loads (e.g. no may_goto for 6.1). */
  release?: string;
}

export interface Generated {
  programs: Program[];
  trees: ProgramTree[];
  seed: number;
}

/** `count` programs, identical for identical (preset, count, seed, risky). */
export function generatePrograms(o: GenerateOptions): Generated {
  const seed = o.seed ?? (Math.random() * 0x7fffffff) | 0;
  const base = getPreset(o.preset);
  const p = o.release ? presetForKernel(base, o.release) : base;
  const arb = programArb(typeof o.preset === 'string' && p === base ? o.preset : p, o.risky !== undefined ? { risky: o.risky } : {});
  const trees = o.count > 0 ? fc.sample(arb, { seed, numRuns: o.count }) : [];
  const programs = trees.map((t, i) => renderProgram(t, `${p.name}_${i}`));
  return { programs, trees, seed };
}

/** Programs per second for a preset (generation + rendering), for `npm run bench`. */
export function generatorSpeed(preset: PresetName | Preset, count = 2000, seed = 1): number {
  const t0 = performance.now();
  generatePrograms({ preset, count, seed });
  return count / ((performance.now() - t0) / 1000);
}
