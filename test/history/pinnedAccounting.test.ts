// The pinned history's bookkeeping, on scripted sequences: which slices are
// pinned, when they move out, when the arena empties, and the exact numbers
// stats() and pinning() report. Every expected number is derived in the
// comments from the design (src/history/pinned.ts, docs/history-designs.md).
import { describe, expect, it } from 'vitest';
import { PinnedHistory } from '../../src/history/pinned.js';
import { CopyHistory } from '../../src/history/copy.js';
import type { InsnHistory } from '../../src/history/history.js';
import { clone, ent, owner, read, type Fake } from './seq.js';

const pushAll = (h: InsnHistory, st: Fake, ...idxs: number[]): void => {
  for (const i of idxs) h.push(st, ent(i), i);
};

/** A checkpoint of cur (sealed), cur becomes its empty child. */
const checkpoint = (h: InsnHistory, cur: Fake): Fake => {
  const P = clone(h, cur, 'checkpoint');
  h.seal(P, 'checkpoint');
  cur.parent = P;
  h.resetForChild(cur, P);
  return P;
};

/** A brand-new state: its slot starts at array index 0, so its first push writes index 0. */
const writerAt0 = (h: InsnHistory, idx = 9): Fake => {
  const x = owner(h);
  h.push(x, ent(idx), idx);
  return x;
};

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('pinned history: when slices move out', () => {
  it('moves a pinned backedge out before a sibling overwrites it; exact stats and pinning', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2); // cur [0,2)
    const P = checkpoint(h, cur); // P [0,2), cur [2,2)
    pushAll(h, cur, 3); // cur [2,3)
    const E = clone(h, cur, 'push_stack'); // E [2,3)
    (h as InsnHistory).seal(E, 'enqueued');
    pushAll(h, cur, 4); // cur [2,4)
    const B = clone(h, cur, 'backedge'); // B [2,4); pins B and P (both non-empty)
    expect(h.pinning()).toEqual({ moves: 0, entriesMoved: 0, arenaPeak: 0, arenaGrowths: 0, peakPinnedSlices: 2 });
    (h as InsnHistory).finalize(cur);
    h.copyInto(cur, E, 'pop_stack'); // cur [2,3)
    h.release(E);
    h.push(cur, ent(6, 3), 6); // index 3 lies in B: B moves to arena [0,2), the arena is allocated (64 entries)
    pushAll(h, cur, 7); // index 4: above every pinned slice
    expect(h.pinning()).toEqual({ moves: 1, entriesMoved: 2, arenaPeak: 2, arenaGrowths: 1, peakPinnedSlices: 2 });
    expect(read(h, B)).toEqual([3, 4]);
    expect(h.sliceOf(B)).toEqual({ start: 2, end: 4, detached: true });
    expect(read(h, cur)).toEqual([3, 6, 7]);
    // Shared part: five kvreallocs (1..5 entries, 16/32/64/64/96 bytes -> 96 bytes), six pushes, peak end 5.
    // Pinned adds the arena: one growth, 2 moved entries at the peak, 64 entries of 16 bytes.
    expect(h.stats()).toEqual({ allocations: 6, entriesCopied: 2, entriesWritten: 6, peakEntries: 7, growthEvents: 6, bytes: 96 + 64 * 16 });

    // A copy from a moved-out state is a model bug: it is refused.
    expect(() => h.copyInto(owner(h), B, 'push_stack')).toThrow(`pinned history: copy from state ${B.id}, whose entries were moved out`);
    // Reading past a moved-out slice at the end of the arena is refused too.
    expect(() => h.cursor(B, 0).at(2)).toThrow('pinned history: no moved-out entry 2');

    // A write at the very start of the still-pinned P moves P too; it lands after B in the arena.
    const x = writerAt0(h, 9);
    expect(h.pinning()).toMatchObject({ moves: 2, entriesMoved: 4, arenaPeak: 4 });
    expect(read(h, P)).toEqual([1, 2]);
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2, detached: true });
    expect(read(h, x)).toEqual([9]);

    // Releasing B unpins B and P; both moved-out slices are dropped and the arena empties.
    h.release(B);
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2 });
    expect(read(h, P)).toEqual([9, 2]); // P lives in the array again, where x wrote index 0
    expect(h.sliceOf(B)).toEqual({ start: 2, end: 4 });

    // The next move starts at arena index 0 again: the peak stays 4 (not 4 + 1).
    const y = owner(h);
    pushAll(h, y, 21); // y [0,1)
    const B2 = clone(h, y, 'backedge');
    writerAt0(h, 22); // moves B2 (1 entry) to arena [0,1)
    expect(read(h, B2)).toEqual([21]);
    expect(h.pinning()).toEqual({ moves: 3, entriesMoved: 5, arenaPeak: 4, arenaGrowths: 1, peakPinnedSlices: 2 });
    expect(() => h.cursor(B2, 0).at(1)).toThrow('pinned history: no moved-out entry 1');
  });

  it('moves the slice a write lands in, not the one ending there, and only once', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur); // P [0,2)
    pushAll(h, cur, 3, 4);
    const B = clone(h, cur, 'backedge'); // B [2,4), pins B and P
    // A state that ends where P ends writes index 2: inside B (its first index), at P's end.
    const w = owner(h);
    h.copyInto(w, P, 'pop_stack');
    pushAll(h, w, 5);
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 2 });
    expect(h.sliceOf(B)).toEqual({ start: 2, end: 4, detached: true });
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2 });
    // Index 3 was B's too: B is already out, nothing moves again.
    pushAll(h, w, 6);
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 2 });
    expect(read(h, B)).toEqual([3, 4]);
    // Writes at 0 and 1 (P's slice): P moves once.
    const x = writerAt0(h, 7);
    pushAll(h, x, 8);
    expect(h.pinning()).toEqual({ moves: 2, entriesMoved: 4, arenaPeak: 4, arenaGrowths: 1, peakPinnedSlices: 2 });
    expect(read(h, P)).toEqual([1, 2]);
  });

  it('keeps the highest pinned end after a move: a write above a smaller pinned slice still moves the top one', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1);
    const G = checkpoint(h, cur); // G [0,1)
    pushAll(h, cur, 2, 3);
    const P = checkpoint(h, cur); // P [1,3)
    pushAll(h, cur, 4, 5);
    const B = clone(h, cur, 'backedge'); // B [3,5); chain B, P, G
    writerAt0(h, 9); // index 0: G moves; B [3,5) and P [1,3) stay pinned in the array
    expect(h.sliceOf(G)).toEqual({ start: 0, end: 1, detached: true });
    const w = owner(h);
    h.copyInto(w, P, 'pop_stack'); // w [1,3): its push writes index 3, B's first entry
    pushAll(h, w, 6);
    expect(read(h, B)).toEqual([4, 5]);
    expect(read(h, P)).toEqual([2, 3]);
    expect(read(h, G)).toEqual([1]);
    expect(h.pinning()).toMatchObject({ moves: 2, entriesMoved: 3 });
  });

  it('combineLast on a pinned entry moves a deep copy out first', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    h.push(cur, { idx: 1, prevIdx: 0, flags: 0x1, linkedRegs: 0n }, 1);
    const B = clone(h, cur, 'backedge'); // B [0,1)
    h.combineLast(cur, 0x400, 3n); // writes index 0, inside B
    expect(h.cursor(B, 1).at(0)).toEqual({ idx: 1, prevIdx: 0, flags: 0x1, linkedRegs: 0n });
    expect(h.cursor(cur, 1).at(0)).toEqual({ idx: 1, prevIdx: 0, flags: 0x401, linkedRegs: 3n });
    expect(h.lastWriteIndex()).toBe(0);
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 1 });
  });
});

