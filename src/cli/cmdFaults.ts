// verihist fuzz --list-faults / --faults all|NAME,...: the fault study. Each
// catalog fault gets its own seeded campaign (the one its entry names), stopped
// at the first failure or the time budget; the table says which property
// caught it, how fast, and how small the counterexample shrank.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FAULT_CATALOG, faultEntry, type FaultEntry } from '../../properties/faults.js';
import { FuzzCampaign, type FuzzReport } from '../fuzz/runner.js';
import { renderTable } from '../util/table.js';
import { EXIT_FINDING, EXIT_OK, UsageError, type IO } from './options.js';
import type { FuzzConfig } from '../fuzz/config.js';

export interface FaultRow {
  fault: string;
  target: string;
  imitates: string;
  caught: boolean;
  property?: string;
  /** Seconds from the campaign start to the failing run. */
  secondsToCatch?: number;
  shrunkInsns?: number;
  originalInsns?: number;
  runs: number;
  seed: number;
  file?: string;
}

export function listFaults(io: IO, json: boolean): number {
  if (json) {
    io.out(JSON.stringify(FAULT_CATALOG) + '\n');
    return EXIT_OK;
  }
  io.out(renderTable([{ title: 'Fault' }, { title: 'Target' }, { title: 'Imitates' }],
    FAULT_CATALOG.map((f) => [f.name, f.target, f.imitates])));
  return EXIT_OK;
}

function selected(spec: string): FaultEntry[] {
  if (spec === 'all') return [...FAULT_CATALOG];
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((n) => {
    const e = faultEntry(n);
    if (!e) throw new UsageError(`--faults: unknown fault '${n}' (verihist fuzz --list-faults lists them)`);
    return e;
  });
}

const row = (e: FaultEntry, r: FuzzReport): FaultRow => {
  const f = r.failures[0];
  return {
    fault: e.name, target: e.target, imitates: e.imitates, caught: f !== undefined, runs: r.runs, seed: r.seed,
    ...(f ? { property: f.property, secondsToCatch: Math.round(f.foundMs) / 1000, shrunkInsns: f.insns, originalInsns: f.originalInsns, file: f.file } : {}),
  };
};

/** Runs every selected fault's campaign in turn; exit 1 when one is not caught. */
export async function faultStudy(spec: string, opts: Record<string, unknown>, profile: string, io: IO,
  fuzzConfig: (opts: Record<string, unknown>, profile: string) => FuzzConfig): Promise<number> {
  const entries = selected(spec);
  const budget = opts['time'] === undefined ? '60s' : String(opts['time']);
  const outDir = resolve(String(opts['out'] ?? 'counterexamples'));
  const rows: FaultRow[] = [];
  let stop = false;
  const onSig = (): void => { stop = true; };
  process.on('SIGINT', onSig);
  try {
    for (const e of entries) {
      if (stop) break;
      const cfg = fuzzConfig({
        ...opts, faults: undefined, fault: e.name, b: e.b, backedge: e.backedge ? 'on' : 'off', property: e.properties, preset: e.presets,
        time: budget, maxFailures: '1', out: join(outDir, `fault-${e.name}`),
      }, profile);
      io.err(`verihist fuzz: fault ${e.name}: ${e.properties.join(',')} on ${e.presets.join(',')} (b=${e.b}, backedge ${e.backedge ? 'on' : 'off'}, seed ${cfg.seed}, up to ${budget})\n`);
      const r = await new FuzzCampaign(cfg, {}).run();
      const x = row(e, r);
      rows.push(x);
      io.err(`verihist fuzz: fault ${e.name}: ${x.caught ? `caught by ${x.property} in ${x.secondsToCatch} s, shrunk to ${x.shrunkInsns} insns` : `NOT caught in ${r.runs} runs`}\n`);
    }
  } finally {
    process.off('SIGINT', onSig);
  }
  mkdirSync(outDir, { recursive: true });
  const jsonFile = join(outDir, 'faults.json');
  writeFileSync(jsonFile, JSON.stringify({ budget, rows }, null, 2) + '\n');
  if (opts['json'] === true) io.out(JSON.stringify({ budget, rows }) + '\n');
  else {
    io.out(renderTable([
      { title: 'Fault' }, { title: 'Target' }, { title: 'Caught by' }, { title: 'Seconds', align: 'right' },
      { title: 'Shrunk insns', align: 'right' }, { title: 'Runs', align: 'right' },
    ], rows.map((x) => [x.fault, x.target, x.property ?? 'NOT CAUGHT', x.secondsToCatch ?? '-', x.shrunkInsns ?? '-', x.runs])));
    const caught = rows.filter((x) => x.caught).length;
    io.out(`${caught}/${rows.length} faults caught within ${budget} each${stop ? ' (interrupted)' : ''}; table: ${jsonFile}\n`);
  }
  return rows.every((x) => x.caught) && !stop ? EXIT_OK : EXIT_FINDING;
}
