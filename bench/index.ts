// `npm run bench` (after `npm run build`): model throughput against the
// kernel's own `verification time`, and copy vs shared history side by side.
// Programs: test/conformance/programs, the corpus programs named in
// test/conformance/conformance.json, and generated ones when generators exist.
// Prints tables only; nothing here asserts on timings.
// Sections (BENCH_SECTIONS=comma list, default all): kernel (model vs kernel
// time), copyshared (copy, shared and pinned: time, memory, equality), gen (generator speed), equiv
// (sharedMatchesCopy throughput), metrics (history metrics per design),
// large (>= 100k-insn programs: model vs kernel, peak heap), phases (model
// time per verifier phase), vm (VM oracles: programs/s next to the live
// kernel, boot time, identical results however programs are batched).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryKind } from '../src/history/history.js';
import type { Program } from '../src/isa/program.js';
import type { Result } from '../src/result/result.js';
import { readProgramFile } from '../src/isa/programFile.js';
import { readCorpus, defaultCorpusDir } from '../src/corpus/reader.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { historyAvailable, makeHistoryOf } from '../src/compare/history.js';
import { renderTable } from '../src/util/table.js';
import { allAgree, diffResults } from '../src/compare/diff.js';
import { generatedPrograms } from '../src/cli/cmdCompare.js';
import { benchEquivalenceThroughput, benchGeneratorSpeed, benchHistoryMetrics } from './history.js';
import { benchLargePrograms } from './large.js';
import { benchPhases } from './phases.js';
import { largePrograms } from './largeLoop.js';
import { benchVm } from './vm.js';

const SECTIONS = new Set((process.env['BENCH_SECTIONS'] ?? 'kernel,large,phases,copyshared,gen,equiv,metrics,vm').split(',').map((x) => x.trim()));

interface BenchProgram {
  name: string;
  program: Program;
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6 && !existsSync(join(d, 'package.json')); k++) d = dirname(d);
  return d;
}

async function collect(): Promise<BenchProgram[]> {
  const root = repoRoot();
  const confDir = join(root, 'test', 'conformance');
  const out: BenchProgram[] = [];
  const progDir = join(confDir, 'programs');
  if (existsSync(progDir)) {
    for (const f of readdirSync(progDir).filter((x) => x.endsWith('.s')).sort()) {
      out.push({ name: f, program: readProgramFile(join(progDir, f)) });
    }
  }
  const tablePath = join(confDir, 'conformance.json');
  const corpusDir = defaultCorpusDir();
  if (existsSync(tablePath) && existsSync(corpusDir)) {
    const t = JSON.parse(readFileSync(tablePath, 'utf8')) as { entries?: Array<{ corpus?: string }> };
    const wanted = new Set((t.entries ?? []).map((e) => e.corpus).filter((c): c is string => typeof c === 'string'));
    for (const p of readCorpus(corpusDir).programs) {
      const key = `${basename(p.file)}:${p.name}`;
      if (wanted.has(key)) out.push({ name: key, program: p.program });
    }
  }
  // Generated programs: a fixed seed so runs are comparable.
  for (const preset of (process.env['BENCH_GEN_PRESETS'] ?? 'small,loops').split(',').filter(Boolean)) {
    try {
      for (const g of await generatedPrograms(preset, 25, 1)) out.push(g);
    } catch (e) {
      process.stderr.write(`bench: no generated programs for '${preset}' (${e instanceof Error ? e.message : String(e)})\n`);
    }
  }
  return out;
}

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

/** Mean microseconds per model run (repeated until ~20 ms or 200 runs), and the last Result. */
async function timeModel(p: Program, kind: HistoryKind): Promise<{ usec: number; result: Result }> {
  let runs = 0;
  let result: Result | undefined;
  const t0 = nowUs();
  let t = t0;
  while (runs < 200 && (runs < 3 || t - t0 < 20_000)) {
    result = verifyProgram(p, { history: await makeHistoryOf(kind), backedgePropagation: true, logLevel: 0 });
    runs++;
    t = nowUs();
  }
  return { usec: (t - t0) / runs, result: result! };
}

