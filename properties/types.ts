// Shared shapes of the properties: what they take and what they return.
import type { HistoryKind } from '../src/history/history.js';
import type { FaultName } from './faults.js';
import { NEWEST_PROFILE, findProfile, type KernelProfile } from '../src/verifier/profile/index.js';

/** Why a property failed, JSON-safe (it goes into counterexample files). */
export interface PropertyDiff {
  /** One line: what failed. */
  summary: string;
  /** Human-readable detail lines (what `verihist replay` prints). */
  lines: string[];
  /** Differing fields of two Results, as short text (pair properties). */
  fields?: { field: string; a: string; b: string }[];
  /** Audit violation kinds seen (audit properties). */
  violations?: { kind: string; insnIdx: number; op: string; detail: string }[];
}

export type PropertyOutcome = { ok: true; skipped?: string } | { ok: false; diff: PropertyDiff };

export interface PropertyOptions {
  /** Precision propagation over loop backedges (6.17+); default true as in 6.18. */
  backedge?: boolean;
  /** Pair properties: the reference side (default copy). */
  a?: HistoryKind;
  /** The implementation under test (default shared); audits wrap it. */
  b?: HistoryKind;
  /** A catalog fault (properties/faults.ts) injected into the implementation under test. */
  fault?: FaultName;
  /** Pair properties: also compare the full level-2 log (slower). */
  fullLog?: boolean;
  /** Load with BPF_F_TEST_STATE_FREQ. */
  testStateFreq?: boolean;
  /** Kernel profile name the model follows (default: the newest). */
  profile?: string;
  /** modelMatchesKernel: 'live' (default) or 'vm:<kernel>' (a cached kernel under QEMU). */
  oracle?: string;
}

/** The profile `o` names; an unknown name is a caller bug. */
export function profileOf(o: PropertyOptions): KernelProfile {
  if (o.profile === undefined) return NEWEST_PROFILE;
  const p = findProfile(o.profile);
  if (!p) throw new Error(`unknown kernel profile '${o.profile}'`);
  return p;
}

export const PROPERTY_NAMES = ['sharedMatchesCopy', 'pinnedMatchesCopy', 'noClobber', 'readFidelity', 'chainShape', 'modelMatchesKernel'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];
export const isPropertyName = (s: string): s is PropertyName => (PROPERTY_NAMES as readonly string[]).includes(s);

export const PROPERTY_HELP: Readonly<Record<PropertyName, string>> = {
  sharedMatchesCopy: 'histories --a and --b give identical verdict, error, statistics and precision marks',
  pinnedMatchesCopy: 'the pinned history gives what --a (default copy) gives: verdict, error, statistics and precision marks',
  noClobber: 'the audit sees no write into a sealed slice of the implementation under test',
  readFidelity: 'the audit sees every backtracking read return what copy holds',
  chainShape: 'the audit sees parent-chain slices ordered, disjoint and contiguous',
  modelMatchesKernel: 'the model (copy) agrees with the kernel (live, or --oracle vm:<kernel>) on verdict and statistics',
};

/** Kinds that run the shared array (shared or pinned; a fault can be injected into them). */
export const takesFault = (k: HistoryKind): boolean => k !== 'copy' && k !== 'audited-copy';

export const errorText = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e));