describe('pinned history: pins and releases', () => {
  it('a copy into a pinned backedge slot unpins its chain; a plain copy pins nothing', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    checkpoint(h, cur); // P [0,2)
    pushAll(h, cur, 3);
    const B = clone(h, cur, 'backedge'); // pins B [2,3) and P
    h.copyInto(B, cur, 'push_stack'); // B reused as a plain copy: B and P unpinned, nothing pinned again
    writerAt0(h); // index 0 (P's) is free to write
    const x = owner(h);
    h.copyInto(x, cur, 'other');
    pushAll(h, x, 5);
    expect(h.pinning()).toEqual({ moves: 0, entriesMoved: 0, arenaPeak: 0, arenaGrowths: 0, peakPinnedSlices: 2 });
  });

  it('a copy into a moved-out slot drops the moved-out entries and reads the new source', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1);
    const B = clone(h, cur, 'backedge'); // B [0,1), the only moved-out slice, at arena 0 once moved
    const x = writerAt0(h, 9);
    expect(h.sliceOf(B)).toEqual({ start: 0, end: 1, detached: true });
    h.copyInto(B, x, 'pop_stack');
    expect(h.sliceOf(B)).toEqual({ start: 0, end: 1 });
    expect(read(h, B)).toEqual([9]);
    // The arena emptied: the next move starts at 0, the peak stays 1.
    const y = owner(h);
    h.copyInto(y, x, 'other');
    const B2 = clone(h, y, 'backedge');
    writerAt0(h, 10);
    expect(read(h, B2)).toEqual([9]);
    expect(h.pinning()).toEqual({ moves: 2, entriesMoved: 2, arenaPeak: 1, arenaGrowths: 1, peakPinnedSlices: 1 });
  });

  it('an async callback state inherits the chain of the state it detached from', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur); // P [0,2)
    pushAll(h, cur, 3); // cur [2,3)
    const cb = owner(h);
    h.startAsyncCallback(cb, cur); // cb [3,3), parent P
    expect(h.sliceOf(cb)).toEqual({ start: 3, end: 3 });
    pushAll(h, cb, 5);
    clone(h, cb, 'backedge'); // pins the backedge [3,4) and P
    writerAt0(h);
    expect(read(h, P)).toEqual([1, 2]);
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 2, peakPinnedSlices: 2 });
  });

  it('a chain shared by two backedges stays pinned until the last one is released', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur); // P [0,2)
    pushAll(h, cur, 3);
    const B1 = clone(h, cur, 'backedge'); // B1 [2,3), P
    pushAll(h, cur, 4);
    const B2 = clone(h, cur, 'backedge'); // B2 [2,4), P (pinned twice)
    expect(h.pinning().peakPinnedSlices).toBe(3);
    h.release(B1);
    writerAt0(h); // P is still on B2's chain: it moves
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 2 });
    expect(read(h, P)).toEqual([1, 2]);
    // A write at index 2 lands in B2 (moves) and in the released B1 (does not).
    const w = owner(h); // w [0,0)
    pushAll(h, w, 11, 12, 13); // indices 0 (P out already), 1, 2
    expect(h.pinning()).toMatchObject({ moves: 2, entriesMoved: 4, arenaPeak: 4 });
    expect(read(h, B2)).toEqual([3, 4]);
    // P is released (freed) while B2 still needs it: its moved-out entries stay readable.
    h.release(P);
    expect(read(h, P)).toEqual([1, 2]);
    h.release(B2);
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2 });
    expect(read(h, P)).toEqual([11, 12]);
    // Both moved-out slices are gone: the arena restarts at 0.
    const y = owner(h);
    pushAll(h, y, 31);
    const B3 = clone(h, y, 'backedge');
    writerAt0(h);
    expect(read(h, B3)).toEqual([31]);
    expect(h.pinning()).toEqual({ moves: 3, entriesMoved: 5, arenaPeak: 4, arenaGrowths: 1, peakPinnedSlices: 3 });
  });

  it('a released backedge is forgotten: reusing its slot does not unpin the chain a second time', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur); // P [0,2)
    pushAll(h, cur, 3);
    const B1 = clone(h, cur, 'backedge');
    h.release(B1); // P unpinned (0 pins)
    h.copyInto(B1, cur, 'push_stack'); // slot reuse: no second unpin
    clone(h, cur, 'backedge'); // B2: P pinned once
    const B3 = clone(h, cur, 'backedge'); // B3: P pinned twice
    h.release(B3); // P keeps B2's pin
    writerAt0(h);
    expect(read(h, P)).toEqual([1, 2]);
    expect(h.pinning()).toMatchObject({ moves: 1, entriesMoved: 2 });
  });

  it('a slice already moved out is not pinned into the array again by a later backedge', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur);
    pushAll(h, cur, 3);
    clone(h, cur, 'backedge'); // B1: P pinned
    const x = writerAt0(h); // P moves out
    clone(h, cur, 'backedge'); // B2: P pinned again, but its entries are already out
    pushAll(h, x, 8); // index 1, P's old slice: nothing to move
    expect(h.pinning()).toEqual({ moves: 1, entriesMoved: 2, arenaPeak: 2, arenaGrowths: 1, peakPinnedSlices: 2 });
    expect(read(h, P)).toEqual([1, 2]);
  });

  it('empty slices on a chain are not pinned slices', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    checkpoint(h, cur); // P [0,2), cur [2,2)
    const B = clone(h, cur, 'backedge'); // B [2,2): empty, only P counts
    expect(h.sliceOf(B)).toEqual({ start: 2, end: 2 });
    expect(h.pinning().peakPinnedSlices).toBe(1);
    expect(read(h, B)).toEqual([]);
  });
});

