// Bench sections for generators and the history designs (called by index.ts):
// (a) generator speed, (b) copy-vs-shared equivalence throughput per core,
// (c) history metrics per design with copy/shared ratios. Everything is
// measured side by side in one run; nothing asserts on timings.

import type { Program } from '../src/isa/program.js';
import type { HistoryStats, Result } from '../src/result/result.js';
import type { HistoryKind } from '../src/history/history.js';
import { makeHistory } from '../src/history/index.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { allAgree, diffResults } from '../src/compare/diff.js';
import { renderTable } from '../src/util/table.js';
import { generatePrograms, generatorSpeed } from '../generators/index.js';
import { largeLoopPrograms } from './largeLoop.js';

const out = (s: string): void => { process.stdout.write(s); };
const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** (a) Programs generated (and rendered) per second on `small`, best of 3 after a warm-up. */
export function benchGeneratorSpeed(count = 2000): void {
  generatePrograms({ preset: 'small', count: 200, seed: 99 });
  const runs = [1, 2, 3].map((s) => generatorSpeed('small', count, s));
  const best = Math.max(...runs);
  out(`\nGenerator speed (preset small, ${count} programs x 3 seeds): ${fmt(best)} programs/s best, ${runs.map((r) => fmt(r)).join(' / ')} per run (goal >= 2,000/s)\n`);
}

/** One program under copy and shared, Results compared field by field (precision marks included). */
export function sharedMatchesCopy(p: Program, logLevel: number, backedge: boolean): boolean {
  const a = verifyProgram(p, { history: makeHistory('copy'), backedgePropagation: backedge, logLevel });
  const b = verifyProgram(p, { history: makeHistory('shared'), backedgePropagation: backedge, logLevel });
  return allAgree(diffResults(a, b, { precision: true }));
}

/** (b) sharedMatchesCopy throughput on `small` (one thread = per core). */
export function benchEquivalenceThroughput(count = 500): void {
  const g = generatePrograms({ preset: 'small', count, seed: 7 });
  for (const p of g.programs) sharedMatchesCopy(p, 2, false); // warm the JIT
  const rows: Array<Array<string | number>> = [];
  for (const [logLevel, backedge] of [[2, false], [2, true], [0, false]] as const) {
    let same = 0;
    const t0 = performance.now();
    for (const p of g.programs) if (sharedMatchesCopy(p, logLevel, backedge)) same++;
    const sec = (performance.now() - t0) / 1000;
    rows.push([logLevel, backedge ? 'on' : 'off', count, same, fmt(sec, 2), fmt(count / sec)]);
  }
  out(`\nsharedMatchesCopy throughput (preset small, one thread; goal >= 200 programs/s per core)\n`);
  out(renderTable([
    { title: 'Log level', align: 'right' }, { title: 'Backedge' }, { title: 'Programs', align: 'right' },
    { title: 'Equal', align: 'right' }, { title: 'Seconds', align: 'right' }, { title: 'Programs/s', align: 'right' },
  ], rows));
  out('(level 2: verdict, errno, error, stats, mark_precise lines, full log and per-state precision compared; level 0: all but the log)\n');
}

const METRICS: Array<[keyof HistoryStats, string]> = [
  ['allocations', 'allocations'], ['entriesCopied', 'entries copied'], ['entriesWritten', 'entries written'],
  ['peakEntries', 'peak entries held'], ['growthEvents', 'growth events'], ['bytes', 'bytes'],
];

interface MetricsRow {
  name: string;
  insns: number;
  states: number;
  /** Programs (or fields, for one program) where copy and shared Results differ. */
  differ: string[];
  copy: HistoryStats;
  shared: HistoryStats;
  kernel?: Result;
}

function runDesign(p: Program, kind: HistoryKind): Result {
  return verifyProgram(p, { history: makeHistory(kind), backedgePropagation: true, logLevel: 0 });
}

