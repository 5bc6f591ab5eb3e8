// The fault catalog: every deliberate bug verihist can inject, what kernel bug
// it imitates, and the campaign that should catch it (`verihist fuzz --faults
// all` runs each one; `--list-faults` prints this table).
import type { HistoryKind } from '../src/history/history.js';
import { HISTORY_FAULTS, isHistoryFault, type HistoryFault } from '../src/history/index.js';
import { VERIFIER_FAULTS, VERIFIER_FAULT_HELP, isVerifierFault, type VerifierFault } from '../src/verifier/profile/faults.js';
import type { PresetName } from '../generators/presets.js';

export type FaultName = HistoryFault | VerifierFault;

export const isFaultName = (s: string): s is FaultName => isHistoryFault(s) || isVerifierFault(s);

export interface FaultEntry {
  name: Exclude<FaultName, 'none'>;
  /** Where the bug sits. */
  target: 'shared history' | 'pinned history' | 'precision' | 'pruning';
  /** The kind of kernel bug it stands for. */
  imitates: string;
  /** The campaign that should catch it: implementation under test, backedge propagation, properties, presets. */
  b: HistoryKind;
  backedge: boolean;
  /** Property names (types.ts PROPERTY_NAMES; plain strings to keep types.ts free of this module). */
  properties: string[];
  presets: PresetName[];
}

const AUDITS = ['noClobber', 'readFidelity', 'chainShape'];
const ALL_PRESETS: PresetName[] = ['small', 'medium', 'loops', 'deep', 'risky', 'calls', 'callbacks'];

const HISTORY_HELP: Readonly<Record<Exclude<HistoryFault, 'none'>, string>> = {
  'child-starts-early': 'a checkpoint child starts one entry inside its parent slice (an off-by-one in the start index)',
  'reset-forgets-parent-end': 'clear_jmp_history restarts the child at the parent start (overwrites the sealed parent)',
  'reset-keeps-start': 'clear_jmp_history does nothing: the child keeps the parent entries (double-counted history)',
  'async-starts-at-zero': 'an async callback state starts at index 0 instead of the current end (push_async_cb)',
  'pop-keeps-end': 'pop_stack copies the start index but keeps the current state\'s old end',
  'pin-backedge-only': 'a backedge pins its own slice but not its parent chain (the 6.17 revert\'s bug, half fixed)',
};

export const FAULT_CATALOG: readonly FaultEntry[] = [
  ...HISTORY_FAULTS.filter((f): f is Exclude<HistoryFault, 'none'> => f !== 'none').map((name): FaultEntry => (name === 'pin-backedge-only'
    ? { name, target: 'pinned history', imitates: HISTORY_HELP[name], b: 'pinned', backedge: true, properties: ['pinnedMatchesCopy', ...AUDITS], presets: ['loops', 'medium'] }
    : {
      name, target: 'shared history', imitates: HISTORY_HELP[name], b: 'shared', backedge: false,
      properties: ['sharedMatchesCopy', ...AUDITS], presets: name === 'async-starts-at-zero' ? ['callbacks'] : ALL_PRESETS,
    })),
  ...VERIFIER_FAULTS.map((name): FaultEntry => ({
    name, target: name.startsWith('bt-') ? 'precision' : 'pruning', imitates: VERIFIER_FAULT_HELP[name],
    b: 'copy', backedge: false, properties: ['sharedMatchesCopy'], presets: ALL_PRESETS,
  })),
];

export const faultEntry = (name: string): FaultEntry | undefined => FAULT_CATALOG.find((f) => f.name === name);

/** The history fault to inject into implementation `kind`, if `fault` is one it takes. */
export function historyFaultFor(fault: FaultName | undefined, kind: HistoryKind): HistoryFault | undefined {
  if (fault === undefined || fault === 'none' || !isHistoryFault(fault)) return undefined;
  if (kind === 'copy' || kind === 'audited-copy') return undefined;
  if (fault === 'pin-backedge-only' && kind !== 'pinned' && kind !== 'audited-pinned') return undefined;
  return fault;
}

/** The verifier faults to inject (at most the one named). */
export const verifierFaultsFor = (fault: FaultName | undefined): VerifierFault[] =>
  fault !== undefined && isVerifierFault(fault) ? [fault] : [];