describe('pinned history: the arena', () => {
  it('grows like a doubling vector with a 64-entry minimum and empties when nothing moved out is left', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, ...range(1, 100)); // [0,100)
    const B = clone(h, cur, 'backedge');
    const x = writerAt0(h, 500); // B moves: 100 entries, capacity max(0, 100, 64) = 100
    expect(h.pinning()).toEqual({ moves: 1, entriesMoved: 100, arenaPeak: 100, arenaGrowths: 1, peakPinnedSlices: 1 });
    pushAll(h, x, ...range(501, 29)); // x [0,30)
    const B2 = clone(h, x, 'backedge');
    writerAt0(h, 600); // B2 moves to arena [100,130): capacity max(200, 130, 64) = 200
    expect(h.pinning()).toEqual({ moves: 2, entriesMoved: 130, arenaPeak: 130, arenaGrowths: 2, peakPinnedSlices: 1 });
    expect(read(h, B)).toEqual(range(1, 100));
    expect(read(h, B2)).toEqual([500, ...range(501, 29)]);
    h.release(B);
    h.release(B2); // nothing moved out is left: the arena empties (capacity stays 200)
    const w = owner(h);
    pushAll(h, w, ...range(1001, 200)); // [0,200): the shared array grows to 200 entries
    const B3 = clone(h, w, 'backedge');
    writerAt0(h, 700); // B3 moves 200 entries to [0,200): exactly the capacity, no growth
    expect(read(h, B3)).toEqual(range(1001, 200));
    expect(h.pinning()).toEqual({ moves: 3, entriesMoved: 330, arenaPeak: 200, arenaGrowths: 2, peakPinnedSlices: 1 });
    // Shared: 200 kvreallocs (one per new high-water mark), 100 + 30 + 1 + 200 + 1 pushes,
    // 200 entries = 3200 bytes -> a 4096-byte object. Arena: 2 growths, peak 200, 200 x 16 bytes.
    expect(h.stats()).toEqual({ allocations: 202, entriesCopied: 330, entriesWritten: 332, peakEntries: 400, growthEvents: 202, bytes: 4096 + 200 * 16 });
  });

  it('a first move of exactly 64 entries fits the minimum; a second move of 64 after emptying does not grow', () => {
    const h = new PinnedHistory();
    const cur = owner(h);
    pushAll(h, cur, ...range(1, 64));
    const B = clone(h, cur, 'backedge');
    writerAt0(h);
    h.release(B);
    const B2 = clone(h, cur, 'backedge');
    writerAt0(h);
    expect(read(h, B2)).toEqual([9, ...range(2, 63)]); // index 0 was written by the first writer
    expect(h.pinning()).toEqual({ moves: 2, entriesMoved: 128, arenaPeak: 64, arenaGrowths: 1, peakPinnedSlices: 1 });
    expect(h.stats().bytes).toBe(1024 + 64 * 16); // shared: 64 entries in a 1024-byte object; arena: 64 entries
  });
});

