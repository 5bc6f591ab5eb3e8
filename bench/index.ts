// `npm run bench` (after `npm run build`): model throughput against the
// kernel's own `verification time`, and copy vs shared history side by side.
// Programs: test/conformance/programs, the corpus programs named in
// test/conformance/conformance.json, and generated ones when generators exist.
// Prints tables only; nothing here asserts on timings.
// Sections (BENCH_SECTIONS=comma list, default all): kernel (model vs kernel
// time), copyshared (copy vs shared time), gen (generator speed), equiv
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
    const hrows: Array<Array<string | number>> = [];
    const tot = { cu: 0, su: 0, ca: 0, sa: 0, cc: 0, sc: 0, cp: 0, sp: 0 };
    for (const { name, program } of programs) {
      const c = await timeModel(program, 'copy');
      if (c.result.verdict === 'unsupported') continue;
      const s = await timeModel(program, 'shared');
      const ch = c.result.history;
      const sh = s.result.history;
      tot.cu += c.usec; tot.su += s.usec;
      tot.ca += ch?.allocations ?? 0; tot.sa += sh?.allocations ?? 0;
      tot.cc += ch?.entriesCopied ?? 0; tot.sc += sh?.entriesCopied ?? 0;
      tot.cp += ch?.bytes ?? 0; tot.sp += sh?.bytes ?? 0;
      hrows.push([name, fmt(c.usec), fmt(s.usec), ch?.allocations ?? '', sh?.allocations ?? '', ch?.entriesCopied ?? '', sh?.entriesCopied ?? '',
        ch?.peakEntries ?? '', sh?.peakEntries ?? '', ch?.bytes ?? '', sh?.bytes ?? '']);
    }
    hrows.push(['TOTAL', fmt(tot.cu), fmt(tot.su), tot.ca, tot.sa, tot.cc, tot.sc, '', '', tot.cp, tot.sp]);
    process.stdout.write('\nHistory: copy vs shared\n');
    process.stdout.write(renderTable([
      { title: 'Program' }, { title: 'usec (copy)', align: 'right' }, { title: 'usec (shared)', align: 'right' },
      { title: 'allocs (copy)', align: 'right' }, { title: 'allocs (shared)', align: 'right' },
      { title: 'copied (copy)', align: 'right' }, { title: 'copied (shared)', align: 'right' },
      { title: 'peak entries (copy)', align: 'right' }, { title: 'peak entries (shared)', align: 'right' },
      { title: 'bytes (copy)', align: 'right' }, { title: 'bytes (shared)', align: 'right' },
    ], hrows));
  } else {
    process.stdout.write('\nHistory: shared not available yet (src/history/index.ts makeHistory); copy vs shared table skipped\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
