// `verihist gen`: write generated programs to files, or (--stats) measure per
// preset how many the live kernel accepts and what the model's runs cover.
//
// The model runs of --stats dominate the cost, so they are split across worker
// threads (one per core, at most --jobs). A worker re-generates the same
// programs from the same seed and runs its share (i % jobs == k); the main
// thread runs share 0 and the kernel loads. Workers are used only from the
// compiled .js (a worker cannot load the .ts sources under vitest).

import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import type { CoverageFlags, CoverageSummary, PresetName } from '../../generators/index.js';
import { renderTable, type Column } from '../util/table.js';
import { EXIT_OK, UsageError, intOpt, type IO } from './options.js';

export const GEN_FORMATS = ['bin', 's', 'json'] as const;
export type GenFormat = (typeof GEN_FORMATS)[number];

// ---- option parsing ----

function riskyOpt(raw: Record<string, unknown>): number | undefined {
  const v = raw['risky'];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^[0-9]*\.?[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(`--risky: expected a fraction between 0 and 1, got '${String(v)}'`);
  return n;
}

function formatsOpt(raw: Record<string, unknown>): GenFormat[] {
  const v = raw['format'];
  if (v === undefined) return ['bin', 's'];
  const parts = String(v).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = parts.find((p) => !(GEN_FORMATS as readonly string[]).includes(p));
  if (bad !== undefined || parts.length === 0) {
    throw new UsageError(`--format: expected a comma-separated list of ${GEN_FORMATS.join(', ')}, got '${String(v)}'`);
  }
  return [...new Set(parts)] as GenFormat[];
}

async function presetsOpt(raw: Record<string, unknown>, allowAll: boolean): Promise<PresetName[]> {
  const { PRESET_NAMES } = await import('../../generators/index.js');
  const v = raw['preset'];
  if (v === undefined) return allowAll ? [...PRESET_NAMES] : ['small'];
  const s = String(v);
  if (allowAll && s === 'all') return [...PRESET_NAMES];
  const names = s.split(',').map((x) => x.trim());
  for (const n of names) {
    if (!(PRESET_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`--preset: unknown preset '${n}' (have ${PRESET_NAMES.join(', ')}${allowAll ? ', all' : ''})`);
    }
  }
  if (!allowAll && names.length !== 1) throw new UsageError('--preset: give one preset when writing files');
  return names as PresetName[];
}

// ---- gen: write files ----

export async function genCommand(_args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  if (raw['stats'] === true) return genStats(raw, io);
  const out = raw['out'];
  if (typeof out !== 'string' || out.length === 0) throw new UsageError('gen: --out DIR is required (or use --stats)');
  const count = intOpt(raw, 'count', '--count', 10);
  const seed = raw['seed'] === undefined ? randomSeed() : intOpt(raw, 'seed', '--seed', 0, -0x80000000);
  const [preset] = await presetsOpt(raw, false);
  const risky = riskyOpt(raw);
  const formats = formatsOpt(raw);
  const json = raw['json'] === true;
  const { generatePrograms } = await import('../../generators/index.js');
  const { writeProgramFile } = await import('../isa/programFile.js');
  const g = generatePrograms({ preset: preset!, count, seed, ...(risky !== undefined ? { risky } : {}) });
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UsageError(`${out}: cannot create directory (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  let written = 0;
  for (const p of g.programs) {
    const files = formats.map((f) => join(out, `${p.name}.${f}`));
    for (const f of files) writeProgramFile(f, p);
    written += files.length;
    if (json) {
      io.out(JSON.stringify({ file: files[0], files, name: p.name, preset, seed: g.seed, insns: p.insns.length }) + '\n');
    }
  }
  if (!json) {
    io.out(`seed ${g.seed}\n`);
    io.out(`wrote ${g.programs.length} program(s) of preset ${preset} as ${formats.map((f) => `.${f}`).join(', ')} (${written} files) to ${out}\n`);
  }
  return EXIT_OK;
}

const randomSeed = (): number => (Math.random() * 0x7fffffff) | 0;

// ---- gen --stats ----

/** What one share of model runs reports back (plain data, crosses worker boundaries). */
interface ModelShare {
  preset: PresetName;
  summary: CoverageSummary;
  /** Model verdict per program index of this share. */
  verdicts: Array<[number, Result['verdict']]>;
}

interface ShareJob {
  verihistGenStats: true;
  presets: PresetName[];
  count: number;
  seed: number;
  risky?: number;
  jobs: number;
  k: number;
}

/** Runs the model on programs i % jobs == k of each preset (level 2, counting history). */
export async function runModelShare(job: ShareJob): Promise<ModelShare[]> {
  const gen = await import('../../generators/index.js');
  const { verifyProgram } = await import('../verifier/verify.js');
  const { makeHistory } = await import('../history/index.js');
  const out: ModelShare[] = [];
  for (const preset of job.presets) {
    const g = gen.generatePrograms({ preset, count: job.count, seed: job.seed, ...(job.risky !== undefined ? { risky: job.risky } : {}) });
    const summary = gen.emptySummary();
    const verdicts: Array<[number, Result['verdict']]> = [];
    g.programs.forEach((p, i) => {
      if (i % job.jobs !== job.k) return;
      const h = new gen.CountingHistory(makeHistory('copy'));
      const r = verifyProgram(p, { history: h, backedgePropagation: true, logLevel: 2 });
      const f: CoverageFlags | undefined = r.verdict === 'unsupported' ? undefined : gen.coverageFromResult(r, h.counts);
      gen.addToSummary(summary, r.verdict, f);
      verdicts.push([i, r.verdict]);
    });
    out.push({ preset, summary, verdicts });
  }
  return out;
}

function runWorker(job: ShareJob): Promise<ModelShare[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    let got: ModelShare[] | undefined;
    w.once('message', (m: unknown) => { got = m as ModelShare[]; });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (got) resolve(got);
      else reject(new Error(`gen --stats worker exited with code ${code} and no result`));
    });
  });
}

// Worker entry: this module loaded in a worker with a ShareJob runs it.
const isShareJob = (d: unknown): d is ShareJob => typeof d === 'object' && d !== null && (d as { verihistGenStats?: unknown }).verihistGenStats === true;
if (!isMainThread && parentPort && isShareJob(workerData)) {
  const port = parentPort;
  void runModelShare(workerData).then((r) => port.postMessage(r));
}

export interface PresetStats {
  preset: PresetName;
  programs: number;
  /** Kernel accept count, when the kernel was used. */
  kernelAccept?: number;
  /** Programs where the model's verdict differs from the kernel's (unsupported excluded). */
  verdictMismatch?: number;
  model: CoverageSummary;
}

export interface GenStats {
  seed: number;
  count: number;
  kernel: { used: boolean; reason?: string };
  jobs: number;
  seconds: number;
  presets: PresetStats[];
}

export interface GenStatsOptions {
  presets: PresetName[];
  count: number;
  seed: number;
  risky?: number;
  /** true: require the kernel; false: skip it; undefined: use it when available. */
  kernel?: boolean;
  jobs?: number;
}

/** The numbers behind `verihist gen --stats` (exported for tests). */
export async function computeGenStats(o: GenStatsOptions): Promise<GenStats> {
  const t0 = performance.now();
  const { bpfAvailable } = await import('../kernel/syscall.js');
  let kernel: GenStats['kernel'] = { used: false, reason: 'disabled with --no-kernel' };
  if (o.kernel !== false) {
    const a = bpfAvailable();
    if (a.ok) kernel = { used: true };
    else if (o.kernel === true) throw new UsageError(`live kernel unavailable: ${a.reason}`);
    else kernel = { used: false, reason: a.reason };
  }
  const compiled = import.meta.url.endsWith('.js');
  const jobs = compiled ? Math.max(1, Math.min(o.jobs ?? availableParallelism(), 16)) : 1;
  const base = { verihistGenStats: true as const, presets: o.presets, count: o.count, seed: o.seed, jobs, ...(o.risky !== undefined ? { risky: o.risky } : {}) };
  const workers = Array.from({ length: jobs - 1 }, (_x, j) => runWorker({ ...base, k: j + 1 }));
  // Keep a rejection from surfacing as unhandled while the main share runs.
  workers.forEach((w) => w.catch(() => undefined));

  // Main thread: kernel loads first (cheap), then its model share.
  const kernelVerdicts = new Map<PresetName, Result['verdict'][]>();
  if (kernel.used) {
    const { generatePrograms } = await import('../../generators/index.js');
    const { loadInKernel } = await import('../kernel/oracle.js');
    for (const preset of o.presets) {
      const g = generatePrograms({ preset, count: o.count, seed: o.seed, ...(o.risky !== undefined ? { risky: o.risky } : {}) });
      kernelVerdicts.set(preset, g.programs.map((p: Program) => loadInKernel(p, { logLevel: 0 }).verdict));
    }
  }
  const shares = [await runModelShare({ ...base, k: 0 }), ...(await Promise.all(workers))];

  const gen = await import('../../generators/index.js');
  const presets: PresetStats[] = o.presets.map((preset) => {
    const model = gen.emptySummary();
    const modelVerdicts: Result['verdict'][] = [];
    for (const share of shares) {
      const s = share.find((x) => x.preset === preset);
      if (!s) continue;
      model.programs += s.summary.programs;
      model.accept += s.summary.accept;
      model.reject += s.summary.reject;
      model.unsupported += s.summary.unsupported;
      for (const k of gen.COVERAGE_KEYS) model.flags[k] += s.summary.flags[k];
      for (const [i, v] of s.verdicts) modelVerdicts[i] = v;
    }
    const ps: PresetStats = { preset, programs: o.count, model };
    const kv = kernelVerdicts.get(preset);
    if (kv) {
      ps.kernelAccept = kv.filter((v) => v === 'accept').length;
      ps.verdictMismatch = kv.filter((v, i) => modelVerdicts[i] !== 'unsupported' && modelVerdicts[i] !== v).length;
    }
    return ps;
  });
  return { seed: o.seed, count: o.count, kernel, jobs, seconds: (performance.now() - t0) / 1000, presets };
}

const pct = (n: number, d: number): string => (d > 0 ? `${n} (${((100 * n) / d).toFixed(1)}%)` : `${n}`);

const STAT_COLUMNS: Array<[keyof CoverageFlags, string]> = [
  ['backtrackAcrossStates', 'Backtrack >=2 states'], ['pruned', 'Pruned'], ['sccEnter', 'SCC enter'],
  ['backedgePropagation', 'Backedge prop'], ['linkedRegs', 'Linked-reg hist'], ['stackAccess', 'Stack-access hist'],
  ['backtrackAcrossCall', 'Backtrack across call'], ['frameHistory', 'Hist in frame>=1'],
  ['globalSubprog', 'Global subprog'], ['loopCallback', 'bpf_loop cb'], ['mapElemCallback', 'for_each cb'],
  ['ringbufCallback', 'ringbuf cb'], ['findVmaCallback', 'find_vma cb'], ['asyncCallback', 'timer (async) cb'],
];

export function genStatsTable(s: GenStats): string {
  const cols: Column[] = [
    { title: 'Preset' }, { title: 'Programs', align: 'right' }, { title: 'Kernel accept', align: 'right' },
    { title: 'Model accept', align: 'right' }, { title: 'Model unsupported', align: 'right' }, { title: 'Verdict diff', align: 'right' },
    ...STAT_COLUMNS.map(([, t]): Column => ({ title: t, align: 'right' })),
  ];
  const rows = s.presets.map((p) => [
    p.preset, p.programs, p.kernelAccept !== undefined ? pct(p.kernelAccept, p.programs) : '-',
    pct(p.model.accept, p.programs), p.model.unsupported, p.verdictMismatch ?? '-',
    ...STAT_COLUMNS.map(([k]) => pct(p.model.flags[k], p.programs)),
  ]);
  return renderTable(cols, rows);
}

async function genStats(raw: Record<string, unknown>, io: IO): Promise<number> {
  const presets = await presetsOpt(raw, true);
  const count = intOpt(raw, 'count', '--count', 200, 1);
  const seed = intOpt(raw, 'seed', '--seed', 1, -0x80000000);
  const jobs = raw['jobs'] === undefined ? undefined : intOpt(raw, 'jobs', '--jobs', 1, 1);
  const risky = riskyOpt(raw);
  const kernelOpt = raw['kernel'];
  const s = await computeGenStats({
    presets, count, seed,
    ...(risky !== undefined ? { risky } : {}),
    ...(typeof kernelOpt === 'boolean' ? { kernel: kernelOpt } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
  });
  if (raw['json'] === true) {
    for (const p of s.presets) {
      io.out(JSON.stringify({
        preset: p.preset, seed: s.seed, programs: p.programs,
        kernel_accept: p.kernelAccept ?? null, verdict_mismatch: p.verdictMismatch ?? null,
        model_accept: p.model.accept, model_reject: p.model.reject, model_unsupported: p.model.unsupported,
        coverage: p.model.flags,
      }) + '\n');
    }
    if (!s.kernel.used) io.err(`gen --stats: kernel acceptance not measured (${s.kernel.reason ?? 'unavailable'})\n`);
    return EXIT_OK;
  }
  io.out(`seed ${s.seed}, ${s.count} program(s) per preset, model at log level 2 with backedge propagation on, ${s.jobs} job(s), ${s.seconds.toFixed(1)} s\n`);
  if (!s.kernel.used) io.out(`kernel acceptance not measured: ${s.kernel.reason ?? 'unavailable'}\n`);
  io.out(genStatsTable(s));
  io.out('coverage columns count programs (from the model); Verdict diff = model verdict differs from the kernel\'s\n');
  return EXIT_OK;
}
