// Reference history (Linux 6.18): every state owns its array of entries and
// copy_verifier_state copies it.
import type { HistoryStats } from '../result/result.js';
import type { CopyReason, HistCursor, HistEntry, HistOwner, HistSlot, InsnHistory } from './history.js';

export const HIST_ENTRY_BYTES = 16; // struct bpf_jmp_history_entry

export class CopySlot implements HistSlot {
  readonly kind = 'copy';
  entries: HistEntry[] = [];
}

const slotOf = (st: HistOwner): CopySlot => st.hist as CopySlot;

export class CopyHistory implements InsnHistory {
  readonly name = 'copy';
  private allocations = 0;
  private entriesCopied = 0;
  private entriesWritten = 0;
  private live = 0;
  private peak = 0;

  newSlot(): HistSlot {
    return new CopySlot();
  }

  push(st: HistOwner, entry: HistEntry): void {
    const s = slotOf(st);
    s.entries.push({ idx: entry.idx, prevIdx: entry.prevIdx, flags: entry.flags, linkedRegs: entry.linkedRegs });
    // krealloc on every push: one allocation per appended entry.
    this.allocations++;
    this.entriesWritten++;
    this.bump(1);
  }

  combineLast(st: HistOwner, flags: number, linkedRegs: bigint): void {
    const s = slotOf(st);
    const n = s.entries.length;
    const last = s.entries[n - 1];
    if (!last) throw new Error('combineLast on empty history');
    // Entries are shared between copies (see copyInto): replace, never mutate.
    s.entries[n - 1] = { idx: last.idx, prevIdx: last.prevIdx, flags: last.flags | flags, linkedRegs };
    this.entriesWritten++;
  }

  copyInto(dst: HistOwner, src: HistOwner, _why: CopyReason): void {
    const d = slotOf(dst);
    const srcEntries = slotOf(src).entries;
    this.bump(srcEntries.length - d.entries.length);
    // Entry objects are immutable once another state can see them, so a
    // shallow copy is a faithful copy.
    d.entries = srcEntries.slice();
    this.allocations++;
    this.entriesCopied += srcEntries.length;
  }

  resetForChild(cur: HistOwner): void {
    const s = slotOf(cur);
    this.bump(-s.entries.length);
    s.entries = [];
  }

  startAsyncCallback(cbState: HistOwner): void {
    const s = slotOf(cbState);
    this.bump(-s.entries.length);
    s.entries = [];
  }

  finalize(): void {
    // Entries are kept until the state is freed; freeing is not modelled per state.
  }

  seal(): void {}

  cursor(st: HistOwner): HistCursor {
    const entries = slotOf(st).entries;
    return { count: entries.length, at: (i: number) => entries[i] as HistEntry };
  }

  release(st: HistOwner): void {
    const s = slotOf(st);
    this.bump(-s.entries.length);
    s.entries = [];
  }

  private bump(delta: number): void {
    this.live += delta;
    if (this.live > this.peak) this.peak = this.live;
  }

  stats(): HistoryStats {
    return {
      allocations: this.allocations,
      entriesCopied: this.entriesCopied,
      entriesWritten: this.entriesWritten,
      peakEntries: this.peak,
      growthEvents: this.allocations,
      bytes: this.peak * HIST_ENTRY_BYTES,
    };
  }
}