const ratio = (c: number, s: number): string => (s > 0 ? `${(c / s).toFixed(c / s >= 100 ? 0 : 1)}x` : c > 0 ? 'inf' : '-');

/** Sums over a program set; peaks are the maximum, not the sum. */
function addStats(a: HistoryStats, b: HistoryStats): HistoryStats {
  return {
    allocations: a.allocations + b.allocations, entriesCopied: a.entriesCopied + b.entriesCopied,
    entriesWritten: a.entriesWritten + b.entriesWritten, peakEntries: Math.max(a.peakEntries, b.peakEntries),
    growthEvents: a.growthEvents + b.growthEvents, bytes: Math.max(a.bytes, b.bytes),
  };
}
const zero: HistoryStats = { allocations: 0, entriesCopied: 0, entriesWritten: 0, peakEntries: 0, growthEvents: 0, bytes: 0 };

/** (c) History metrics per design on the large loop programs and generated sets. */
export async function benchHistoryMetrics(kernelOk: boolean): Promise<void> {
  const rows: MetricsRow[] = [];
  const loadInKernel = kernelOk ? (await import('../src/kernel/oracle.js')).loadInKernel : undefined;
  for (const p of largeLoopPrograms()) {
    const c = runDesign(p, 'copy');
    const s = runDesign(p, 'shared');
    const differ = diffResults(c, s, { precision: true }).differing.map((d) => `${d.field} (${d.a} vs ${d.b})`);
    const row: MetricsRow = { name: p.name, insns: c.insns, states: c.total_states, differ, copy: c.history ?? zero, shared: s.history ?? zero };
    if (loadInKernel) row.kernel = loadInKernel(p, { logLevel: 0 });
    rows.push(row);
  }
  for (const [preset, count] of [['small', 200], ['loops', 50], ['medium', 50]] as const) {
    const g = generatePrograms({ preset, count, seed: 1 });
    const row: MetricsRow = { name: `${preset} x${count} (sum; peak = max)`, insns: 0, states: 0, differ: [], copy: zero, shared: zero };
    for (const p of g.programs) {
      const c = runDesign(p, 'copy');
      const s = runDesign(p, 'shared');
      row.insns += c.insns;
      row.states += c.total_states;
      const d = diffResults(c, s, { precision: true });
      if (!allAgree(d)) row.differ.push(`${p.name}: ${d.differing.map((x) => x.field).join(',')}`);
      row.copy = addStats(row.copy, c.history ?? zero);
      row.shared = addStats(row.shared, s.history ?? zero);
    }
    rows.push(row);
  }
  const t: Array<Array<string | number>> = [];
  for (const r of rows) {
    METRICS.forEach(([k, label], i) => {
      t.push([i === 0 ? r.name : '', i === 0 ? r.insns : '', i === 0 ? r.states : '', label, r.copy[k], r.shared[k], ratio(r.copy[k], r.shared[k])]);
    });
  }
  out('\nHistory metrics per design (backedge propagation on, log level 0): copy (Linux 6.18) vs shared (the 6.13 patch)\n');
  out(renderTable([
    { title: 'Program' }, { title: 'Insns', align: 'right' }, { title: 'States', align: 'right' }, { title: 'Metric' },
    { title: 'copy', align: 'right' }, { title: 'shared', align: 'right' }, { title: 'copy/shared', align: 'right' },
  ], t));
  for (const r of rows) {
    const k = r.kernel;
    const kText = k ? `; kernel: ${k.verdict}, ${k.insns} insns, ${k.total_states} states${k.insns === r.insns && k.total_states === r.states ? ' (model agrees)' : ' (MODEL DIFFERS)'}` : '';
    const eq = r.differ.length === 0 ? 'equal' : `DIFFER: ${r.differ.join('; ')}`;
    out(`  ${r.name}: copy vs shared Results (history stats aside) ${eq}${kText}\n`);
  }
  out('(seed patch, one real program: 154,982 allocations and 546,559 copied entries under copy vs a peak of 742 shared entries)\n');
}
