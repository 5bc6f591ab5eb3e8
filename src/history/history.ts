// The instruction-history seam. The verifier records jumps, stack accesses and
// linked registers through this interface only, and reads them back only
// through cursors during precision backtracking. Implementations: copy
// (reference, Linux 6.18), shared (the 6.13 patch), pinned (shared, with the
// slices loop backedges still read kept alive), audited (a checking wrapper).
import type { HistoryStats } from '../result/result.js';

// INSN_F_* flags of a history entry.
export const INSN_F_FRAMENO_MASK = 0x7;
export const INSN_F_SPI_MASK = 0x3f;
export const INSN_F_SPI_SHIFT = 3;
export const INSN_F_STACK_ACCESS = 1 << 9;
export const INSN_F_DST_REG_STACK = 1 << 10;
export const INSN_F_SRC_REG_STACK = 1 << 11;

export interface HistEntry {
  idx: number;
  prevIdx: number;
  flags: number;
  /** Packed linked registers (linked_regs_pack); 0n when none. */
  linkedRegs: bigint;
}

/** Per-state history handle; only the owning implementation looks inside. */
export interface HistSlot {
  readonly kind: string;
}

/** Read-only backward view of one state's history at one moment. */
export interface HistCursor {
  /** Number of entries in the state's history. */
  readonly count: number;
  /** Entry i, 0 <= i < count (0 is the oldest). */
  at(i: number): HistEntry;
}

/** A verifier-state identity that implementations may use for bookkeeping (audits). */
export interface HistOwner {
  id: number;
  hist: HistSlot;
  /** The checkpoint this state descends from (bpf_verifier_state.parent); audits walk it. */
  parent?: HistOwner | null;
}

export interface InsnHistory {
  readonly name: string;
  /** A fresh, empty slot for a brand-new state (the initial state). */
  newSlot(): HistSlot;
  /** push_jmp_history when no entry was recorded yet for the current insn. */
  push(st: HistOwner, entry: HistEntry, insnIdx: number): void;
  /** Combine flags/linked regs into the entry pushed for the current insn (env->cur_hist_ent). */
  combineLast(st: HistOwner, flags: number, linkedRegs: bigint, insnIdx?: number): void;
  /** copy_verifier_state: dst's history becomes src's. `why` names the copy site. */
  copyInto(dst: HistOwner, src: HistOwner, why: CopyReason, insnIdx?: number): void;
  /** clear_jmp_history on `cur` right after a checkpoint `parent` was made from it. */
  resetForChild(cur: HistOwner, parent: HistOwner, insnIdx?: number): void;
  /** An async callback state detached from `cur`, which continues. */
  startAsyncCallback(cbState: HistOwner, cur: HistOwner, insnIdx?: number): void;
  /** The state's branch count dropped to zero (finalized) or it was freed. */
  finalize(st: HistOwner, insnIdx?: number): void;
  /** A state became sealed: a checkpoint with children, or an enqueued state. */
  seal(st: HistOwner, why: 'checkpoint' | 'enqueued', insnIdx?: number): void;
  /** free_verifier_state: the state is gone for good. */
  release(st: HistOwner, insnIdx?: number): void;
  /** Backward read of st's entries for backtracking. */
  cursor(st: HistOwner, insnIdx: number): HistCursor;
  stats(): HistoryStats;
}

export type CopyReason = 'push_stack' | 'pop_stack' | 'checkpoint' | 'backedge' | 'other';

/** Names accepted by makeHistory (src/history/index.ts); 'audited' = audited(shared). */
export type HistoryKind = 'copy' | 'shared' | 'pinned' | 'audited' | 'audited-copy' | 'audited-shared' | 'audited-pinned';