describe('pinned history: variants and names', () => {
  const chain = (h: PinnedHistory): { P: Fake; B: Fake; cur: Fake } => {
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    const P = checkpoint(h, cur);
    pushAll(h, cur, 3, 4);
    const B = clone(h, cur, 'backedge');
    return { P, B, cur };
  };

  it('eager moves the whole chain out when the backedge is recorded', () => {
    const h = new PinnedHistory({ eager: true });
    expect(h.name).toBe('pinned-eager');
    const { P, B } = chain(h);
    // B [2,4) first, then P [0,2): 4 entries, one 64-entry arena; nothing stays pinned in the array.
    expect(h.pinning()).toEqual({ moves: 2, entriesMoved: 4, arenaPeak: 4, arenaGrowths: 1, peakPinnedSlices: 0 });
    expect(h.sliceOf(B)).toEqual({ start: 2, end: 4, detached: true });
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2, detached: true });
    writerAt0(h);
    expect(read(h, P)).toEqual([1, 2]);
    expect(read(h, B)).toEqual([3, 4]);
    expect(h.pinning().moves).toBe(2);
  });

  it('backedge-only pins the backedge alone: its parent is overwritten', () => {
    const h = new PinnedHistory({ pinBackedgeOnly: true });
    expect(h.name).toBe('pinned!backedge-only');
    const { P, B } = chain(h);
    expect(h.pinning().peakPinnedSlices).toBe(1);
    writerAt0(h);
    expect(read(h, P)).toEqual([9, 2]);
    expect(read(h, B)).toEqual([3, 4]);
    expect(h.pinning().moves).toBe(0);
    expect(new PinnedHistory({ eager: true, pinBackedgeOnly: true }).name).toBe('pinned-eager!backedge-only');
  });

  it('passes shared faults through', () => {
    const h = new PinnedHistory({ fault: 'reset-keeps-start' });
    expect(h.name).toBe('pinned!reset-keeps-start');
    expect(h.fault).toBe('reset-keeps-start');
    const cur = owner(h);
    pushAll(h, cur, 1, 2);
    checkpoint(h, cur);
    expect(h.sliceOf(cur)).toEqual({ start: 0, end: 2 });
    expect(new PinnedHistory().name).toBe('pinned');
    expect(new PinnedHistory().fault).toBe('none');
  });

  it('refuses a slot of another design', () => {
    const h = new PinnedHistory();
    const c = new CopyHistory();
    const foreign = { id: 77, hist: c.newSlot() };
    expect(() => h.push(foreign, ent(1), 1)).toThrow("shared history: state 77 has a 'copy' slot"); // the inherited push
    expect(() => h.copyInto(owner(h), foreign, 'other')).toThrow("pinned history: state 77 has a 'copy' slot");
    expect(() => h.release(foreign)).toThrow("pinned history: state 77 has a 'copy' slot");
  });
});