/** Smallest kernel `verification time` over a few level-4 loads (usec resolution). */
async function timeKernel(p: Program): Promise<{ usec: number; result: Result } | undefined> {
  const { loadInKernel } = await import('../src/kernel/oracle.js');
  const { verificationTimeUsec } = await import('../src/kernel/logParse.js');
  let best: number | undefined;
  let result: Result | undefined;
  for (let i = 0; i < 5; i++) {
    result = loadInKernel(p, { logLevel: 4, keepLog: true });
    const v = verificationTimeUsec(result.log ?? '');
    if (v !== undefined && (best === undefined || v < best)) best = v;
  }
  return best === undefined || !result ? undefined : { usec: best, result };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const rate = (insns: number, usec: number): number => (usec > 0 ? insns / usec : Infinity); // Minsn/s == insns/usec

async function main(): Promise<void> {
  const { bpfAvailable } = await import('../src/kernel/syscall.js');
  const kernel = bpfAvailable();
  if (!kernel.ok) process.stderr.write(`bench: kernel side skipped (${kernel.reason})\n`);
  if (SECTIONS.has('kernel') || SECTIONS.has('copyshared') || SECTIONS.has('phases')) await timingSections(kernel.ok);
  if (SECTIONS.has('large')) await benchLargePrograms(kernel.ok);
  if (SECTIONS.has('gen')) benchGeneratorSpeed();
  if (SECTIONS.has('equiv')) benchEquivalenceThroughput();
  if (SECTIONS.has('metrics')) await benchHistoryMetrics(kernel.ok);
  if (SECTIONS.has('vm')) await benchVm(kernel.ok);
}

async function timingSections(kernelOk: boolean): Promise<void> {
  const kernel = { ok: kernelOk };
  const programs = await collect();

  // Warm the JIT so the first programs are not charged for it.
  for (const { program } of programs) verifyProgram(program, { history: await makeHistoryOf('copy'), backedgePropagation: true, logLevel: 0 });

  if (SECTIONS.has('kernel')) {
    const rows: Array<Array<string | number>> = [];
    let mInsns = 0;
    let mUs = 0;
    let kInsns = 0;
    let kUs = 0;
    let skipped = 0;
    for (const { name, program } of programs) {
      const m = await timeModel(program, 'copy');
      if (m.result.verdict === 'unsupported') {
        skipped++;
        continue;
      }
      const k = kernel.ok ? await timeKernel(program) : undefined;
      mInsns += m.result.insns;
      mUs += m.usec;
      if (k) {
        kInsns += k.result.insns;
        kUs += k.usec;
      }
      rows.push([
        name, m.result.insns, fmt(m.usec), fmt(rate(m.result.insns, m.usec), 2),
        k ? k.usec : '-', k ? fmt(rate(k.result.insns, k.usec), 2) : '-', k && k.usec > 0 ? fmt(m.usec / k.usec) : '-',
      ]);
    }
    rows.push([
      'TOTAL', mInsns, fmt(mUs), fmt(rate(mInsns, mUs), 2), kernel.ok ? kUs : '-', kernel.ok ? fmt(rate(kInsns, kUs), 2) : '-',
      kernel.ok && kUs > 0 ? fmt(mUs / kUs) : '-',
    ]);
    process.stdout.write(`Model (copy history) vs kernel verification time, ${rows.length - 1} programs (${skipped} unsupported by the model left out)\n`);
    process.stdout.write(renderTable([
      { title: 'Program' }, { title: 'Insns', align: 'right' }, { title: 'Model usec', align: 'right' },
      { title: 'Model Minsn/s', align: 'right' }, { title: 'Kernel usec', align: 'right' },
      { title: 'Kernel Minsn/s', align: 'right' }, { title: 'Model/kernel time', align: 'right' },
    ], rows));
    process.stdout.write('(kernel usec: smallest `verification time` of 5 loads at log level 4; 0 means under 1 usec)\n');
  }

  if (SECTIONS.has('phases')) {
    await benchPhases([
      ['bench programs', programs.map((p) => p.program), 5],
      ['large programs', largePrograms().slice(0, 3), 1],
    ]);
  }

  if (!SECTIONS.has('copyshared')) return;
  if (await historyAvailable('shared')) {
    const kinds: HistoryKind[] = ['copy', 'shared', 'pinned'];
    const hrows: Array<Array<string | number>> = [];
    const tot = kinds.map(() => ({ usec: 0, allocations: 0, entriesCopied: 0, peakEntries: 0, bytes: 0 }));
    const differ: Record<string, string[]> = { shared: [], pinned: [] };
    const three = (f: (i: number) => number | string): string => kinds.map((_, i) => f(i)).join(' / ');
    for (const { name, program } of programs) {
      const c = await timeModel(program, 'copy');
      if (c.result.verdict === 'unsupported') continue;
      const runs = [c, await timeModel(program, 'shared'), await timeModel(program, 'pinned')];
      runs.forEach((r, i) => {
        const t = tot[i]!;
        const h = r.result.history;
        t.usec += r.usec;
        t.allocations += h?.allocations ?? 0;
        t.entriesCopied += h?.entriesCopied ?? 0;
        t.peakEntries = Math.max(t.peakEntries, h?.peakEntries ?? 0);
        t.bytes += h?.bytes ?? 0;
      });
      const eq = runs.slice(1).map((r, i) => {
        const same = allAgree(diffResults(c.result, r.result, { precision: true }));
        if (!same) differ[kinds[i + 1]!]!.push(name);
        return same ? 'equal' : 'DIFFER';
      });
      const h = (i: number) => runs[i]!.result.history;
      hrows.push([name, three((i) => fmt(runs[i]!.usec)), three((i) => h(i)?.allocations ?? '-'), three((i) => h(i)?.entriesCopied ?? '-'),
        three((i) => h(i)?.peakEntries ?? '-'), three((i) => h(i)?.bytes ?? '-'), eq[0]!, eq[1]!]);
    }
    hrows.push(['TOTAL (peak: max)', three((i) => fmt(tot[i]!.usec)), three((i) => tot[i]!.allocations), three((i) => tot[i]!.entriesCopied),
      three((i) => tot[i]!.peakEntries), three((i) => tot[i]!.bytes), `${differ['shared']!.length} differ`, `${differ['pinned']!.length} differ`]);
    process.stdout.write('\nHistory designs: copy / shared / pinned (backedge propagation on, log level 0; Results compared with copy)\n');
    process.stdout.write(renderTable([
      { title: 'Program' }, { title: 'usec', align: 'right' }, { title: 'allocs', align: 'right' }, { title: 'entries copied', align: 'right' },
      { title: 'peak entries', align: 'right' }, { title: 'bytes', align: 'right' }, { title: 'shared vs copy' }, { title: 'pinned vs copy' },
    ], hrows));
    for (const k of ['shared', 'pinned']) {
      process.stdout.write(`  ${k} differs from copy on ${differ[k]!.length} programs${differ[k]!.length ? `: ${differ[k]!.join(', ')}` : ''}\n`);
    }
  } else {
    process.stdout.write('\nHistory: shared not available yet (src/history/index.ts makeHistory); copy vs shared table skipped\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
