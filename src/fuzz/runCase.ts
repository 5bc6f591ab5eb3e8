// One run of a campaign: generate run k's tree, check every property on it,
// and shrink each failure (fast-check over the tree from the same seed and
// path, then instruction-level), keeping the best counterexample so far when
// told to stop.
import fc from 'fast-check';
import { renderProgram } from '../../generators/render.js';
import { shrinkableProgramArb } from '../../generators/shrink.js';
import type { ProgramTree } from '../../generators/tree.js';
import type { Program } from '../isa/program.js';
import { programToJson, type ProgramJson } from '../isa/programFile.js';
import { checkProperties, checkProperty, type PropertyDiff, type PropertyName, type PropertyOptions } from '../../properties/index.js';
import { propertyOptions, type FuzzConfig } from './config.js';
import { makeJudge } from './judge.js';
import { planRun, type RunPlan } from './plan.js';
import { shrinkInsns } from './shrinkInsns.js';

/** Stop requests shared with the coordinator (an Int32Array over a SharedArrayBuffer in workers). */
export interface StopFlags {
  /** Do not start another run. */
  noNewRuns(): boolean;
  /** Abandon shrinking now, keeping the best so far. */
  abortShrink(): boolean;
}

export const NEVER_STOP: StopFlags = { noNewRuns: () => false, abortShrink: () => false };

export const STOP_RUNS = 0;
export const STOP_SHRINK = 1;

export function flagsOver(arr: Int32Array): StopFlags {
  return {
    noNewRuns: () => Atomics.load(arr, STOP_RUNS) !== 0,
    abortShrink: () => Atomics.load(arr, STOP_SHRINK) !== 0,
  };
}

/** A shrunk failure, JSON-safe. */
export interface Failure {
  property: PropertyName;
  index: number;
  preset: string;
  fcSeed: number;
  /** fast-check's counterexample path (run:shrink:shrink...). */
  path: string;
  /** The tree fast-check shrank to. */
  tree: ProgramTree;
  originalInsns: number;
  treeInsns: number;
  /** The final program (after instruction-level shrinking when enabled). */
  program: ProgramJson;
  insns: number;
  diff: PropertyDiff;
  shrinkMs: number;
  shrinkRuns: number;
  /** Shrinking was cut short (time budget or a signal). */
  shrinkInterrupted: boolean;
}

export type Status = 'pass' | 'skip' | 'fail';

export interface RunResult {
  index: number;
  preset: string;
  status: Partial<Record<PropertyName, Status>>;
  /** First skip reason per property (for the report's skip column). */
  skipReasons: Partial<Record<PropertyName, string>>;
  failures: Failure[];
  ms: number;
}

function treeOf(plan: RunPlan): ProgramTree {
  let tree: ProgramTree | undefined;
  fc.check(fc.property(shrinkableProgramArb(plan.preset), (t) => { tree = t; return true; }), { seed: plan.fcSeed, path: plan.path, numRuns: 1 });
  if (!tree) throw new Error(`run ${plan.index}: fast-check produced no value`);
  return tree;
}

const progName = (plan: RunPlan): string => `${plan.preset}_${plan.index}`;

export interface ShrinkBudget {
  deadline: number;
  flags: StopFlags;
  insnShrink: boolean;
}

/** Shrinks a failing tree of run `plan` for `property`. */
export function shrinkFailure(property: PropertyName, plan: RunPlan, tree: ProgramTree, o: PropertyOptions, budget: ShrinkBudget): Failure {
  const t0 = Date.now();
  const original = renderProgram(tree, progName(plan));
  const judge = makeJudge(property, o, original);
  const out = (): boolean => budget.flags.abortShrink() || Date.now() > budget.deadline;
  let interrupted = false;
  let best = tree;
  const details = fc.check(fc.property(shrinkableProgramArb(plan.preset), (t) => {
    if (out()) {
      interrupted = true;
      return true; // pretend it passes: fast-check winds down and keeps the best so far
    }
    if (!judge.stillFails(renderProgram(t, progName(plan)))) return true;
    best = t;
    return false;
  }), { seed: plan.fcSeed, path: plan.path, numRuns: 1 });
  const shrunkTree = details.failed && details.counterexample ? details.counterexample[0] : best;
  const path = details.failed && details.counterexamplePath ? details.counterexamplePath : plan.path;
  const treeProgram = renderProgram(shrunkTree, progName(plan));
  let final: Program = treeProgram;
  if (budget.insnShrink && !out()) {
    const r = shrinkInsns(treeProgram, (p) => judge.stillFails(p), { deadline: budget.deadline, stopped: () => budget.flags.abortShrink() });
    final = r.program;
    interrupted ||= r.interrupted;
  }
  const outcome = checkProperty(property, final, o);
  const diff: PropertyDiff = outcome.ok ? { summary: 'no longer fails (flaky?)', lines: [] } : outcome.diff;
  return {
    property, index: plan.index, preset: plan.preset, fcSeed: plan.fcSeed, path, tree: shrunkTree,
    originalInsns: original.insns.length, treeInsns: treeProgram.insns.length,
    program: programToJson(final), insns: final.insns.length, diff,
    shrinkMs: Date.now() - t0, shrinkRuns: judge.runs, shrinkInterrupted: interrupted,
  };
}

/** The failure as found, before shrinking (so a run killed while shrinking loses nothing). */
export function unshrunkFailure(property: PropertyName, plan: RunPlan, tree: ProgramTree, program: Program, diff: PropertyDiff): Failure {
  return {
    property, index: plan.index, preset: plan.preset, fcSeed: plan.fcSeed, path: plan.path, tree,
    originalInsns: program.insns.length, treeInsns: program.insns.length, program: programToJson(program), insns: program.insns.length,
    diff, shrinkMs: 0, shrinkRuns: 0, shrinkInterrupted: true,
  };
}

/** Runs one index of the campaign; `onFound` sees each failure before it is shrunk. */
export function runCase(cfg: FuzzConfig, index: number, flags: StopFlags = NEVER_STOP, onFound?: (f: Failure) => void): RunResult {
  const t0 = performance.now();
  const plan = planRun(cfg.seed, index, cfg.presets);
  const tree = treeOf(plan);
  const program = renderProgram(tree, progName(plan));
  const o = propertyOptions(cfg);
  const outcomes = checkProperties(cfg.properties, program, o);
  const res: RunResult = { index, preset: plan.preset, status: {}, skipReasons: {}, failures: [], ms: 0 };
  for (const [name, out] of outcomes) {
    if (out.ok) {
      res.status[name] = out.skipped ? 'skip' : 'pass';
      if (out.skipped) res.skipReasons[name] = out.skipped;
      continue;
    }
    res.status[name] = 'fail';
    onFound?.(unshrunkFailure(name, plan, tree, program, out.diff));
    res.failures.push(shrinkFailure(name, plan, tree, o, { deadline: Date.now() + cfg.shrinkTimeMs, flags, insnShrink: cfg.insnShrink }));
  }
  res.ms = performance.now() - t0;
  return res;
}
