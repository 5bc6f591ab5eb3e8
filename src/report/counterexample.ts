// Counterexample files: everything needed to re-run a property failure
// without the generator (program as asm and base64, type, flags, options)
// and to re-shrink it with the generator (seed, fast-check path, tree).
// Written atomically (temporary file + rename), so a reader or an
// interrupted run never sees half a file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryKind } from '../history/history.js';
import { isHistoryKind } from '../history/index.js';
import { isFaultName, type FaultName } from '../../properties/faults.js';
import { programFromJson, type ProgramJson } from '../isa/programFile.js';
import type { Program } from '../isa/program.js';
import { BASELINE_PROFILE, findProfile, profileNames } from '../verifier/profile/index.js';
import type { ProgramTree } from '../../generators/tree.js';
import { isProgramTree } from '../../generators/shrink.js';
import { isPropertyName, type PropertyDiff, type PropertyName, type PropertyOptions } from '../../properties/types.js';
import { writeFileAtomic } from '../util/fs.js';


export const COUNTEREXAMPLE_FORMAT = 'verihist-counterexample/1';

export interface CounterexampleOptions {
  backedge: boolean;
  a: HistoryKind;
  b: HistoryKind;
  fault?: FaultName;
  fullLog: boolean;
  stateFreq: boolean;
  /** Kernel profile the model ran under (files without one: 6.18.44). */
  profile: string;
}

export interface Counterexample {
  format: typeof COUNTEREXAMPLE_FORMAT;
  property: PropertyName;
  summary: string;
  /** The (shrunk) program: name, type, flags, asm and base64 (authoritative). */
  program: ProgramJson;
  insns: number;
  options: CounterexampleOptions;
  /** Where the fuzz campaign found it (absent for hand-made files). */
  campaign?: { seed: number; index: number; preset: string; shard: string };
  /** fast-check's seed and counterexample path for the tree. */
  fastCheck?: { seed: number; path: string };
  /** The shrunk block tree (renders to the program before instruction-level shrinking). */
  tree?: ProgramTree;
  originalInsns?: number;
  treeInsns?: number;
  diff: PropertyDiff;
  found?: { at: string; elapsedMs: number; shrinkMs: number; shrinkRuns: number; shrinkInterrupted: boolean };
}

export function propertyOptionsOf(c: Counterexample): PropertyOptions {
  const o: PropertyOptions = { backedge: c.options.backedge, a: c.options.a, b: c.options.b, fullLog: c.options.fullLog, profile: c.options.profile };
  if (c.options.fault !== undefined && c.options.fault !== 'none') o.fault = c.options.fault;
  if (c.options.stateFreq) o.testStateFreq = true;
  return o;
}

export const counterexampleProgram = (c: Counterexample, file = '<counterexample>'): Program => programFromJson(c.program, file);

/** Deterministic file name: the same campaign run gives the same name. */
export function counterexampleName(c: Counterexample): string {
  const where = c.campaign ? `seed${c.campaign.seed}-run${c.campaign.index}` : `${Date.now()}`;
  return `${c.property}-${where}.json`;
}


export function writeCounterexample(c: Counterexample, fileOrDir: { dir: string } | { file: string }): string {
  const file = 'file' in fileOrDir ? fileOrDir.file : join(fileOrDir.dir, counterexampleName(c));
  writeFileAtomic(file, JSON.stringify(c, null, 2) + '\n');
  return file;
}

export class CounterexampleError extends Error {
  override readonly name = 'CounterexampleError';
}

const str = (o: Record<string, unknown>, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: Record<string, unknown>, k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Parses and checks a counterexample; throws CounterexampleError with a one-line message. */
export function parseCounterexample(v: unknown, file = '<counterexample>'): Counterexample {
  const fail = (m: string): CounterexampleError => new CounterexampleError(`${file}: ${m}`);
  const o = obj(v);
  if (!o) throw fail('not a JSON object');
  if (o['format'] !== COUNTEREXAMPLE_FORMAT) throw fail(`not a counterexample (format ${JSON.stringify(o['format'])}, want ${COUNTEREXAMPLE_FORMAT})`);
  const property = str(o, 'property');
  if (!property || !isPropertyName(property)) throw fail(`unknown property ${JSON.stringify(o['property'])}`);
  const program = obj(o['program']);
  if (!program || (typeof program['base64'] !== 'string' && typeof program['asm'] !== 'string')) throw fail('"program" needs "asm" or "base64"');
  const opts = obj(o['options']) ?? {};
  const a = str(opts, 'a') ?? 'copy';
  const b = str(opts, 'b') ?? 'shared';
  if (!isHistoryKind(a) || !isHistoryKind(b)) throw fail(`unknown history kind in options (${a}, ${b})`);
  const fault = str(opts, 'fault');
  if (fault !== undefined && !isFaultName(fault)) throw fail(`unknown fault '${fault}'`);
  const profile = str(opts, 'profile') ?? BASELINE_PROFILE.name;
  if (!findProfile(profile)) throw fail(`unknown kernel profile '${profile}' (have ${profileNames().join(', ')})`);
  const diff = obj(o['diff']);
  const c: Counterexample = {
    format: COUNTEREXAMPLE_FORMAT,
    property,
    summary: str(o, 'summary') ?? '',
    program: program as unknown as ProgramJson,
    insns: num(o, 'insns') ?? 0,
    options: {
      backedge: opts['backedge'] !== false,
      a, b,
      ...(fault !== undefined ? { fault: fault as FaultName } : {}),
      fullLog: opts['fullLog'] === true,
      stateFreq: opts['stateFreq'] === true,
      profile,
    },
    diff: {
      summary: diff ? str(diff, 'summary') ?? '' : '',
      lines: diff && Array.isArray(diff['lines']) ? diff['lines'].filter((l): l is string => typeof l === 'string') : [],
    },
  };
  if (diff && Array.isArray(diff['fields'])) c.diff.fields = diff['fields'] as NonNullable<PropertyDiff['fields']>;
  if (diff && Array.isArray(diff['violations'])) c.diff.violations = diff['violations'] as NonNullable<PropertyDiff['violations']>;
  const camp = obj(o['campaign']);
  if (camp && num(camp, 'seed') !== undefined && num(camp, 'index') !== undefined) {
    c.campaign = { seed: num(camp, 'seed')!, index: num(camp, 'index')!, preset: str(camp, 'preset') ?? '', shard: str(camp, 'shard') ?? '1/1' };
  }
  const fcx = obj(o['fastCheck']);
  if (fcx && num(fcx, 'seed') !== undefined && str(fcx, 'path') !== undefined) c.fastCheck = { seed: num(fcx, 'seed')!, path: str(fcx, 'path')! };
  if (isProgramTree(o['tree'])) c.tree = o['tree'];
  for (const k of ['originalInsns', 'treeInsns'] as const) {
    const n = num(o, k);
    if (n !== undefined) c[k] = n;
  }
  const found = obj(o['found']);
  if (found) {
    c.found = {
      at: str(found, 'at') ?? '', elapsedMs: num(found, 'elapsedMs') ?? 0, shrinkMs: num(found, 'shrinkMs') ?? 0,
      shrinkRuns: num(found, 'shrinkRuns') ?? 0, shrinkInterrupted: found['shrinkInterrupted'] === true,
    };
  }
  // Check the program decodes now, with the file name in the message.
  counterexampleProgram(c, file);
  return c;
}

export function readCounterexample(file: string): Counterexample {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new CounterexampleError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${String(code ?? e)})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CounterexampleError(`${file}: bad JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseCounterexample(v, file);
}
