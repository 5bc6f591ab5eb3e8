// Factory for history implementations, by the names the CLI accepts.
// 'audited' means audited(shared), the design under test; 'audited-copy'
// audits the reference itself (a sanity check of the audit).
import { AuditedHistory, type AuditOptions } from './audited.js';
import { CopyHistory } from './copy.js';
import type { HistoryKind, InsnHistory } from './history.js';
import { SharedHistory, type SharedFault } from './shared.js';

export const HISTORY_KINDS: readonly HistoryKind[] = ['copy', 'shared', 'audited', 'audited-copy', 'audited-shared'];

export const HISTORY_KIND_HELP: Readonly<Record<HistoryKind, string>> = {
  copy: 'per-state arrays copied on every state copy (Linux 6.18, reference)',
  shared: 'one growable array, states hold [start,end) (the 6.13 patch)',
  audited: 'shared under the audit (copy shadow, no-clobber/read-fidelity/chain-shape checks)',
  'audited-copy': 'copy under the audit (checks the audit itself)',
  'audited-shared': 'same as audited',
};

export interface MakeHistoryOptions extends AuditOptions {
  /** Inject a bug into the shared implementation (also under an audit). */
  fault?: SharedFault;
}

export const isHistoryKind = (s: string): s is HistoryKind => (HISTORY_KINDS as readonly string[]).includes(s);

/** A fresh history for one verification run. */
export function makeHistory(kind: HistoryKind, opts: MakeHistoryOptions = {}): InsnHistory {
  const shared = (): SharedHistory => new SharedHistory(opts.fault !== undefined ? { fault: opts.fault } : {});
  switch (kind) {
    case 'copy':
      return new CopyHistory();
    case 'shared':
      return shared();
    case 'audited':
    case 'audited-shared':
      return new AuditedHistory(shared(), opts);
    case 'audited-copy':
      return new AuditedHistory(new CopyHistory(), opts);
  }
}

export { AuditedHistory, AuditError } from './audited.js';
export type { AuditOptions, Violation, ViolationKind, TimelineEvent, StateInfo, SliceInfo, Life } from './audited.js';
export { CopyHistory } from './copy.js';
export { SharedHistory, SHARED_FAULTS, kmallocSizeRoundup } from './shared.js';
export type { SharedFault, SharedOptions, SharedGrowth } from './shared.js';
