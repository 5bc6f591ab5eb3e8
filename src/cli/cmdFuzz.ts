// verihist fuzz: a property-based campaign over generated programs.
import { resolve } from 'node:path';
import type { HistoryKind } from '../history/history.js';
import { isHistoryKind } from '../history/index.js';
import { faultEntry, isFaultName, type FaultName } from '../../properties/faults.js';
import { PRESET_NAMES, type PresetName } from '../../generators/presets.js';
import { isPropertyName, PROPERTY_NAMES, takesFault, type PropertyName } from '../../properties/types.js';
import { DEFAULT_SHRINK_MS, fmtDuration, parseDuration, parseShard, type FuzzConfig } from '../fuzz/config.js';
import { FuzzCampaign, type StopReason } from '../fuzz/runner.js';
import { headerLine, junitSuites, progressLine, summaryText, counterexampleText } from '../fuzz/summary.js';
import type { Counterexample } from '../report/counterexample.js';
import { writeJunit } from '../report/junit.js';
import { EXIT_FINDING, EXIT_OK, EXIT_USAGE, processIO, UsageError, type IO } from './options.js';
import { resolveProfile } from './profileOption.js';

export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter((s) => s !== '');

function posInt(v: unknown, what: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) < min) throw new UsageError(`${what}: expected an integer >= ${min}, got '${s}'`);
  return Number(s);
}

function kind(v: unknown, what: string, dflt: HistoryKind): HistoryKind {
  if (v === undefined) return dflt;
  const s = String(v);
  if (!isHistoryKind(s)) throw new UsageError(`${what}: unknown history '${s}'`);
  return s;
}

/** Reads the fuzz options into a config (exported for tests). */
export function fuzzConfig(opts: Record<string, unknown>, profile: string): FuzzConfig {
  const props = list(opts['property']);
  for (const p of props) if (!isPropertyName(p)) throw new UsageError(`--property: unknown property '${p}' (want ${PROPERTY_NAMES.join(', ')})`);
  // --history H: H is the implementation under test; without --property, check H against copy plus the three audits.
  const history = opts['history'] === undefined ? undefined : kind(opts['history'], '--history', 'shared');
  if (history !== undefined && opts['b'] !== undefined) throw new UsageError('--history and --b both name the history under test; give one');
  const matches = history !== undefined && isPropertyName(`${history}MatchesCopy`) ? `${history}MatchesCopy` : 'sharedMatchesCopy';
  const dflt = history === undefined ? ['sharedMatchesCopy'] : [matches, 'noClobber', 'readFidelity', 'chainShape'];
  const properties = [...new Set(props.length ? props : dflt)] as PropertyName[];
  const pre = list(opts['preset']);
  let presets: PresetName[] = [];
  for (const p of pre.length ? pre : ['all']) {
    if (p === 'all') presets.push(...PRESET_NAMES);
    else if ((PRESET_NAMES as readonly string[]).includes(p)) presets.push(p as PresetName);
    else throw new UsageError(`--preset: unknown preset '${p}' (want ${PRESET_NAMES.join(', ')} or all)`);
  }
  presets = [...new Set(presets)];
  const backedge = opts['backedge'] ?? 'on';
  if (backedge !== 'on' && backedge !== 'off') throw new UsageError(`--backedge: expected on or off`);
  let timeMs: number | undefined;
  if (opts['time'] !== undefined) {
    timeMs = parseDuration(String(opts['time']));
    if (timeMs === undefined) throw new UsageError(`--time: expected a duration like 90s, 2m or 500ms, got '${String(opts['time'])}'`);
  }
  let runs = posInt(opts['runs'], '--runs');
  if (runs === undefined && timeMs === undefined) runs = 1000;
  let seed: number;
  if (opts['seed'] !== undefined) {
    const s = String(opts['seed']);
    if (!/^-?\d+$/.test(s) || Math.abs(Number(s)) > 0x7fffffff) throw new UsageError(`--seed: expected a 32-bit integer, got '${s}'`);
    seed = Number(s);
  } else {
    seed = Math.floor(Math.random() * 0x7fffffff);
  }
  const shard = opts['shard'] === undefined ? { index: 1, count: 1 } : parseShard(String(opts['shard']));
  if (!shard) throw new UsageError(`--shard: expected i/n with 1 <= i <= n, got '${String(opts['shard'])}'`);
  const a = kind(opts['a'], '--a', 'copy');
  const b = history ?? kind(opts['b'], '--b', 'shared');
  let fault: FaultName | undefined;
  if (opts['fault'] !== undefined) {
    const f = String(opts['fault']);
    if (!isFaultName(f)) throw new UsageError(`--fault: unknown fault '${f}' (verihist fuzz --list-faults lists them)`);
    fault = f;
    const e = faultEntry(f);
    const historyFault = e !== undefined && (e.target === 'shared history' || e.target === 'pinned history');
    if (historyFault && !takesFault(b)) throw new UsageError(`--fault ${f} needs a shared-array implementation under test (--b shared, pinned or audited), not '${b}'`);
  }
  let shrinkTimeMs = DEFAULT_SHRINK_MS;
  if (opts['shrinkTime'] !== undefined) {
    const t = parseDuration(String(opts['shrinkTime']));
    if (t === undefined) throw new UsageError(`--shrink-time: expected a duration like 30s`);
    shrinkTimeMs = t;
  }
  const cfg: FuzzConfig = {
    properties, presets, backedge: backedge === 'on', seed, shard,
    workers: posInt(opts['workers'], '--workers') ?? 2,
    a, b,
    maxFailures: posInt(opts['maxFailures'], '--max-failures') ?? 1,
    outDir: resolve(String(opts['out'] ?? 'counterexamples')),
    shrinkTimeMs,
    insnShrink: opts['insnShrink'] !== false,
    fullLog: opts['fullLog'] === true,
    stateFreq: opts['stateFreq'] === true,
    profile,
  };
  const oracle = opts['oracle'];
  if (oracle !== undefined) {
    if (typeof oracle !== 'string' || !(oracle === 'live' || (oracle.startsWith('vm:') && oracle.length > 3))) {
      throw new UsageError(`--oracle: expected live or vm:<kernel>, got '${String(oracle)}'`);
    }
    if (oracle !== 'live') cfg.oracle = oracle;
  }
  if (runs !== undefined) cfg.runs = runs;
  if (timeMs !== undefined) cfg.timeMs = timeMs;
  if (fault !== undefined) cfg.fault = fault;
  return cfg;
}

