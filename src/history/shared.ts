// Shared history (the 6.13 patch "bpf: use common instruction history across
// all states", reverted in 6.17): one growable array per verification run
// (env->insn_hist); every state keeps [start, end) indices into it. Copying a
// state copies the indices; the current state appends at its own end,
// overwriting whatever a finished sibling left there.
import type { HistoryStats } from '../result/result.js';
import type { CopyReason, HistCursor, HistEntry, HistOwner, HistSlot, InsnHistory } from './history.js';

/** sizeof(struct bpf_insn_hist_entry): u32 idx, u32 prev_idx:22|flags:10, u64 linked_regs. */
export const INSN_HIST_ENTRY_BYTES = 16;

const PAGE_SIZE = 4096;
/** SLUB's largest kmalloc cache on x86-64 (KMALLOC_MAX_CACHE_SIZE = 2 pages). */
const KMALLOC_MAX_CACHE_SIZE = 2 * PAGE_SIZE;
const KMALLOC_CACHES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/** kmalloc_size_roundup: the size of the object kmalloc would really hand out. */
export function kmallocSizeRoundup(size: number): number {
  if (size <= 0) return 0;
  if (size <= KMALLOC_MAX_CACHE_SIZE) return KMALLOC_CACHES.find((c) => c >= size) ?? KMALLOC_MAX_CACHE_SIZE;
  // Large kmalloc goes to the page allocator: whole pages, power-of-two order.
  let pages = 1;
  while (pages * PAGE_SIZE < size) pages *= 2;
  return pages * PAGE_SIZE;
}

/**
 * Deliberate bugs, for checking that the audit (and later the fuzzer) notices.
 * - child-starts-early: a new checkpoint child starts one entry before its parent's end.
 * - reset-forgets-parent-end: the child restarts at the parent's start, so it overwrites the sealed parent.
 * - reset-keeps-start: clear_jmp_history does nothing; the child keeps the parent's entries.
 * - async-starts-at-zero: an async callback state starts at index 0 instead of cur's end.
 * - pop-keeps-end: pop_stack copies start but leaves cur's old end.
 */
export type SharedFault =
  | 'none'
  | 'child-starts-early'
  | 'reset-forgets-parent-end'
  | 'reset-keeps-start'
  | 'async-starts-at-zero'
  | 'pop-keeps-end';

export const SHARED_FAULTS: readonly SharedFault[] = [
  'none', 'child-starts-early', 'reset-forgets-parent-end', 'reset-keeps-start', 'async-starts-at-zero', 'pop-keeps-end',
];

export interface SharedOptions {
  fault?: SharedFault;
}

export interface Slice {
  start: number;
  end: number;
  /** The entries no longer live in the shared array (pinned design: moved out before an overwrite). */
  detached?: boolean;
}

/** An implementation that exposes where each state's entries live (for no-clobber audits). */
export interface IndexedHistory {
  sliceOf(st: HistOwner): Slice;
  /** Array index written by the latest push/combineLast, or -1. */
  lastWriteIndex(): number;
}

export const isIndexedHistory = (h: InsnHistory): h is InsnHistory & IndexedHistory =>
  typeof (h as Partial<IndexedHistory>).sliceOf === 'function' && typeof (h as Partial<IndexedHistory>).lastWriteIndex === 'function';

export class SharedSlot implements HistSlot {
  readonly kind = 'shared';
  start = 0;
  end = 0;
}

const slotOf = (st: HistOwner): SharedSlot => {
  const s = st.hist;
  if (!(s instanceof SharedSlot)) throw new Error(`shared history: state ${st.id} has a '${s.kind}' slot`);
  return s;
};

/** Growth details beyond HistoryStats. */
export interface SharedGrowth {
  /** env->insn_hist_cap, in entries. */
  capacity: number;
  /** What the allocator really holds for the array (kmalloc_size_roundup / whole pages). */
  capacityBytes: number;
  /** kvrealloc calls (one per new high-water mark, as the patch sizes the array exactly). */
  kvreallocCalls: number;
  /** kvrealloc calls that could not stay in the old object (its rounded-up size was too small). */
  moves: number;
}

export class SharedHistory implements InsnHistory, IndexedHistory {
  readonly name: string;
  readonly fault: SharedFault;
  /** env->insn_hist; only [0, capacity) is meaningful. */
  protected readonly arr: HistEntry[] = [];
  private cap = 0;
  private allocBytes = 0;
  private kvreallocCalls = 0;
  private moves = 0;
  protected entriesWritten = 0;
  protected peak = 0;
  /** env->cur_hist_ent as an index into the array. */
  protected curHistEnt = -1;
  protected lastWrite = -1;

