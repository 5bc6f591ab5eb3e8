// Shrinking an existing counterexample further. With a stored tree: replay
// fast-check from the stored seed and path (when the generator still yields
// that tree, fast-check's own shrinks are available again) or else walk
// shrinkTree greedily from the stored tree; then instruction-level shrinking.
// Without a tree: instruction-level shrinking only.
import fc from 'fast-check';
import { renderProgram } from '../../generators/render.js';
import { shrinkTree, shrinkableProgramArb } from '../../generators/shrink.js';
import { PRESET_NAMES, type PresetName } from '../../generators/presets.js';
import type { ProgramTree } from '../../generators/tree.js';
import type { Program } from '../isa/program.js';
import { programToJson } from '../isa/programFile.js';
import { checkProperty } from '../../properties/index.js';
import { counterexampleProgram, propertyOptionsOf, type Counterexample } from '../report/counterexample.js';
import { makeJudge } from './judge.js';
import { shrinkInsns } from './shrinkInsns.js';

export interface ReshrinkResult {
  /** The property no longer fails on the stored program. */
  passes: boolean;
  before: number;
  after: number;
  counterexample: Counterexample;
  tries: number;
  via: 'tree+insns' | 'insns';
}

const sameTree = (a: ProgramTree, b: ProgramTree): boolean => JSON.stringify(a) === JSON.stringify(b);

export function reshrink(c: Counterexample, deadline: number): ReshrinkResult {
  const o = propertyOptionsOf(c);
  const stored = counterexampleProgram(c);
  const first = checkProperty(c.property, stored, o);
  if (first.ok) return { passes: true, before: stored.insns.length, after: stored.insns.length, counterexample: c, tries: 1, via: 'insns' };
  const judge = makeJudge(c.property, o, stored, first);
  const fails = (p: Program): boolean => judge.stillFails(p);
  const name = stored.name;
  let tree: ProgramTree | undefined;
  if (c.tree) {
    tree = c.tree;
    const preset = c.campaign?.preset;
    let replayed = false;
    if (c.fastCheck && preset && (PRESET_NAMES as readonly string[]).includes(preset)) {
      let best: ProgramTree | undefined;
      const r = fc.check(fc.property(shrinkableProgramArb(preset as PresetName), (t) => {
        if (Date.now() > deadline) return true;
        if (!replayed) {
          // The first value is the stored tree only if the generator is unchanged.
          replayed = true;
          if (!sameTree(t, c.tree as ProgramTree)) return true;
        }
        if (!fails(renderProgram(t, name))) return true;
        best = t;
        return false;
      }), { seed: c.fastCheck.seed, path: c.fastCheck.path, numRuns: 1 });
      if (r.failed && r.counterexample) tree = r.counterexample[0];
      else if (best) tree = best;
      replayed = best !== undefined;
    }
    if (!replayed) {
      // Greedy walk over the structural shrinks, as fast-check would do without context.
      let cur = tree;
      let moved = true;
      while (moved && Date.now() <= deadline) {
        moved = false;
        for (const t of shrinkTree(cur)) {
          if (Date.now() > deadline) break;
          if (fails(renderProgram(t, name))) {
            cur = t;
            moved = true;
            break;
          }
        }
      }
      tree = cur;
    }
  }
  const candidates: { p: Program; tree?: ProgramTree }[] = [{ p: shrinkInsns(stored, fails, { deadline }).program }];
  if (tree) {
    const fromTree = renderProgram(tree, name);
    if (fails(fromTree)) candidates.push({ p: shrinkInsns(fromTree, fails, { deadline }).program, tree });
  }
  const best = candidates.reduce((x, y) => (y.p.insns.length < x.p.insns.length ? y : x));
  const out = checkProperty(c.property, best.p, o);
  const next: Counterexample = {
    ...c,
    program: programToJson(best.p),
    insns: best.p.insns.length,
    ...(out.ok ? {} : { diff: out.diff, summary: out.diff.summary }),
  };
  if (best.tree) {
    next.tree = best.tree;
    next.treeInsns = renderProgram(best.tree, name).insns.length;
  }
  return { passes: false, before: stored.insns.length, after: best.p.insns.length, counterexample: next, tries: judge.runs, via: best.tree ? 'tree+insns' : 'insns' };
}