describe('pinned history: only moved-out slices count towards emptying the arena', () => {
  /** Two independent backedges, both moved out: B1 at arena [0,1), B2 at [1,3). */
  const twoMoved = (h: PinnedHistory) => {
    const a = owner(h);
    pushAll(h, a, 1); // a [0,1)
    const B1 = clone(h, a, 'backedge');
    const b = owner(h);
    h.copyInto(b, a, 'other');
    pushAll(h, b, 2, 3); // b [0,3)
    const B2 = clone(h, b, 'backedge');
    const x = writerAt0(h); // index 0: B1 and B2 move out
    pushAll(h, x, 8, 9); // indices 1, 2: B2 is out already
    expect(h.pinning()).toMatchObject({ moves: 2, entriesMoved: 4, arenaPeak: 4 });
    return { B1, B2, x };
  };

  it('releasing one moved-out backedge keeps the other readable', () => {
    const h = new PinnedHistory();
    const { B1, B2 } = twoMoved(h);
    h.release(B1);
    expect(read(h, B2)).toEqual([1, 2, 3]);
    expect(h.sliceOf(B2)).toEqual({ start: 0, end: 3, detached: true });
  });

  it('releasing a state that was never moved out does not touch the arena', () => {
    const h = new PinnedHistory();
    const { B2, x } = twoMoved(h);
    h.release(x);
    h.release(owner(h));
    expect(read(h, B2)).toEqual([1, 2, 3]);
  });

  it('unpinning a chain member that still lives in the array does not touch the arena', () => {
    const h = new PinnedHistory();
    const { B1, B2 } = twoMoved(h);
    h.release(B1); // B2 is the only moved-out slice left
    const w = owner(h);
    pushAll(h, w, 41, 42, 43, 44); // w [0,4): index 3 is new
    const P = checkpoint(h, w); // P [0,4)
    pushAll(h, w, 45);
    const B3 = clone(h, w, 'backedge'); // pins B3 [4,5) and P [0,4), both in the array
    h.release(B3); // P unpinned without having moved
    expect(read(h, B2)).toEqual([1, 2, 3]);
    expect(read(h, P)).toEqual([41, 42, 43, 44]);
    expect(h.pinning()).toMatchObject({ moves: 2, entriesMoved: 4 });
  });
});
