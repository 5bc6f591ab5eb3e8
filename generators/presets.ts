// Generator presets: how big, how deep and which blocks how often.

import type { BlockKind } from './tree.js';
import { kernelSupports } from '../src/kernel/features.js';

export type PresetName = 'small' | 'medium' | 'loops' | 'deep' | 'risky' | 'calls' | 'callbacks';

export interface Preset {
  name: PresetName;
  /** Hard cap on rendered instructions (top-level blocks that do not fit are dropped). */
  maxInsns: number;
  /** Top-level block count. */
  minBlocks: number;
  maxBlocks: number;
  /** Nesting depth of if/loop/mayGoto/linked bodies. */
  maxDepth: number;
  /** Blocks per nested body. */
  maxBody: number;
  /** ALU steps per straight-line block. */
  maxAluSteps: number;
  /** Bounded-loop trip counts are in [2, maxTrip]. */
  maxTrip: number;
  /** Relative weights of block kinds (risky excluded; see `risky`). */
  weights: Readonly<Record<Exclude<BlockKind, 'risky'>, number>>;
  /** Probability that a program holds one deliberately risky block. */
  risky: number;
  /** Programs start with this many `rand` blocks (r6, r7, ...) so branches have unknowns to test. */
  prologueRand: number;
  /** Nested call levels below the main program (0: no calls; the kernel allows 7). */
  maxCallDepth: number;
  /** Nesting depth of blocks inside a subprogram body. */
  calleeDepth: number;
  /** Top-level blocks per subprogram body. */
  maxCalleeBody: number;
  /** Probability that a call is of a global subprogram (BTF func_info, verified on its own). */
  globalCalls: number;
  /** Probability that a call is a bpf_loop whose callback is the callee body. */
  loopCallbacks: number;
  /** Probability that a call arms a bpf_timer whose callback is the callee body. */
  timerCallbacks: number;
  /** Probability that a call is a bpf_for_each_map_elem whose callback is the callee body. */
  forEachCallbacks: number;
  /** Probability that a call is a bpf_user_ringbuf_drain whose callback is the callee body. */
  ringbufCallbacks: number;
  /** Probability that a call is a bpf_find_vma whose callback is the callee body. */
  findVmaCallbacks: number;
}

// ptrStore/ptrLoad only appear inside subprogram bodies, so they cost nothing without calls.
const base = {
  alu: 3, rand: 3, spill: 2, fill: 2, varStack: 2, linked: 1, if: 4, exit: 1, loop: 0, mayGoto: 0,
  call: 0, ptrStore: 2, ptrLoad: 2,
} as const;
const noCalls = { maxCallDepth: 0, calleeDepth: 0, maxCalleeBody: 0, globalCalls: 0, loopCallbacks: 0, timerCallbacks: 0, forEachCallbacks: 0, ringbufCallbacks: 0, findVmaCallbacks: 0 } as const;

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  small: {
    name: 'small', maxInsns: 30, minBlocks: 5, maxBlocks: 9, maxDepth: 2, maxBody: 2, maxAluSteps: 2, maxTrip: 3,
    weights: { ...base, alu: 2, if: 7, varStack: 3, loop: 1, mayGoto: 0 }, risky: 0, prologueRand: 1, ...noCalls,
  },
  medium: {
    name: 'medium', maxInsns: 200, minBlocks: 4, maxBlocks: 16, maxDepth: 3, maxBody: 4, maxAluSteps: 4, maxTrip: 4,
    weights: { ...base, loop: 1, mayGoto: 1, call: 0.25 }, risky: 0, prologueRand: 1,
    maxCallDepth: 2, calleeDepth: 2, maxCalleeBody: 3, globalCalls: 0, loopCallbacks: 0, timerCallbacks: 0, forEachCallbacks: 0, ringbufCallbacks: 0, findVmaCallbacks: 0,
  },
  loops: {
    name: 'loops', maxInsns: 160, minBlocks: 3, maxBlocks: 8, maxDepth: 3, maxBody: 3, maxAluSteps: 3, maxTrip: 4,
    weights: { ...base, if: 3, loop: 4, mayGoto: 4 }, risky: 0, prologueRand: 1, ...noCalls,
  },
  deep: {
    name: 'deep', maxInsns: 200, minBlocks: 6, maxBlocks: 16, maxDepth: 5, maxBody: 3, maxAluSteps: 2, maxTrip: 3,
    weights: { ...base, if: 8, exit: 2, linked: 2, loop: 0, mayGoto: 0, call: 0.25 }, risky: 0, prologueRand: 1,
    maxCallDepth: 2, calleeDepth: 3, maxCalleeBody: 3, globalCalls: 0, loopCallbacks: 0, timerCallbacks: 0, forEachCallbacks: 0, ringbufCallbacks: 0, findVmaCallbacks: 0,
  },
  risky: {
    name: 'risky', maxInsns: 120, minBlocks: 3, maxBlocks: 10, maxDepth: 2, maxBody: 3, maxAluSteps: 3, maxTrip: 3,
    weights: { ...base, loop: 1, mayGoto: 1 }, risky: 0.3, prologueRand: 1, ...noCalls,
  },
  // Subprogram calls: pointer arguments into callers' stacks, loops and
  // may_goto inside callees, up to 4 nested calls (5 frames).
  calls: {
    name: 'calls', maxInsns: 220, minBlocks: 3, maxBlocks: 10, maxDepth: 3, maxBody: 3, maxAluSteps: 3, maxTrip: 3,
    weights: { ...base, if: 4, loop: 1, mayGoto: 1, call: 6, ptrStore: 3, ptrLoad: 3 }, risky: 0, prologueRand: 1,
    maxCallDepth: 4, calleeDepth: 2, maxCalleeBody: 5, globalCalls: 0, loopCallbacks: 0, timerCallbacks: 0, forEachCallbacks: 0, ringbufCallbacks: 0, findVmaCallbacks: 0,
  },
  // Calls of global subprograms (verified on their own from unknown scalar
  // arguments), bpf_loop, bpf_for_each_map_elem, bpf_user_ringbuf_drain,
  // bpf_find_vma and bpf_timer (async) callbacks, mixed with static calls.
  callbacks: {
    name: 'callbacks', maxInsns: 220, minBlocks: 3, maxBlocks: 10, maxDepth: 3, maxBody: 3, maxAluSteps: 3, maxTrip: 3,
    weights: { ...base, if: 4, loop: 1, mayGoto: 1, call: 6, ptrStore: 3, ptrLoad: 3 }, risky: 0, prologueRand: 1,
    maxCallDepth: 4, calleeDepth: 2, maxCalleeBody: 5, globalCalls: 0.3, loopCallbacks: 0.12, timerCallbacks: 0.18, forEachCallbacks: 0.1,
    ringbufCallbacks: 0.1, findVmaCallbacks: 0.1,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The preset without the blocks `release` cannot load (may_goto before 6.9). */
export function presetForKernel(p: Preset, release: string): Preset {
  if (kernelSupports(release, 'may_goto')) return p;
  return { ...p, weights: { ...p.weights, mayGoto: 0 } };
}

export function getPreset(p: PresetName | Preset): Preset {
  if (typeof p !== 'string') return p;
  const got = PRESETS[p];
  if (!got) throw new Error(`unknown preset '${String(p)}' (have ${PRESET_NAMES.join(', ')})`);
  return got;
}
