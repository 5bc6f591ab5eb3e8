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
  /** The same for copy and pinned. */
  pinnedDiffer: string[];
  copy: HistoryStats;
  shared: HistoryStats;
  pinned: HistoryStats;
  /** Model milliseconds per design. */
  ms: { copy: number; shared: number; pinned: number };
  kernel?: Result;
}

function runDesign(p: Program, kind: HistoryKind, ms?: Record<string, number>): Result {
  const t0 = performance.now();
  const r = verifyProgram(p, { history: makeHistory(kind), backedgePropagation: true, logLevel: 0 });
  if (ms) ms[kind] = (ms[kind] ?? 0) + performance.now() - t0;
  return r;
}

const fieldsDiffering = (a: Result, b: Result): string[] =>
  diffResults(a, b, { precision: true }).differing.map((d) => `${d.field} (${d.a} vs ${d.b})`);

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
    const ms = { copy: 0, shared: 0, pinned: 0 };
    const c = runDesign(p, 'copy', ms);
    const s = runDesign(p, 'shared', ms);
    const pi = runDesign(p, 'pinned', ms);
    const row: MetricsRow = {
      name: p.name, insns: c.insns, states: c.total_states, differ: fieldsDiffering(c, s), pinnedDiffer: fieldsDiffering(c, pi),
      copy: c.history ?? zero, shared: s.history ?? zero, pinned: pi.history ?? zero, ms,
    };
    if (loadInKernel) row.kernel = loadInKernel(p, { logLevel: 0 });
    rows.push(row);
  }
  for (const [preset, count] of [['small', 200], ['loops', 50], ['medium', 50], ['deep', 50], ['risky', 50], ['calls', 50]] as const) {
    const g = generatePrograms({ preset, count, seed: 1 });
    const row: MetricsRow = {
      name: `${preset} x${count} (sum; peak = max)`, insns: 0, states: 0, differ: [], pinnedDiffer: [],
      copy: zero, shared: zero, pinned: zero, ms: { copy: 0, shared: 0, pinned: 0 },
    };
    for (const p of g.programs) {
      const c = runDesign(p, 'copy', row.ms);
      const s = runDesign(p, 'shared', row.ms);
      const pi = runDesign(p, 'pinned', row.ms);
      row.insns += c.insns;
      row.states += c.total_states;
      for (const [other, list] of [[s, row.differ], [pi, row.pinnedDiffer]] as const) {
        const d = diffResults(c, other, { precision: true });
        if (!allAgree(d)) list.push(`${p.name}: ${d.differing.map((x) => x.field).join(',')}`);
      }
      row.copy = addStats(row.copy, c.history ?? zero);
      row.shared = addStats(row.shared, s.history ?? zero);
      row.pinned = addStats(row.pinned, pi.history ?? zero);
    }
    rows.push(row);
  }
  const t: Array<Array<string | number>> = [];
  for (const r of rows) {
    METRICS.forEach(([k, label], i) => {
      t.push([i === 0 ? r.name : '', i === 0 ? r.insns : '', i === 0 ? r.states : '', label, r.copy[k], r.shared[k], r.pinned[k],
        ratio(r.copy[k], r.shared[k]), ratio(r.copy[k], r.pinned[k]), ratio(r.pinned[k], r.shared[k])]);
    });
    t.push(['', '', '', 'model ms', fmt(r.ms.copy), fmt(r.ms.shared), fmt(r.ms.pinned), ratio(r.ms.copy, r.ms.shared), ratio(r.ms.copy, r.ms.pinned), ratio(r.ms.pinned, r.ms.shared)]);
  }
  out('\nHistory metrics per design (backedge propagation on, log level 0): copy (Linux 6.18), shared (the 6.13 patch), pinned (shared + backedge chains kept)\n');
  out(renderTable([
    { title: 'Program' }, { title: 'Insns', align: 'right' }, { title: 'States', align: 'right' }, { title: 'Metric' },
    { title: 'copy', align: 'right' }, { title: 'shared', align: 'right' }, { title: 'pinned', align: 'right' },
    { title: 'copy/shared', align: 'right' }, { title: 'copy/pinned', align: 'right' }, { title: 'pinned/shared', align: 'right' },
  ], t));
  for (const r of rows) {
    const k = r.kernel;
    const kText = k ? `; kernel: ${k.verdict}, ${k.insns} insns, ${k.total_states} states${k.insns === r.insns && k.total_states === r.states ? ' (model agrees)' : ' (MODEL DIFFERS)'}` : '';
    const eq = r.differ.length === 0 ? 'equal' : `DIFFER: ${r.differ.join('; ')}`;
    const peq = r.pinnedDiffer.length === 0 ? 'equal' : `DIFFER: ${r.pinnedDiffer.join('; ')}`;
    out(`  ${r.name}: copy vs shared Results (history stats aside) ${eq}; copy vs pinned ${peq}${kText}\n`);
  }
  out('(seed patch, one real program: 154,982 allocations and 546,559 copied entries under copy vs a peak of 742 shared entries)\n');
}
