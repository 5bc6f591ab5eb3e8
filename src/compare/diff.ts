// Field-by-field comparison of two Results (model vs kernel, or two model
// runs with different history implementations).

import type { HistoryStats, Result, StatePrecision } from '../result/result.js';
import type { Program } from '../isa/program.js';
import { normalizeMapLoads } from '../verifier/check/mapAccess.js';

/** Fields whose agreement is counted, in report order. */
export const COMPARE_FIELDS = [
  'verdict', 'errno', 'error', 'insns', 'total_states', 'peak_states', 'max_states_per_insn', 'mark_precise', 'log',
] as const;
export type CompareField = (typeof COMPARE_FIELDS)[number];

/** Extra fields for model-vs-model runs. */
export const MODEL_FIELDS = ['precision'] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];
export type AnyField = CompareField | ModelField;

/** First line where two texts differ; `line` is 1-based. A missing line is undefined. */
export interface LineDiff {
  line: number;
  a: string | undefined;
  b: string | undefined;
}

export interface FieldDiff {
  field: AnyField;
  a: string;
  b: string;
}

export interface ResultDiff {
  /** Agreement per compared field (precision only when asked). */
  agree: Partial<Record<AnyField, boolean>>;
  /** The fields that differ, with both values as short text. */
  differing: FieldDiff[];
  /** First differing line of the full logs, when the logs differ. */
  firstLogDiff?: LineDiff;
  /** First differing mark_precise line, when those differ. */
  firstMarkPreciseDiff?: LineDiff;
  /** Index in the precision list of the first differing explored state. */
  firstPrecisionDiff?: number;
}

export interface DiffOptions {
  /** Compare the per-state precision marks (both sides must be model runs). */
  precision?: boolean;
  /** The program both results are for: map loads in logs are normalized. */
  program?: Program;
}

/**
 * Log lines as compared: trailing blanks cut (the kernel and the model agree
 * on them, but the oracle trims its mark_precise copies), trailing empty
 * lines dropped, and the level-4 time (each side's own clock) masked.
 */
export function normalizeLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split('\n').map((l) => l.trimEnd().replace(/^verification time \d+ usec$/, 'verification time N usec'));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function firstDifferingLine(a: string[], b: string[]): LineDiff | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return { line: i + 1, a: a[i], b: b[i] };
  }
  return undefined;
}

const precisionText = (p: StatePrecision): string =>
  `${p.insnIdx}:` + p.frames.map((f) => `f${f.frameno}[r${f.regs.join(',')}|s${f.stackSlots.join(',')}]`).join('');

/** Index of the first differing explored state, -1 when equal. */
export function firstPrecisionDiff(a: StatePrecision[], b: StatePrecision[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || precisionText(x) !== precisionText(y)) return i;
  }
  return -1;
}

const show = (v: string | undefined): string => (v === undefined ? '<end of log>' : v);

export function diffResults(a: Result, b: Result, opts: DiffOptions = {}): ResultDiff {
  const d: ResultDiff = { agree: {}, differing: [] };
  const field = (f: AnyField, x: string, y: string): void => {
    d.agree[f] = x === y;
    if (x !== y) d.differing.push({ field: f, a: x, b: y });
  };
  field('verdict', a.verdict, b.verdict);
  field('errno', String(a.errno), String(b.errno));
  field('error', a.error, b.error);
  field('insns', String(a.insns), String(b.insns));
  field('total_states', String(a.total_states), String(b.total_states));
  field('peak_states', String(a.peak_states), String(b.peak_states));
  field('max_states_per_insn', String(a.max_states_per_insn), String(b.max_states_per_insn));

  // Map loads print the kernel address of the map, which the model cannot know.
  const norm = (t: string): string => (opts.program ? normalizeMapLoads(t, opts.program) : t);
  const mp = firstDifferingLine(a.markPrecise.map((l) => norm(l).trimEnd()), b.markPrecise.map((l) => norm(l).trimEnd()));
  d.agree.mark_precise = mp === undefined;
  if (mp) {
    d.firstMarkPreciseDiff = mp;
    d.differing.push({ field: 'mark_precise', a: `#${mp.line}: ${show(mp.a)}`, b: `#${mp.line}: ${show(mp.b)}` });
  }
  const ld = firstDifferingLine(normalizeLines(a.log === undefined ? undefined : norm(a.log)), normalizeLines(b.log === undefined ? undefined : norm(b.log)));
  d.agree.log = ld === undefined;
  if (ld) {
    d.firstLogDiff = ld;
    d.differing.push({ field: 'log', a: `line ${ld.line}: ${show(ld.a)}`, b: `line ${ld.line}: ${show(ld.b)}` });
  }
  if (opts.precision) {
    const pa = a.precision ?? [];
    const pb = b.precision ?? [];
    const i = firstPrecisionDiff(pa, pb);
    d.agree.precision = i < 0;
    if (i >= 0) {
      d.firstPrecisionDiff = i;
      const t = (p: StatePrecision | undefined): string => (p ? precisionText(p) : '<none>');
      d.differing.push({ field: 'precision', a: `state #${i} ${t(pa[i])}`, b: `state #${i} ${t(pb[i])}` });
    }
  }
  return d;
}

export const differingFields = (d: ResultDiff): AnyField[] => d.differing.map((f) => f.field);

export const allAgree = (d: ResultDiff): boolean => d.differing.length === 0;

/** History statistics as columns (the sides are expected to differ here). */
export const HISTORY_STAT_KEYS: ReadonlyArray<keyof HistoryStats> = [
  'allocations', 'entriesCopied', 'entriesWritten', 'peakEntries', 'growthEvents', 'bytes',
];
