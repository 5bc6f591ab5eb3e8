// Exact accounting of the copy and shared designs on scripted sequences, the
// corner cases of the shared array (faults, combineLast, refusals) and the
// factory. Expected numbers are derived in the comments.
import { describe, expect, it } from 'vitest';
import { CopyHistory } from '../../src/history/copy.js';
import { SharedHistory, isIndexedHistory, kmallocSizeRoundup } from '../../src/history/shared.js';
import { PinnedHistory } from '../../src/history/pinned.js';
import { AuditedHistory } from '../../src/history/audited.js';
import { HISTORY_FAULTS, isHistoryFault, isHistoryKind, makeHistory } from '../../src/history/index.js';
import type { HistoryKind, InsnHistory } from '../../src/history/history.js';
import { clone, ent, owner, read, siblingOverwrite } from './seq.js';

describe('copy history accounting', () => {
  it('counts allocations, copies, writes and the live peak of siblingOverwrite', () => {
    const h = new CopyHistory();
    expect(h.name).toBe('copy');
    const { cur, P, E } = siblingOverwrite(h);
    // live: push 1, 2 (2); P copies 2 (4); reset drops cur's 2 (2); push 3 (3); E copies 1 (4);
    // push 4, 5 (6 = peak); pop copies E over cur's 3 entries (1 - 3: 4); release E (3); push 6 (4).
    // allocations: 6 pushes + 3 copies; entries copied: 2 + 1 + 1.
    expect(h.stats()).toEqual({ allocations: 9, entriesCopied: 4, entriesWritten: 6, peakEntries: 6, growthEvents: 9, bytes: 6 * 16 });
    expect(read(h, cur)).toEqual([3, 6]);
    expect(read(h, P)).toEqual([1, 2]);
    expect(read(h, E)).toEqual([]);
    expect(h.newSlot().kind).toBe('copy');
  });

  it('frees on reset, async start and release: the peak sees only what is live', () => {
    const h: InsnHistory = new CopyHistory();
    const cur = owner(h);
    for (let i = 1; i <= 4; i++) h.push(cur, ent(i), i); // live 4
    const a = clone(h, cur, 'push_stack'); // live 8 (peak)
    h.startAsyncCallback(a, cur); // a's 4 entries go: live 4
    expect(read(h, a)).toEqual([]);
    const b = clone(h, cur, 'push_stack'); // live 8
    h.release(b); // live 4
    expect(read(h, b)).toEqual([]);
    const c = clone(h, cur, 'checkpoint'); // live 8
    h.resetForChild(c, cur); // live 4
    h.push(c, ent(9), 9); // live 5
    h.push(c, ent(10), 10); // live 6
    h.push(c, ent(11), 11); // live 7
    h.push(c, ent(12), 12); // live 8: equal to the peak, not above
    expect(h.stats().peakEntries).toBe(8);
    h.push(c, ent(13), 13); // live 9
    expect(h.stats()).toEqual({ allocations: 12, entriesCopied: 12, entriesWritten: 9, peakEntries: 9, growthEvents: 12, bytes: 9 * 16 });
  });

  it('a copy over a longer history lowers the live count by the difference', () => {
    const h: InsnHistory = new CopyHistory();
    const cur = owner(h);
    for (let i = 1; i <= 3; i++) h.push(cur, ent(i), i); // live 3
    const empty = owner(h);
    h.copyInto(cur, empty, 'pop_stack'); // 0 - 3: live 0
    for (let i = 1; i <= 3; i++) h.push(cur, ent(i), i); // live 3 again: the peak stays 3
    expect(h.stats().peakEntries).toBe(3);
    expect(h.stats().entriesCopied).toBe(0);
  });

  it('combineLast replaces the last entry: a copy taken before keeps the old flags', () => {
    const h: InsnHistory = new CopyHistory();
    const cur = owner(h);
    expect(() => h.combineLast(cur, 1, 0n)).toThrow('combineLast on empty history');
    h.push(cur, { idx: 4, prevIdx: 3, flags: 0x1, linkedRegs: 0n }, 4);
    h.push(cur, { idx: 5, prevIdx: 4, flags: 0x2, linkedRegs: 0n }, 5);
    const d = clone(h, cur, 'push_stack');
    h.combineLast(cur, 0x208, 7n);
    expect(h.cursor(cur, 5).at(1)).toEqual({ idx: 5, prevIdx: 4, flags: 0x20a, linkedRegs: 7n });
    expect(h.cursor(cur, 5).at(0)).toEqual({ idx: 4, prevIdx: 3, flags: 0x1, linkedRegs: 0n });
    expect(h.cursor(d, 5).at(1)).toEqual({ idx: 5, prevIdx: 4, flags: 0x2, linkedRegs: 0n });
    expect(h.stats().entriesWritten).toBe(3);
  });
});

