import { describe, expect, it } from 'vitest';
import { SharedHistory, kmallocSizeRoundup, INSN_HIST_ENTRY_BYTES } from '../../src/history/shared.js';
import { CopyHistory } from '../../src/history/copy.js';
import { clone, ent, owner, read, siblingOverwrite } from './seq.js';

describe('shared history (the 6.13 patch)', () => {
  it('copies indices, appends at the state end, child starts at the parent end', () => {
    const h = new SharedHistory();
    const cur = owner(h);
    h.push(cur, ent(1), 1);
    h.push(cur, ent(2), 2);
    const P = clone(h, cur, 'checkpoint');
    expect(h.sliceOf(P)).toEqual({ start: 0, end: 2 });
    h.resetForChild(cur, P);
    expect(h.sliceOf(cur)).toEqual({ start: 2, end: 2 });
    h.push(cur, ent(3), 3);
    expect(read(h, cur)).toEqual([3]);
    expect(read(h, P)).toEqual([1, 2]);
    expect(h.stats().entriesCopied).toBe(0);
  });

  it('overwrites a finished sibling but not the sealed parent', () => {
    const h = new SharedHistory();
    const { cur, P } = siblingOverwrite(h);
    // 6 went to index 3, where the finished path had written 4.
    expect(h.lastWriteIndex()).toBe(3);
    expect(h.sliceOf(cur)).toEqual({ start: 2, end: 4 });
    expect(read(h, cur)).toEqual([3, 6]);
    expect(read(h, P)).toEqual([1, 2]);
    expect(h.entryAt(4)?.idx).toBe(5); // stale tail of the finished sibling
    const s = h.stats();
    expect(s.peakEntries).toBe(5);
    expect(s.entriesWritten).toBe(6);
  });

  it('reads the same entries as copy for the same sequence', () => {
    const a = new CopyHistory();
    const b = new SharedHistory();
    const x = siblingOverwrite(a);
    const y = siblingOverwrite(b);
    expect(read(b, y.cur)).toEqual(read(a, x.cur));
    expect(read(b, y.P)).toEqual(read(a, x.P));
  });

  it('combineLast writes into the entry pushed for this insn', () => {
    const h = new SharedHistory();
    const cur = owner(h);
    h.push(cur, ent(7), 7);
    h.combineLast(cur, 0x208, 5n);
    expect(h.cursor(cur, 7).at(0)).toEqual({ idx: 7, prevIdx: 6, flags: 0x208, linkedRegs: 5n });
  });

  it('an async callback state starts empty at the current end', () => {
    const h = new SharedHistory();
    const cur = owner(h);
    h.push(cur, ent(1), 1);
    h.push(cur, ent(2), 2);
    const cb = owner(h);
    h.startAsyncCallback(cb, cur);
    expect(h.sliceOf(cb)).toEqual({ start: 2, end: 2 });
  });

  it('grows like kvrealloc of exactly end+1 entries', () => {
    expect([1, 8, 9, 17, 100, 200, 8192, 8193, 20000].map(kmallocSizeRoundup)).toEqual([8, 8, 16, 32, 128, 256, 8192, 16384, 32768]);
    const h = new SharedHistory();
    const cur = owner(h);
    for (let i = 0; i < 20; i++) h.push(cur, ent(i + 1), i + 1);
    const g = h.growth();
    expect(g.capacity).toBe(20);
    expect(g.kvreallocCalls).toBe(20);
    // 16, 32, 64, 96 (6 entries), 128, 192, 256, 512 bytes: 8 real moves for 320 bytes.
    expect(g.moves).toBe(8);
    expect(g.capacityBytes).toBe(512);
    expect(h.stats()).toMatchObject({ allocations: 20, growthEvents: 20, bytes: 512, peakEntries: 20 });
    // Re-appending below the high-water mark does not grow.
    h.copyInto(cur, owner(h), 'pop_stack');
    h.push(cur, ent(1), 1);
    expect(h.growth().kvreallocCalls).toBe(20);
    expect(INSN_HIST_ENTRY_BYTES).toBe(16);
  });

  it('names fault variants', () => {
    expect(new SharedHistory().name).toBe('shared');
    expect(new SharedHistory({ fault: 'child-starts-early' }).name).toBe('shared!child-starts-early');
  });
});
