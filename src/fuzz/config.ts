// A fuzz campaign's configuration, JSON-safe (it is posted to worker threads
// and stored in reports and counterexamples).
import type { HistoryKind } from '../history/history.js';
import type { PresetName } from '../../generators/presets.js';
import type { PropertyName, PropertyOptions } from '../../properties/types.js';
import type { FaultName } from '../../properties/faults.js';
import type { Shard } from './plan.js';

export interface FuzzConfig {
  properties: PropertyName[];
  /** Presets rotated over run indices (run k uses presets[k % length]). */
  presets: PresetName[];
  backedge: boolean;
  /** Total runs over all shards; undefined = until the time limit. */
  runs?: number;
  /** Wall-clock limit for generating new runs, in ms. */
  timeMs?: number;
  seed: number;
  shard: Shard;
  workers: number;
  a: HistoryKind;
  b: HistoryKind;
  fault?: FaultName;
  /** Stop generating after this many failures. */
  maxFailures: number;
  outDir: string;
  /** Budget for shrinking one failure, in ms. */
  shrinkTimeMs: number;
  /** Instruction-level shrinking after tree shrinking. */
  insnShrink: boolean;
  fullLog: boolean;
  stateFreq: boolean;
  /** Kernel profile name the model follows. */
  profile: string;
  /** modelMatchesKernel's kernel: 'live' or 'vm:<kernel>'. */
  oracle?: string;
}

export const DEFAULT_SHRINK_MS = 30_000;

export function propertyOptions(c: Pick<FuzzConfig, 'backedge' | 'a' | 'b' | 'fault' | 'fullLog' | 'stateFreq' | 'profile' | 'oracle'>): PropertyOptions {
  const o: PropertyOptions = { backedge: c.backedge, a: c.a, b: c.b, fullLog: c.fullLog, profile: c.profile };
  if (c.oracle !== undefined && c.oracle !== 'live') o.oracle = c.oracle;
  if (c.fault !== undefined && c.fault !== 'none') o.fault = c.fault;
  if (c.stateFreq) o.testStateFreq = true;
  return o;
}

/** `90s`, `2m`, `1h`, `500ms` or a bare number of seconds, in ms. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms > 0 ? Math.round(ms) : undefined;
}

/** `i/n` with 1 <= i <= n. */
export function parseShard(s: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

export const fmtDuration = (ms: number): string => (ms < 1000 ? `${Math.round(ms)}ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)}s` : `${(ms / 60_000).toFixed(1)}m`);