describe('shared history details', () => {
  it('kmalloc_size_roundup at the edges', () => {
    expect([0, -3, 1, 8, 9, 8192, 8193, 16384, 16385].map(kmallocSizeRoundup)).toEqual([0, 0, 8, 8, 16, 8192, 16384, 16384, 32768]);
  });

  it('recognises indexed histories', () => {
    expect(isIndexedHistory(new SharedHistory())).toBe(true);
    expect(isIndexedHistory(new PinnedHistory())).toBe(true);
    expect(isIndexedHistory(new CopyHistory())).toBe(false);
    const half = Object.assign(new CopyHistory(), { sliceOf: () => ({ start: 0, end: 0 }) });
    expect(isIndexedHistory(half)).toBe(false);
    const otherHalf = Object.assign(new CopyHistory(), { lastWriteIndex: () => -1 });
    expect(isIndexedHistory(otherHalf)).toBe(false);
  });

  it('starts empty: no write, no entries, nothing to combine', () => {
    const h = new SharedHistory();
    expect(h.lastWriteIndex()).toBe(-1);
    expect(h.entryAt(0)).toBeUndefined();
    expect(h.newSlot().kind).toBe('shared');
    expect(h.growth()).toEqual({ capacity: 0, capacityBytes: 0, kvreallocCalls: 0, moves: 0 });
    expect(h.stats()).toEqual({ allocations: 0, entriesCopied: 0, entriesWritten: 0, peakEntries: 0, growthEvents: 0, bytes: 0 });
    expect(() => h.combineLast(owner(h), 1, 0n)).toThrow('combineLast with no entry pushed');
  });

  it('refuses a slot of another design and reads past the end', () => {
    const h = new SharedHistory();
    const foreign = { id: 55, hist: new CopyHistory().newSlot() };
    expect(() => h.push(foreign, ent(1), 1)).toThrow("shared history: state 55 has a 'copy' slot");
    const cur = owner(h);
    h.push(cur, ent(1), 1);
    h.push(cur, ent(2), 2);
    const P = clone(h, cur, 'checkpoint');
    h.resetForChild(cur, P);
    h.push(cur, ent(3), 3);
    // cur [2,3): entry 1 would be array index 3, never written.
    expect(() => h.cursor(cur, 5).at(1)).toThrow('shared history: no entry at 3');
    expect(h.cursor(P).count).toBe(2);
  });

  it('copies the pushed entry and writes combineLast through cur_hist_ent', () => {
    const h = new SharedHistory();
    const a = owner(h);
    const e = ent(1);
    h.push(a, e, 1);
    e.flags = 0x3f; // the caller's object is not the stored one
    expect(h.cursor(a).at(0)).toEqual({ idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n });
    h.push(a, ent(2), 2);
    h.push(a, ent(3), 3); // a [0,3)
    const b = owner(h);
    h.push(b, ent(7), 7); // b [0,1): writes index 0, cur_hist_ent = 0
    h.combineLast(a, 0x10, 9n); // the kernel writes env->cur_hist_ent (index 0), not a's last entry
    expect(h.lastWriteIndex()).toBe(0);
    expect(h.entryAt(0)).toEqual({ idx: 7, prevIdx: 6, flags: 0x10, linkedRegs: 9n });
    expect(h.entryAt(2)).toEqual({ idx: 3, prevIdx: 2, flags: 0, linkedRegs: 0n });
    h.combineLast(b, 0x1, 1n);
    expect(h.entryAt(0)).toEqual({ idx: 7, prevIdx: 6, flags: 0x11, linkedRegs: 1n });
    // 4 pushes and 2 combines are writes; the array peaked at 3 entries.
    expect(h.stats()).toMatchObject({ entriesWritten: 6, peakEntries: 3 });
  });

  it('grows only on a new high-water mark; kvrealloc moves when the rounded size is too small', () => {
    const h = new SharedHistory();
    const cur = owner(h);
    // 1..6 entries: 16 (move), 32 (move), 48 -> 64 (move), 64 (fits), 80 -> 96 (move), 96 (fits)
    for (let i = 1; i <= 6; i++) h.push(cur, ent(i), i);
    expect(h.growth()).toEqual({ capacity: 6, capacityBytes: 96, kvreallocCalls: 6, moves: 4 });
    const back = owner(h);
    h.copyInto(cur, back, 'other'); // cur [0,0)
    for (let i = 1; i <= 6; i++) h.push(cur, ent(i), i); // up to the old mark: no kvrealloc
    expect(h.growth()).toEqual({ capacity: 6, capacityBytes: 96, kvreallocCalls: 6, moves: 4 });
    expect(h.stats()).toEqual({ allocations: 6, entriesCopied: 0, entriesWritten: 12, peakEntries: 6, growthEvents: 6, bytes: 96 });
  });

  it('faults: each one breaks exactly the slice it names', () => {
    const pair = (fault: 'child-starts-early' | 'reset-forgets-parent-end' | 'reset-keeps-start', pushes: number) => {
      const h = new SharedHistory({ fault });
      const cur = owner(h);
      for (let i = 1; i <= pushes; i++) h.push(cur, ent(i), i);
      const P = clone(h, cur, 'checkpoint');
      h.push(cur, ent(9), 9);
      h.resetForChild(cur, P);
      return h.sliceOf(cur);
    };
    expect(pair('child-starts-early', 3)).toEqual({ start: 2, end: 4 });
    expect(pair('child-starts-early', 0)).toEqual({ start: 0, end: 1 }); // never below index 0
    expect(pair('reset-forgets-parent-end', 3)).toEqual({ start: 0, end: 0 });
    expect(pair('reset-keeps-start', 3)).toEqual({ start: 0, end: 4 });

    const pop = (fault: 'none' | 'pop-keeps-end', why: 'pop_stack' | 'push_stack') => {
      const h = new SharedHistory({ fault });
      const cur = owner(h);
      for (let i = 1; i <= 2; i++) h.push(cur, ent(i), i);
      const P = clone(h, cur, 'checkpoint');
      h.resetForChild(cur, P); // cur [2,2)
      h.push(cur, ent(3), 3);
      const E = clone(h, cur, 'push_stack'); // E [2,3)
      for (let i = 4; i <= 6; i++) h.push(cur, ent(i), i); // cur [2,6)
      h.copyInto(cur, E, why);
      return h.sliceOf(cur);
    };
    expect(pop('none', 'pop_stack')).toEqual({ start: 2, end: 3 });
    expect(pop('pop-keeps-end', 'pop_stack')).toEqual({ start: 2, end: 6 }); // max(6, 2)
    expect(pop('pop-keeps-end', 'push_stack')).toEqual({ start: 2, end: 3 });

    const a = new SharedHistory({ fault: 'async-starts-at-zero' });
    expect(a.name).toBe('shared!async-starts-at-zero');
    const cur = owner(a);
    a.push(cur, ent(1), 1);
    const cb = owner(a);
    a.push(cb, ent(2), 2); // cb [0,1)
    a.startAsyncCallback(cb, cur);
    expect(a.sliceOf(cb)).toEqual({ start: 0, end: 0 });
  });
});

