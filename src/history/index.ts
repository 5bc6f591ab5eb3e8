// Factory for history implementations, by the names the CLI accepts.
// 'audited' means audited(shared), the design under test; 'audited-copy'
// audits the reference itself (a sanity check of the audit).
import { AuditedHistory, type AuditOptions } from './audited.js';
import { CopyHistory } from './copy.js';
import type { HistoryKind, InsnHistory } from './history.js';
import { SharedHistory, SHARED_FAULTS, type SharedFault } from './shared.js';
import { PinnedHistory } from './pinned.js';

export const HISTORY_KINDS: readonly HistoryKind[] = ['copy', 'shared', 'pinned', 'audited', 'audited-copy', 'audited-shared', 'audited-pinned'];

export const HISTORY_KIND_HELP: Readonly<Record<HistoryKind, string>> = {
  copy: 'per-state arrays copied on every state copy (Linux 6.18, reference)',
  shared: 'one growable array, states hold [start,end) (the 6.13 patch)',
  pinned: 'shared, but a loop backedge pins its parent chain; pinned slices move out before an overwrite',
  audited: 'shared under the audit (copy shadow, no-clobber/read-fidelity/chain-shape checks)',
  'audited-copy': 'copy under the audit (checks the audit itself)',
  'audited-shared': 'same as audited',
  'audited-pinned': 'pinned under the audit, which also protects every backedge parent chain until release',
};

/** Faults of the history designs: the shared array's, plus the pinned design's own. */
export type HistoryFault = SharedFault | 'pin-backedge-only';
export const HISTORY_FAULTS: readonly HistoryFault[] = [...SHARED_FAULTS.filter((f) => f !== 'none'), 'pin-backedge-only'];
export const isHistoryFault = (s: string): s is HistoryFault => s === 'none' || (HISTORY_FAULTS as readonly string[]).includes(s);

export interface MakeHistoryOptions extends AuditOptions {
  /** Inject a bug into the shared or pinned implementation (also under an audit). */
  fault?: HistoryFault;
}

export const isHistoryKind = (s: string): s is HistoryKind => (HISTORY_KINDS as readonly string[]).includes(s);

/** A fresh history for one verification run. */
export function makeHistory(kind: HistoryKind, opts: MakeHistoryOptions = {}): InsnHistory {
  const f = opts.fault;
  const fault = f !== undefined && f !== 'pin-backedge-only' ? { fault: f } : {};
  const shared = (): SharedHistory => new SharedHistory(fault);
  const pinned = (): PinnedHistory => new PinnedHistory(f === 'pin-backedge-only' ? { pinBackedgeOnly: true } : fault);
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
    case 'pinned':
      return pinned();
    case 'audited-pinned':
      return new AuditedHistory(pinned(), { ...opts, protectBackedgeChains: true });
  }
}

export { AuditedHistory, AuditError } from './audited.js';
export type { AuditOptions, Violation, ViolationKind, TimelineEvent, StateInfo, SliceInfo, Life } from './audited.js';
export { CopyHistory } from './copy.js';
export { SharedHistory, SHARED_FAULTS, kmallocSizeRoundup } from './shared.js';
export { PinnedHistory } from './pinned.js';
export type { SharedFault, SharedOptions, SharedGrowth } from './shared.js';
