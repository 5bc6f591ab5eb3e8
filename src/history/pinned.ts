// Pinned history: the shared array of the 6.13 patch, made safe for the
// readers the patch did not foresee. A loop backedge (SCC, 6.17+) is a copy of
// the current state that precision propagation walks at SCC exit, after the
// DFS has moved on: its own slice and the slices of its parent checkpoints may
// by then belong to finished states whose array space a sibling reuses. The
// backedge pins itself and its parent chain; a write that would land inside a
// pinned slice first moves that slice's entries out to a private array, which
// lives until the last pin goes. Moved-out slices go to one side arena that
// doubles when full and is emptied when no moved-out slice is left, so moves
// cost no allocation of their own. Everything else is the shared design: states
// hold [start, end), children append at their parent's end, nothing is copied
// on push_stack or checkpoints.
import type { HistoryStats } from '../result/result.js';
import type { CopyReason, HistCursor, HistEntry, HistOwner } from './history.js';
import { INSN_HIST_ENTRY_BYTES, SharedHistory, SharedSlot, type SharedOptions, type Slice } from './shared.js';

export class PinnedSlot extends SharedSlot {
  /** Slot of the checkpoint this state descends from (mirrors bpf_verifier_state.parent). */
  parent: PinnedSlot | null = null;
  /** Backedges whose parent chain includes this state and that are not yet released. */
  pins = 0;
  /** Where the entries start in the arena once moved out of the shared array (-1 while they live there). */
  own = -1;
  /** For a backedge: the slots it pinned (itself first), unpinned when it is released. */
  pinned: PinnedSlot[] | null = null;
}

const slotOf = (st: HistOwner): PinnedSlot => {
  const s = st.hist;
  if (!(s instanceof PinnedSlot)) throw new Error(`pinned history: state ${st.id} has a '${s.kind}' slot`);
  return s;
};

export interface PinnedOptions extends SharedOptions {
  /** Pin only the backedge itself, not its parent chain (a deliberate bug: the chain is read too). */
  pinBackedgeOnly?: boolean;
  /** Move a pinned chain out at once instead of before an overwrite (the copy-on-pin variant, for the bench). */
  eager?: boolean;
}

export class PinnedHistory extends SharedHistory {
  private readonly pinBackedgeOnly: boolean;
  private readonly eager: boolean;
  /** Pinned slots whose entries still live in the shared array. */
  private readonly inArray = new Set<PinnedSlot>();
  /** max(end) over inArray; writes at or above it need no check. */
  private pinnedEnd = 0;
  /** Moved-out slices, back to back; [0, arenaCap) is allocated. */
  private readonly arena: HistEntry[] = [];
  private arenaCap = 0;
  private arenaGrowths = 0;
  private moveOuts = 0;
  private entriesMoved = 0;
  /** Moved-out slices still needed. */
  private movedLive = 0;
  private arenaPeak = 0;
  private pinPeak = 0;

  constructor(opts: PinnedOptions = {}) {
    super(opts.fault !== undefined ? { fault: opts.fault } : {}, `pinned${opts.eager ? '-eager' : ''}${opts.pinBackedgeOnly ? '!backedge-only' : ''}`);
    this.pinBackedgeOnly = opts.pinBackedgeOnly ?? false;
    this.eager = opts.eager ?? false;
  }

  override newSlot(): PinnedSlot {
    return new PinnedSlot();
  }

  override copyInto(dst: HistOwner, src: HistOwner, why: CopyReason): void {
    const d = slotOf(dst);
    const s = slotOf(src);
    // Copies start from live states (current or enqueued), never from a moved-out one.
    if (s.own >= 0) throw new Error(`pinned history: copy from state ${src.id}, whose entries were moved out`);
    if (d.pinned) this.unpin(d);
    if (d.own >= 0) this.dropOwn(d);
    super.copyInto(dst, src, why);
    d.parent = s.parent;
    if (why === 'backedge') this.pin(d);
  }

  override resetForChild(cur: HistOwner, parent: HistOwner): void {
    super.resetForChild(cur, parent);
    slotOf(cur).parent = slotOf(parent);
  }

  override startAsyncCallback(cbState: HistOwner, cur: HistOwner): void {
    super.startAsyncCallback(cbState, cur);
    slotOf(cbState).parent = slotOf(cur).parent;
  }