describe('the history factory', () => {
  it('builds every kind under its name', () => {
    const names = (['copy', 'shared', 'pinned', 'audited', 'audited-copy', 'audited-shared', 'audited-pinned'] as HistoryKind[]).map((k) => makeHistory(k).name);
    expect(names).toEqual(['copy', 'shared', 'pinned', 'audited(shared)', 'audited(copy)', 'audited(shared)', 'audited(pinned)']);
    expect(makeHistory('pinned')).toBeInstanceOf(PinnedHistory);
    expect((makeHistory('audited-pinned') as AuditedHistory).inner).toBeInstanceOf(PinnedHistory);
    expect((makeHistory('audited-copy') as AuditedHistory).inner).toBeInstanceOf(CopyHistory);
  });

  it('routes faults: shared faults to shared and pinned, pin-backedge-only to pinned only', () => {
    expect(makeHistory('shared', { fault: 'reset-keeps-start' }).name).toBe('shared!reset-keeps-start');
    expect(makeHistory('audited', { fault: 'pop-keeps-end' }).name).toBe('audited(shared!pop-keeps-end)');
    expect(makeHistory('pinned', { fault: 'reset-keeps-start' }).name).toBe('pinned!reset-keeps-start');
    expect(makeHistory('pinned', { fault: 'pin-backedge-only' }).name).toBe('pinned!backedge-only');
    expect(makeHistory('audited-pinned', { fault: 'pin-backedge-only' }).name).toBe('audited(pinned!backedge-only)');
    expect(makeHistory('shared', { fault: 'pin-backedge-only' }).name).toBe('shared');
    expect(makeHistory('copy', { fault: 'reset-keeps-start' }).name).toBe('copy');
  });

  it('audited-pinned protects backedge chains; audited does not unless asked', () => {
    // A backedge with a parent checkpoint, then a write into the parent's slice.
    const run = (h: ReturnType<typeof makeHistory>) => {
      const cur = owner(h);
      h.push(cur, ent(1), 1);
      const P = clone(h, cur, 'checkpoint');
      cur.parent = P;
      h.resetForChild(cur, P);
      h.push(cur, ent(2), 2);
      clone(h, cur, 'backedge');
      h.finalize(P);
      const x = owner(h);
      h.push(x, ent(9), 9); // index 0: P's slice
      return (h as AuditedHistory).violations().map((v) => v.kind);
    };
    expect(run(makeHistory('audited-pinned', { fault: 'pin-backedge-only' }))).toEqual(['no-clobber']);
    expect(run(makeHistory('audited-pinned'))).toEqual([]);
    expect(run(makeHistory('audited'))).toEqual([]);
    expect(run(makeHistory('audited', { protectBackedgeChains: true }))).toEqual(['no-clobber']);
  });

  it('names kinds and faults', () => {
    expect(isHistoryKind('audited-pinned')).toBe(true);
    expect(isHistoryKind('pinned-eager')).toBe(false);
    expect(isHistoryFault('none')).toBe(true);
    expect(isHistoryFault('pin-backedge-only')).toBe(true);
    expect(isHistoryFault('child-starts-early')).toBe(true);
    expect(isHistoryFault('nonsense')).toBe(false);
    expect(HISTORY_FAULTS).toEqual(['child-starts-early', 'reset-forgets-parent-end', 'reset-keeps-start', 'async-starts-at-zero', 'pop-keeps-end', 'pin-backedge-only']);
  });
});