export async function fuzzCommand(_args: unknown[], opts: Record<string, unknown>, io: IO): Promise<number> {
  if (opts['listFaults'] === true) return (await import('./cmdFaults.js')).listFaults(io, opts['json'] === true);
  if (opts['faults'] !== undefined) {
    if (opts['fault'] !== undefined) throw new UsageError('--faults and --fault: give one');
    const { faultStudy } = await import('./cmdFaults.js');
    return faultStudy(String(opts['faults']), opts, (await resolveProfile(opts, io)).profile.name, io, fuzzConfig);
  }
  const cfg = fuzzConfig(opts, (await resolveProfile(opts, io)).profile.name);
  if (cfg.oracle !== undefined) (await import('../vm/oracle.js')).checkVmSpec(cfg.oracle.slice(3));
  const json = opts['json'] === true;
  const junit = opts['junit'] === undefined ? undefined : resolve(String(opts['junit']));
  const limit = [cfg.runs !== undefined ? `${cfg.runs} runs` : '', cfg.timeMs !== undefined ? `time ${fmtDuration(cfg.timeMs)}` : ''].filter((s) => s).join(', ');
  const cexes = new Map<string, Counterexample>();
  const tty = io === processIO && process.stderr.isTTY === true;
  const campaign = new FuzzCampaign(cfg, {
    onFound: (f) => {
      io.err(`${tty ? '\r\x1b[K' : ''}verihist fuzz: ${f.property} failed on run ${f.index} (${f.originalInsns} insns): ${f.summary}; shrinking\n`);
    },
    onFailure: (f, c) => {
      cexes.set(f.file, c);
      io.err(`${tty ? '\r\x1b[K' : ''}verihist fuzz: ${f.property} run ${f.index} shrunk to ${f.insns} insns in ${fmtDuration(f.shrinkMs)} -> ${f.file}\n`);
    },
  });
  const header = headerLine({ ...cfg, properties: cfg.properties, presets: cfg.presets, backedge: cfg.backedge, profile: cfg.profile, shard: `${cfg.shard.index}/${cfg.shard.count}`, fault: cfg.fault }, limit, campaign.usesThreads ? cfg.workers : 1);
  if (json) io.err(header);
  else io.out(header);

  let signalled: StopReason | undefined;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => (): void => {
    if (signalled) process.exit(sig === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM); // second signal: give up at once
    signalled = sig;
    io.err(`${tty ? '\r\x1b[K' : ''}verihist fuzz: ${sig}: stopping; finishing the program in flight and writing the report\n`);
    campaign.stop(sig);
  };
  const hInt = onSignal('SIGINT');
  const hTerm = onSignal('SIGTERM');
  process.on('SIGINT', hInt);
  process.on('SIGTERM', hTerm);
  const ticker = tty ? setInterval(() => io.err(progressLine(campaign.progress())), 250) : undefined;
  let report;
  try {
    report = await campaign.run();
  } finally {
    if (ticker) clearInterval(ticker);
    process.off('SIGINT', hInt);
    process.off('SIGTERM', hTerm);
  }
  if (tty) io.err('\r\x1b[K');
  if (junit) writeJunit(junit, junitSuites(report, cexes));
  if (json) {
    io.out(JSON.stringify(report) + '\n');
  } else {
    io.out(summaryText(report));
    for (const f of report.failures) {
      const c = cexes.get(f.file);
      if (c) io.out('\n' + counterexampleText(c));
    }
  }
  if (signalled) return signalled === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM;
  if (report.errors.length) return EXIT_USAGE;
  return report.failures.length ? EXIT_FINDING : EXIT_OK;
}
