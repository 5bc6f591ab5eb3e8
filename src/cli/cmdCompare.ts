// `verihist compare FILES...`: model vs live kernel (default), or two model
// runs with different history implementations (--a copy --b shared).

import { basename, extname } from 'node:path';
import type { Program } from '../isa/program.js';
import { BPF_F_TEST_STATE_FREQ } from '../isa/program.js';
import type { Comparison, Side } from '../compare/run.js';
import { SIDES, isOracle, parseSide } from '../compare/run.js';
import type { VmLoad } from '../vm/oracle.js';
import { EXIT_FINDING, EXIT_OK, UsageError, intOpt, processIO, sharedOptions, type IO, type SharedOptions } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';
import { requireKernel } from './kernelGate.js';
import { resolveProfile } from './profileOption.js';
import { missingFeatures, releaseVersion } from '../kernel/features.js';

const releaseOrder = (r: string): number => {
  const v = releaseVersion(r);
  return v ? v[0] * 1000 + v[1] : Infinity;
};

export interface NamedProgram {
  name: string;
  file?: string;
  program: Program;
}

const applyOverrides = (p: Program, opts: Pick<SharedOptions, 'type' | 'stateFreq'>): Program => ({
  ...p,
  ...(opts.type !== undefined ? { progType: opts.type } : {}),
  flags: opts.stateFreq ? p.flags | BPF_F_TEST_STATE_FREQ : p.flags,
});


/** Generated programs (generators/): `count` programs of a preset, reproducible by seed. */
export async function generatedPrograms(preset: string, count: number, seed: number, release?: string): Promise<NamedProgram[]> {
  const gen = await import('../../generators/index.js');
  if (preset === 'all') {
    // `count` programs over every preset, in turn, each preset's own seed stream.
    const n = gen.PRESET_NAMES.length;
    const parts = await Promise.all(gen.PRESET_NAMES.map((p, i) => generatedPrograms(p, Math.floor(count / n) + (i < count % n ? 1 : 0), seed, release)));
    return parts.flat();
  }
  if (!(gen.PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new UsageError(`--gen: unknown preset '${preset}' (have ${gen.PRESET_NAMES.join(', ')} or all)`);
  }
  const g = gen.generatePrograms({ preset: preset as (typeof gen.PRESET_NAMES)[number], count, seed, ...(release ? { release } : {}) });
  return g.programs.map((program) => ({ name: program.name, program }));
}

/** `release`: generate only what that kernel loads (the oracle side of a comparison). */
export async function collectPrograms(args: unknown[], raw: Record<string, unknown>, opts: SharedOptions, release?: string): Promise<NamedProgram[]> {
  const files = Array.isArray(args[0]) ? (args[0] as string[]) : [];
  const list: NamedProgram[] = [];
  for (const f of expandInputs(files)) {
    const program = await loadProgram(f, opts);
    const plain = program.name === 'prog' || program.name === basename(f, extname(f));
    list.push({ name: plain ? basename(f) : `${basename(f)}:${program.name}`, file: f, program });
  }
  if (raw['corpus'] === true || typeof raw['corpusDir'] === 'string') {
    const { readCorpus, defaultCorpusDir } = await import('../corpus/reader.js');
    const dir = typeof raw['corpusDir'] === 'string' ? raw['corpusDir'] : defaultCorpusDir();
    let corpus;
    try {
      corpus = readCorpus(dir);
    } catch (e) {
      if (e instanceof Error && 'code' in e) throw new UsageError(`${dir}: cannot read corpus`);
      throw e;
    }
    for (const p of corpus.programs) list.push({ name: `${basename(p.file)}:${p.name}`, file: p.file, program: applyOverrides(p.program, opts) });
  }
  if (typeof raw['gen'] === 'string') {
    const gen = await generatedPrograms(raw['gen'], intOpt(raw, 'count', '--count', 100), intOpt(raw, 'seed', '--seed', 1, -0x80000000), release);
    for (const g of gen) list.push({ ...g, program: applyOverrides(g.program, opts) });
  }
  let filtered = list;
  if (typeof raw['filter'] === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(raw['filter']);
    } catch {
      throw new UsageError(`--filter: bad regular expression '${raw['filter']}'`);
    }
    filtered = list.filter((p) => re.test(p.name));
  }
  if (filtered.length === 0) throw new UsageError('no programs to compare (give FILES, --corpus or --gen)');
  return filtered;
}

