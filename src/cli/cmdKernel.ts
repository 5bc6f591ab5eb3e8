// `verihist kernel FILES...`: loads each program into the live kernel.

import { basename } from 'node:path';
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { renderTable } from '../util/table.js';
import { EXIT_FINDING, EXIT_OK, UsageError, sharedOptions, type IO } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';
import { requireKernel } from './kernelGate.js';
import type { ProbeReport } from '../kernel/probe.js';

export const RESULT_COLUMNS = [
  { title: 'File' }, { title: 'Program' }, { title: 'Verdict' },
  { title: 'Insns', align: 'right' as const }, { title: 'States', align: 'right' as const },
  { title: 'Peak states', align: 'right' as const }, { title: 'Max states/insn', align: 'right' as const },
  { title: 'Error' },
];

export const resultRow = (file: string, name: string, r: Result): Array<string | number> =>
  [basename(file), name, r.verdict, r.insns, r.total_states, r.peak_states, r.max_states_per_insn, r.error];

export async function kernelCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const given = Array.isArray(args[0]) ? (args[0] as string[]) : [];
  if (raw['probe'] === true || raw['record'] === true) {
    if (given.length) throw new UsageError(`--${raw['probe'] === true ? 'probe' : 'record'} takes no program files`);
    const vm = typeof raw['vm'] === 'string' ? raw['vm'] : undefined;
    if (!vm) await requireKernel();
    const dir = typeof raw['dir'] === 'string' ? raw['dir'] : 'test/kernel/fixtures';
    return withOracle(vm, (o) => (raw['probe'] === true ? probeCommand(o, opts.json, io) : recordCommand(o, dir, io)));
  }
  if (given.length === 0) throw new UsageError('kernel: give program files, --probe or --record');
  const wantLog = raw['log'] === true;
  const files = expandInputs(given);
  const programs = [];
  for (const f of files) programs.push({ file: f, program: await loadProgram(f, opts) });
  const level = wantLog && opts.logLevel === 0 ? 1 : opts.logLevel;
  const loadOpts = { logLevel: level, keepLog: wantLog || opts.json && level > 0 };
  const results = typeof raw['vm'] === 'string'
    ? await loadAllInVm(raw['vm'], programs, loadOpts)
    : await loadAllLive(programs, loadOpts);
  const rows: Array<Array<string | number>> = [];
  const logs: string[] = [];
  let crashed = 0;
  for (const [i, { file, program }] of programs.entries()) {
    const { result: r, crash } = results[i]!;
    if (crash !== undefined) crashed++;
    if (opts.json) {
      io.out(JSON.stringify({ file, name: program.name, ...r, ...(crash !== undefined ? { crash } : {}) }) + '\n');
      continue;
    }
    rows.push(resultRow(file, program.name, r));
    if (wantLog) logs.push(`--- ${file} (${program.name}) ---\n${r.log ?? ''}`);
  }
  if (crashed > 0) io.err(`verihist: the guest crashed or hung on ${crashed} program(s); see their error column\n`);
  if (!opts.json) {
    io.out(renderTable(RESULT_COLUMNS, rows));
    for (const l of logs) io.out(l.endsWith('\n') ? l : `${l}\n`);
  }
  return crashed > 0 ? EXIT_FINDING : EXIT_OK;
}

type Loaded = { result: Result; crash?: string };
type LoadOpts = { logLevel: number; keepLog: boolean };

async function loadAllLive(programs: { program: Program }[], o: LoadOpts): Promise<Loaded[]> {
  await requireKernel();
  const { loadInKernel } = await import('../kernel/oracle.js');
  return programs.map(({ program }) => ({ result: loadInKernel(program, o) }));
}

async function loadAllInVm(spec: string, programs: { file: string; program: Program }[], o: LoadOpts): Promise<Loaded[]> {
  const { vmPool, closeVms, checkVmSpec } = await import('../vm/oracle.js');
  checkVmSpec(spec);
  try {
    const pool = await vmPool(spec, programs.length < 4 ? { vms: 1 } : {});
    return await Promise.all(programs.map(({ file, program }) => pool.load(program, o, `${basename(file)} (${program.name})`)));
  } finally {
    await closeVms();
  }
}

/** Where --probe/--record load: the live kernel, or a VM pool (closed afterwards). */
interface ProbeOracle {
  probe(): Promise<ProbeReport>;
  load(p: Program, logLevel: number): Result | Promise<Result>;
}

async function withOracle(vm: string | undefined, run: (o: ProbeOracle) => Promise<number>): Promise<number> {
  if (!vm) {
    const { probeLiveKernel } = await import('../kernel/probe.js');
    const { loadInKernel } = await import('../kernel/oracle.js');
    return run({ probe: async () => probeLiveKernel(), load: (p, logLevel) => loadInKernel(p, { logLevel, keepLog: true }) });
  }
  const { vmPool, closeVms, checkVmSpec } = await import('../vm/oracle.js');
  const { probeVm } = await import('../vm/probe.js');
  checkVmSpec(vm);
  try {
    const pool = await vmPool(vm);
    return await run({
      probe: () => probeVm(pool),
      load: async (p, logLevel) => {
        const r = await pool.load(p, { logLevel, keepLog: true }, p.name);
        if (r.crash !== undefined) throw new UsageError(`${p.name}: the ${pool.release} guest crashed (${r.crash})`);
        return r.result;
      },
    });
  } finally {
    await closeVms();
  }
}

async function probeCommand(o: ProbeOracle, json: boolean, io: IO): Promise<number> {
  const { probeMatches, probeSummary, PROBES } = await import('../kernel/probe.js');
  const { SWITCH_NAMES } = await import('../verifier/profile/index.js');
  const r = await o.probe();
  const ok = probeMatches(r);
  if (json) {
    const switches = Object.fromEntries(SWITCH_NAMES.map((n) => {
      const o = r.observed[n];
      return [n, o.value === null ? { value: null, why: o.why } : { value: o.value, probe: PROBES[n]().name }];
    }));
    io.out(JSON.stringify({
      release: r.release, switches, profile: ok ? r.match.profile.name : null,
      closest: r.match.profile.name, differing: r.match.differing, summary: probeSummary(r),
    }) + '\n');
  } else {
    io.out(`kernel release ${r.release}\n`);
    io.out(renderTable(
      [{ title: 'Switch' }, { title: 'Observed' }, { title: r.match.profile.name }, { title: 'Probe' }],
      SWITCH_NAMES.map((n) => {
        const o = r.observed[n];
        return [n, o.value === null ? `? (${o.why})` : o.value ? 'on' : 'off', r.match.profile.switches[n] ? 'on' : 'off', PROBES[n]().name];
      }),
    ));
    io.out(`${probeSummary(r)}\n`);
  }
  return ok ? EXIT_OK : EXIT_FINDING;
}

async function recordCommand(o: ProbeOracle, dir: string, io: IO): Promise<number> {
  const { probeMatches, probeSummary } = await import('../kernel/probe.js');
  const { recordFixtures } = await import('../kernel/fixture.js');
  const r = await o.probe();
  if (!probeMatches(r)) throw new UsageError(`${probeSummary(r)}: add a profile for it (docs/kernel-profiles.md), then record`);
  let written: string[];
  try {
    written = await recordFixtures(dir, { release: r.release, profile: r.match.profile.name }, (p, logLevel) => o.load(p, logLevel));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  for (const f of written) io.out(`${f}\n`);
  io.out(`${written.length} fixture(s) recorded on ${r.release} (profile ${r.match.profile.name})\n`);
  return EXIT_OK;
}