  constructor(opts: SharedOptions = {}, base = 'shared') {
    this.fault = opts.fault ?? 'none';
    this.name = this.fault === 'none' ? base : `${base}!${this.fault}`;
  }

  /** Called before array index i is written (push or combine); designs that keep old slices hook in here. */
  protected beforeWrite(_i: number): void {}

  newSlot(): HistSlot {
    return new SharedSlot();
  }

  push(st: HistOwner, entry: HistEntry, _insnIdx?: number): void {
    const s = slotOf(st);
    if (s.end + 1 > this.cap) this.grow(s.end + 1);
    this.beforeWrite(s.end);
    this.arr[s.end] = { ...entry };
    this.curHistEnt = s.end;
    this.lastWrite = s.end;
    s.end++;
    this.entriesWritten++;
    if (s.end > this.peak) this.peak = s.end;
  }

  combineLast(st: HistOwner, flags: number, linkedRegs: bigint): void {
    // The kernel writes through env->cur_hist_ent, the entry pushed for this insn.
    const i = this.curHistEnt >= 0 ? this.curHistEnt : slotOf(st).end - 1;
    const e = this.arr[i];
    if (!e) throw new Error('combineLast with no entry pushed');
    this.beforeWrite(i);
    e.flags |= flags;
    e.linkedRegs = linkedRegs;
    this.lastWrite = i;
    this.entriesWritten++;
  }

  copyInto(dst: HistOwner, src: HistOwner, why: CopyReason): void {
    const d = slotOf(dst);
    const s = slotOf(src);
    d.start = s.start;
    if (this.fault === 'pop-keeps-end' && why === 'pop_stack') d.end = Math.max(d.end, s.start);
    else d.end = s.end;
  }

  resetForChild(cur: HistOwner, parent: HistOwner): void {
    const c = slotOf(cur);
    const p = slotOf(parent);
    switch (this.fault) {
      case 'child-starts-early':
        c.start = Math.max(p.end - 1, 0);
        break;
      case 'reset-forgets-parent-end':
        c.start = p.start;
        c.end = p.start;
        break;
      case 'reset-keeps-start':
        break;
      default:
        c.start = c.end;
    }
  }

  startAsyncCallback(cbState: HistOwner, cur: HistOwner): void {
    const cb = slotOf(cbState);
    const start = this.fault === 'async-starts-at-zero' ? 0 : slotOf(cur).end;
    cb.start = start;
    cb.end = start;
  }

  finalize(): void {}

  seal(): void {}

  release(_st?: HistOwner, _insnIdx?: number): void {}

  cursor(st: HistOwner, _insnIdx?: number): HistCursor {
    const { start, end } = slotOf(st);
    const arr = this.arr;
    return {
      count: end - start,
      at: (i: number) => {
        const e = arr[start + i];
        if (!e) throw new Error(`shared history: no entry at ${start + i}`);
        return e;
      },
    };
  }

  sliceOf(st: HistOwner): Slice {
    const s = slotOf(st);
    return { start: s.start, end: s.end };
  }

  lastWriteIndex(): number {
    return this.lastWrite;
  }

  /** The raw entry at array index i (debugging and timelines). */
  entryAt(i: number): HistEntry | undefined {
    return this.arr[i];
  }

  growth(): SharedGrowth {
    return { capacity: this.cap, capacityBytes: this.allocBytes, kvreallocCalls: this.kvreallocCalls, moves: this.moves };
  }

  // The patch asks kvrealloc for exactly (end + 1) entries and sets the capacity
  // to that; kvrealloc reuses the object when its real (rounded-up) size fits.
  private grow(entries: number): void {
    const want = entries * INSN_HIST_ENTRY_BYTES;
    this.kvreallocCalls++;
    if (want > this.allocBytes) {
      this.moves++;
      this.allocBytes = kmallocSizeRoundup(want);
    }
    this.cap = entries;
  }

  stats(): HistoryStats {
    return {
      allocations: this.kvreallocCalls,
      entriesCopied: 0,
      entriesWritten: this.entriesWritten,
      peakEntries: this.peak,
      growthEvents: this.kvreallocCalls,
      bytes: this.allocBytes,
    };
  }
}