export async function compareCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const side = (k: 'a' | 'b', dflt: Side): Side => {
    const v = raw[k];
    if (v === undefined) return dflt;
    const s = typeof v === 'string' ? parseSide(v) : undefined;
    if (s === undefined) throw new UsageError(`--${k}: expected one of ${SIDES.join(', ')}, got '${String(v)}'`);
    return s;
  };
  const a = side('a', opts.history);
  const b = side('b', 'kernel');
  if (a === b) throw new UsageError(`--a and --b are both '${a}'`);
  if (a === 'kernel' || b === 'kernel') await requireKernel();
  const vmSides = [a, b].filter((s) => s !== 'kernel' && isOracle(s));
  // The release of each kernel side: programs it cannot load are not generated, or are excluded.
  const releases = new Map<Side, string>();
  if (vmSides.length > 0) {
    const { checkVmSpec } = await import('../vm/oracle.js');
    for (const s of vmSides) releases.set(s, checkVmSpec(s.slice(3)).release);
  }
  if (a === 'kernel' || b === 'kernel') releases.set('kernel', (await import('../kernel/probe.js')).kernelRelease());
  const oldest = [...releases.values()].sort((x, y) => (releaseOrder(x) - releaseOrder(y)))[0];
  const programs = await collectPrograms(args, raw, opts, oldest);
  const { historyAvailable } = await import('../compare/history.js');
  for (const s of [a, b]) {
    if (!isOracle(s) && !(await historyAvailable(s))) throw new UsageError(`history '${s}' is not available yet`);
  }
  try {
    return await compareAll(programs, a, b, opts, raw, io, releases);
  } finally {
    if (vmSides.length > 0) await (await import('../vm/oracle.js')).closeVms();
  }
}

async function compareAll(
  programs: Awaited<ReturnType<typeof collectPrograms>>, a: Side, b: Side,
  opts: ReturnType<typeof sharedOptions>, raw: Record<string, unknown>, io: IO, releases: ReadonlyMap<Side, string>,
): Promise<number> {
  const { profile, how } = await resolveProfile(raw, io);
  const { compareProgram } = await import('../compare/run.js');
  const report = await import('../compare/report.js');
  // Both sides load at level 2 unless asked otherwise, so the full logs can be compared.
  const logLevel = opts.logLevel === 0 ? 2 : opts.logLevel;
  const vmLoads = new Map<Program, Promise<VmLoad>>();
  for (const s of [a, b]) {
    if (s === 'kernel' || !isOracle(s)) continue;
    const { vmPool } = await import('../vm/oracle.js');
    const pool = await vmPool(s.slice(3));
    // queue everything up front: the guests load while the model runs
    const release = releases.get(s) ?? '';
    for (const p of programs) if (missingFeatures(release, p.program).length === 0) vmLoads.set(p.program, pool.load(p.program, { logLevel, keepLog: logLevel > 0 }, p.name));
  }
  const cs: Comparison[] = [];
  const tty = process.stderr.isTTY === true && io === processIO;
  for (const [i, p] of programs.entries()) {
    if (tty) io.err(`\r[${i + 1}/${programs.length}] ${p.name}`);
    const c = await compareProgram(p.name, p.program, a, b, { backedge: opts.backedge, logLevel, profile, vmLoads, releases }, p.file);
    cs.push(c);
    if (opts.json) io.out(JSON.stringify(report.comparisonJson(c)) + '\n');
  }
  if (tty) io.err('\r\x1b[K');
  const s = report.summarize(cs, a, b);
  if (opts.json) {
    io.out(JSON.stringify({ summary: { kernelProfile: profile.name, ...s, kinds: s.kinds.map((k) => ({ kind: k.kind, count: k.count, examples: k.examples.map((e) => e.name) })) } }) + '\n');
  } else {
    io.out(report.rowsTable(cs, a, b));
    if (!isOracle(a) && !isOracle(b)) io.out('\n' + report.historyTable(cs, a, b));
    io.out(`\nkernel profile: ${profile.name} (${how})\n` + report.summaryText(s));
    const dis = report.disagreementsText(cs, a, b);
    if (dis) io.out('\n' + dis);
    const kinds = report.kindsText(s);
    if (kinds) io.out('\n' + kinds);
  }
  return report.anyFinding(s) ? EXIT_FINDING : EXIT_OK;
}
