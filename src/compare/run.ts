// Running one program on two sides (a model with some history, or the live
// kernel) and comparing the Results.

import type { HistoryKind } from '../history/history.js';
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { HISTORY_KINDS } from '../history/index.js';
import { verifyProgram } from '../verifier/verify.js';
import type { KernelProfile } from '../verifier/profile/index.js';
import { diffResults, type ResultDiff } from './diff.js';
import { makeHistoryOf } from './history.js';
import type { VmLoad } from '../vm/oracle.js';
import { missingFeatures, type KernelFeature } from '../kernel/features.js';

/** The live kernel, a kernel booted in a VM (vm:6.12), or the model with a history. */
export type Side = 'kernel' | `vm:${string}` | HistoryKind;
export const SIDES: readonly string[] = ['kernel', 'live', 'vm:<kernel>', ...HISTORY_KINDS];

/** Reads a --a/--b value ('live' is another name for 'kernel'); undefined when it is none. */
export function parseSide(v: string): Side | undefined {
  if (v === 'kernel' || v === 'live') return 'kernel';
  if (v.startsWith('vm:') && v.length > 3) return v as `vm:${string}`;
  return (HISTORY_KINDS as readonly string[]).includes(v) ? (v as HistoryKind) : undefined;
}

/** A real kernel (live or in a VM) rather than the model. */
export const isOracle = (s: Side): s is 'kernel' | `vm:${string}` => s === 'kernel' || s.startsWith('vm:');

export const sideLabel = (s: Side): string => (isOracle(s) ? s : s === 'copy' ? 'model' : `model/${s}`);

export interface RunOptions {
  /** Precision propagation over backedges (model only; the kernel is 6.18). */
  backedge: boolean;
  /** Log level both sides load at (2 for full-log comparison). */
  logLevel: number;
  /** Kernel profile the model follows (default: the newest). */
  profile?: KernelProfile;
  /** Keep both logs in the Comparison (default: dropped once diffed, they dominate memory). */
  keepLogs?: boolean;
  /** For a vm: side, loads already queued (so the VMs work while the model runs). */
  vmLoads?: Map<Program, Promise<VmLoad>>;
  /** Release of each kernel side: a program using what it lacks (may_goto on 6.1) is excluded, not loaded. */
  releases?: ReadonlyMap<Side, string>;
}

export interface SideRun {
  side: Side;
  result: Result;
  /** Wall time of the run in microseconds. */
  usec: number;
  /** The model threw (a model bug) or the VM guest crashed: the message, and `result` is a placeholder. */
  crash?: string;
}

export type ComparisonStatus = 'compared' | 'unsupported' | 'crashed';

export interface Comparison {
  name: string;
  file?: string;
  a: SideRun;
  b: SideRun;
  status: ComparisonStatus;
  /** Present when status is 'compared'. */
  diff?: ResultDiff;
  /** For unsupported/crashed: which side and why. */
  note?: string;
}

const placeholder = (): Result => ({
  verdict: 'unsupported', errno: 0, error: '', insns: 0, total_states: 0, peak_states: 0, max_states_per_insn: 0, markPrecise: [],
});

export async function runSide(side: Side, program: Program, o: RunOptions): Promise<SideRun> {
  if (side !== 'kernel' && isOracle(side)) {
    const t0 = process.hrtime.bigint();
    let load = o.vmLoads?.get(program);
    if (!load) {
      const { vmPool } = await import('../vm/oracle.js');
      const pool = await vmPool(side.slice(3));
      load = pool.load(program, { logLevel: o.logLevel, keepLog: o.logLevel > 0 }, program.name);
    }
    const r = await load;
    return { side, result: r.result, usec: Number(process.hrtime.bigint() - t0) / 1000, ...(r.crash !== undefined ? { crash: r.crash } : {}) };
  }
  if (side === 'kernel') {
    const { loadInKernel } = await import('../kernel/oracle.js');
    const t0 = process.hrtime.bigint();
    const result = loadInKernel(program, { logLevel: o.logLevel, keepLog: o.logLevel > 0 });
    return { side, result, usec: Number(process.hrtime.bigint() - t0) / 1000 };
  }
  const history = await makeHistoryOf(side);
  const t0 = process.hrtime.bigint();
  try {
    const result = verifyProgram(program, {
      history, backedgePropagation: o.backedge, logLevel: o.logLevel, ...(o.profile ? { profile: o.profile } : {}),
    });
    return { side, result, usec: Number(process.hrtime.bigint() - t0) / 1000 };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { side, result: placeholder(), usec: Number(process.hrtime.bigint() - t0) / 1000, crash: msg };
  }
}

/** Runs both sides and compares; unsupported and crashed runs are not diffed. */
export async function compareProgram(name: string, program: Program, a: Side, b: Side, o: RunOptions, file?: string): Promise<Comparison> {
  for (const s of [a, b]) {
    const release = o.releases?.get(s);
    const missing = release ? missingFeatures(release, program) : [];
    if (missing.length > 0) {
      const f = missing[0] as KernelFeature;
      const skipped: SideRun = { side: s, result: placeholder(), usec: 0 };
      return {
        name, a: skipped, b: { ...skipped, side: s === a ? b : a }, status: 'unsupported', ...(file !== undefined ? { file } : {}),
        note: `${sideLabel(s)}: kernel ${release} has no ${f.name} (${f.since.join('.')}+)`,
      };
    }
  }
  const ra = await runSide(a, program, o);
  const rb = await runSide(b, program, o);
  const base = { name, a: ra, b: rb, ...(file !== undefined ? { file } : {}) };
  for (const r of [ra, rb]) {
    if (r.crash !== undefined) return { ...base, status: 'crashed', note: `${sideLabel(r.side)} crashed: ${r.crash}` };
  }
  for (const r of [ra, rb]) {
    if (r.result.verdict === 'unsupported') {
      const at = r.result.unsupportedAt !== undefined && !/insn \d+/.test(r.result.error) ? ` @insn ${r.result.unsupportedAt}` : '';
      return { ...base, status: 'unsupported', note: `${sideLabel(r.side)}${at}: ${r.result.error}` };
    }
  }
  const precision = !isOracle(a) && !isOracle(b);
  const diff = diffResults(ra.result, rb.result, { precision, program });
  if (o.keepLogs !== true) {
    delete ra.result.log;
    delete rb.result.log;
  }
  return { ...base, status: 'compared', diff };
}
