// The run index space of a campaign, fixed by the seed alone: run k always
// gets the same preset and the same fast-check (seed, path), whichever shard
// or worker runs it, so a campaign is reproducible and shardable.
import type { PresetName } from '../../generators/presets.js';

/** Runs per fast-check seed: run k is value k % BLOCK of the seed of block k / BLOCK (bounded replay cost). */
export const FC_BLOCK = 256;

/** A 32-bit mix of two integers (murmur3 finalizer over a simple combine). */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) + 0x7f4a7c15, 0x85ebca6b)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export interface RunPlan {
  index: number;
  preset: PresetName;
  /** fast-check seed and path that produce this run's tree. */
  fcSeed: number;
  path: string;
}

export function planRun(seed: number, index: number, presets: readonly PresetName[]): RunPlan {
  const preset = presets[index % presets.length] as PresetName;
  return { index, preset, fcSeed: mix32(seed, Math.floor(index / FC_BLOCK)), path: String(index % FC_BLOCK) };
}

export interface Shard {
  /** 1-based, as in `--shard 2/4`. */
  index: number;
  count: number;
}

/** The m-th run index of a shard (shards interleave: 1/4 gets 0, 4, 8, ...). */
export const shardRun = (s: Shard, m: number): number => s.index - 1 + s.count * m;

/** Runs of a shard below `total` (when the campaign is bounded by --runs). */
export const shardRuns = (s: Shard, total: number): number => Math.max(0, Math.ceil((total - (s.index - 1)) / s.count));