  override release(st: HistOwner): void {
    const s = slotOf(st);
    if (s.pinned) this.unpin(s);
    if (s.own >= 0 && s.pins === 0) this.dropOwn(s);
  }

  override cursor(st: HistOwner, insnIdx?: number): HistCursor {
    const s = slotOf(st);
    const own = s.own;
    if (own < 0) return super.cursor(st, insnIdx);
    const arena = this.arena;
    return {
      count: s.end - s.start,
      at: (i: number) => {
        const e = arena[own + i];
        if (!e) throw new Error(`pinned history: no moved-out entry ${i}`);
        return e;
      },
    };
  }

  override sliceOf(st: HistOwner): Slice {
    const s = slotOf(st);
    return s.own >= 0 ? { start: s.start, end: s.end, detached: true } : { start: s.start, end: s.end };
  }

  /** Moves out every pinned slice that index i falls in. */
  protected override beforeWrite(i: number): void {
    if (i >= this.pinnedEnd) return;
    for (const s of this.inArray) {
      if (s.start <= i && i < s.end) this.moveOut(s);
    }
    this.recomputePinnedEnd();
  }

  private pin(be: PinnedSlot): void {
    const chain: PinnedSlot[] = [];
    for (let s: PinnedSlot | null = be; s; s = this.pinBackedgeOnly ? null : s.parent) chain.push(s);
    for (const s of chain) {
      s.pins++;
      if (s.own < 0 && s.end > s.start) {
        if (this.eager) this.moveOut(s);
        else {
          this.inArray.add(s);
          if (s.end > this.pinnedEnd) this.pinnedEnd = s.end;
        }
      }
    }
    be.pinned = chain;
    if (this.inArray.size > this.pinPeak) this.pinPeak = this.inArray.size;
  }

  private unpin(be: PinnedSlot): void {
    for (const s of be.pinned ?? []) {
      s.pins--;
      if (s.pins > 0) continue;
      this.inArray.delete(s);
      // Nothing reads a moved-out slice once no backedge needs it (it belongs to a finished state).
      if (s.own >= 0 && s !== be) this.dropOwn(s);
    }
    be.pinned = null;
    this.recomputePinnedEnd();
  }

  private moveOut(s: PinnedSlot): void {
    const n = s.end - s.start;
    const at = this.arena.length;
    if (at + n > this.arenaCap) {
      this.arenaCap = Math.max(2 * this.arenaCap, at + n, 64);
      this.arenaGrowths++;
    }
    // Deep copies: combineLast mutates array entries in place.
    for (let k = s.start; k < s.end; k++) {
      const e = this.arr[k] as HistEntry;
      this.arena.push({ idx: e.idx, prevIdx: e.prevIdx, flags: e.flags, linkedRegs: e.linkedRegs });
    }
    s.own = at;
    this.inArray.delete(s);
    this.moveOuts++;
    this.movedLive++;
    this.entriesMoved += n;
    if (this.arena.length > this.arenaPeak) this.arenaPeak = this.arena.length;
  }

  /** The slice is no longer needed; the arena empties once no moved-out slice is. */
  private dropOwn(s: PinnedSlot): void {
    s.own = -1;
    if (--this.movedLive === 0) this.arena.length = 0;
  }

  private recomputePinnedEnd(): void {
    let m = 0;
    for (const s of this.inArray) if (s.end > m) m = s.end;
    this.pinnedEnd = m;
  }

  /** Moved-out slices and the peak of live pins, beyond HistoryStats. */
  pinning(): { moves: number; entriesMoved: number; arenaPeak: number; arenaGrowths: number; peakPinnedSlices: number } {
    return { moves: this.moveOuts, entriesMoved: this.entriesMoved, arenaPeak: this.arenaPeak, arenaGrowths: this.arenaGrowths, peakPinnedSlices: this.pinPeak };
  }

  /** Array and arena are summed (high-water marks of both): an upper bound of what was held at once. */
  override stats(): HistoryStats {
    const base = super.stats();
    return {
      allocations: base.allocations + this.arenaGrowths,
      entriesCopied: this.entriesMoved,
      entriesWritten: base.entriesWritten,
      peakEntries: base.peakEntries + this.arenaPeak,
      growthEvents: base.growthEvents + this.arenaGrowths,
      bytes: base.bytes + this.arenaCap * INSN_HIST_ENTRY_BYTES,
    };
  }
}
