// Each check of the audit in isolation: which write or read triggers it,
// which does not, and the exact violation it reports. Some checks guard
// against shapes no shipped design produces; a test double (Skewed) reports
// chosen slices so those branches are exercised too.
import { describe, expect, it } from 'vitest';
import { AuditedHistory, AuditedSlot, AuditError } from '../../src/history/audited.js';
import { SharedHistory, type Slice } from '../../src/history/shared.js';
import { PinnedHistory } from '../../src/history/pinned.js';
import { CopyHistory } from '../../src/history/copy.js';
import type { HistCursor, HistEntry, HistOwner, HistSlot } from '../../src/history/history.js';
import type { AuditOptions } from '../../src/history/audited.js';

interface O extends HistOwner {
  parent: O | null;
}
const mk = (h: AuditedHistory, id: number, parent: O | null = null): O => ({ id, hist: h.newSlot(), parent });
const e = (idx: number, prevIdx = idx - 1, flags = 0, linkedRegs = 0n): HistEntry => ({ idx, prevIdx, flags, linkedRegs });
const innerSlot = (o: HistOwner): HistSlot => (o.hist as AuditedSlot).inner;

/** Shared storage whose sliceOf / cursor can be overridden per state (a deliberately broken design). */
class Skewed extends SharedHistory {
  readonly slices = new Map<HistSlot, Slice>();
  readonly extra = new Map<HistSlot, number>();
  override sliceOf(st: HistOwner): Slice {
    return this.slices.get(st.hist) ?? super.sliceOf(st);
  }
  override cursor(st: HistOwner, insnIdx?: number): HistCursor {
    const c = super.cursor(st, insnIdx);
    const n = this.extra.get(st.hist) ?? 0;
    return n === 0 ? c : { count: c.count + n, at: (i) => (i < c.count ? c.at(i) : e(99)) };
  }
}

/** cur pushes 1, 2; P = checkpoint (sealed); cur is P's empty child. */
function withCheckpoint(h: AuditedHistory): { cur: O; P: O } {
  const cur = mk(h, 1);
  h.push(cur, e(1), 1);
  h.push(cur, e(2), 2);
  const P = mk(h, 2);
  h.copyInto(P, cur, 'checkpoint', 2);
  h.seal(P, 'checkpoint', 2);
  cur.parent = P;
  h.resetForChild(cur, P, 2);
  return { cur, P };
}

describe('audit: no-clobber', () => {
  it('a push onto a sealed state is one violation (its own slice is not reported again)', () => {
    const h = new AuditedHistory(new SharedHistory());
    const { P } = withCheckpoint(h);
    h.push(P, e(3), 3);
    expect(h.violations()).toStrictEqual([{
      seq: 8, kind: 'no-clobber', severity: 'error', op: 'push', insnIdx: 3, states: [1],
      slices: [{ sid: 1, start: 0, end: 3, count: 3, life: 'sealed' }],
      detail: 's1 is sealed (checkpoint) and was appended to', writeIndex: 2,
    }]);
  });

  it('a combineLast into a sealed slice is flagged with op combine', () => {
    const h = new AuditedHistory(new SharedHistory());
    const { P } = withCheckpoint(h);
    h.combineLast(P, 0x8, 0n, 4); // cur_hist_ent is index 1, inside P
    expect(h.violations().map((v) => [v.kind, v.op, v.insnIdx, v.writeIndex, v.detail])).toEqual([
      ['no-clobber', 'combine', 4, 1, 's1 is sealed (checkpoint) and was appended to'],
    ]);
    // withCheckpoint records events 0..6: the combine is event 7, its violation event 8.
    expect(h.timeline().at(-2)).toStrictEqual({ seq: 7, insnIdx: 4, op: 'combine', sid: 1, why: 'flags|=8', writeIndex: 1 });
  });

  it('writes below, at the end of, or after finalizing a sealed slice are fine', () => {
    const h = new AuditedHistory(new SharedHistory());
    const cur = mk(h, 1);
    h.push(cur, e(1), 1); // [0,1)
    const E = mk(h, 2);
    h.copyInto(cur, mk(h, 9), 'other'); // cur [0,0)
    h.push(cur, e(1), 1);
    h.push(cur, e(2), 2); // cur [0,2)
    h.copyInto(E, cur, 'push_stack');
    h.seal(E, 'enqueued'); // E [0,2)
    const low = mk(h, 3);
    h.copyInto(low, mk(h, 8), 'other');
    const w = mk(h, 4);
    h.copyInto(w, E, 'pop_stack');
    h.push(w, e(3), 3); // index 2: E's end, the normal child append
    expect(h.violations()).toEqual([]);
    h.push(low, e(7), 7); // index 0: inside E
    expect(h.violations().map((v) => v.detail)).toEqual(['write at index 0 by s3 lands inside sealed (enqueued) s1 [0,2)']);
    h.finalize(E, 8); // no longer sealed
    h.push(low, e(8), 8); // index 1: inside E, which is finalized now
    expect(h.violations()).toHaveLength(1);
  });

  it('an enqueued state above the write is not hit (the write is below its start)', () => {
    const h = new AuditedHistory(new SharedHistory());
    const { cur } = withCheckpoint(h); // P [0,2) sealed, cur [2,2)
    h.push(cur, e(3), 3);
    const E = mk(h, 3);
    h.copyInto(E, cur, 'push_stack', 3);
    h.seal(E, 'enqueued', 3); // E [2,3)
    h.finalize(mk(h, 4), 3);
    const P2 = h.states()[1];
    expect(P2?.slice).toMatchObject({ start: 0, end: 2, life: 'sealed' });
    const w = mk(h, 5);
    h.push(w, e(9), 9); // index 0: P only
    expect(h.violations().map((v) => v.states)).toEqual([[4, 1]]);
  });

  it('backedges are sealed only when asked; their chains are protected only when asked', () => {
    const run = (opts: AuditOptions) => {
      const h = new AuditedHistory(new SharedHistory(), opts);
      const { cur, P } = withCheckpoint(h);
      h.push(cur, e(3), 3); // cur [2,3)
      const B = mk(h, 3, P);
      h.copyInto(B, cur, 'backedge', 3); // B [2,3)
      const other = mk(h, 4);
      h.copyInto(other, cur, 'push_stack', 3); // a plain copy is never sealed by this
      h.finalize(P, 4); // P finished: only a chain pin still protects it
      const w = mk(h, 5);
      h.copyInto(w, P, 'other', 5); // w [0,2): writes index 2, inside B
      h.push(w, e(6), 6);
      const x = mk(h, 6);
      h.push(x, e(7), 7); // index 0, inside the finalized P
      h.release(B, 8);
      h.push(x, e(8), 8); // index 1: P is unprotected once B is released
      return { h, B, other };
    };
    const plain = run({});
    expect(plain.h.violations()).toEqual([]);
    expect(plain.h.states().map((s) => s.sealedWhy)).toEqual([undefined, 'checkpoint', undefined, undefined, undefined, undefined]);

    const sealedOnly = run({ protectBackedges: true });
    expect(sealedOnly.h.violations().map((v) => v.detail)).toEqual(['write at index 2 by s4 lands inside sealed (backedge) s2 [2,3)']);
    expect(sealedOnly.h.states()[2]).toMatchObject({ origin: 'backedge', sealedWhy: 'backedge', slice: { life: 'released' } });
    expect(sealedOnly.h.states()[3]).toMatchObject({ origin: 'push_stack', slice: { life: 'active' } });

    const chains = run({ protectBackedgeChains: true });
    expect(chains.h.violations().map((v) => v.detail)).toEqual([
      'write at index 2 by s4 lands inside sealed (backedge) s2 [2,3)',
      'write at index 0 by s5 lands inside finalized, on the chain of 1 unreleased backedge(s) s1 [0,2)',
    ]);
  });

  it('a slice both sealed and on a backedge chain is reported once; two backedges count as two pins', () => {
    const h = new AuditedHistory(new SharedHistory(), { protectBackedgeChains: true });
    const { cur, P } = withCheckpoint(h);
    h.push(cur, e(3), 3);
    const B1 = mk(h, 3, P);
    h.copyInto(B1, cur, 'backedge', 3);
    const B2 = mk(h, 4, P);
    h.copyInto(B2, cur, 'backedge', 3);
    const x = mk(h, 5);
    h.push(x, e(7), 7); // index 0: P, sealed and pinned
    expect(h.violations().map((v) => v.detail)).toEqual(['write at index 0 by s4 lands inside sealed (checkpoint) s1 [0,2)']);
    h.finalize(P, 8);
    h.release(B1, 8);
    h.push(x, e(8), 8); // index 1: P still pinned by B2
    expect(h.violations().map((v) => v.detail)[1]).toBe('write at index 1 by s4 lands inside finalized, on the chain of 1 unreleased backedge(s) s1 [0,2)');
    h.release(B2, 9);
    const y = mk(h, 6);
    h.push(y, e(9), 9); // index 0 again: P is free
    expect(h.violations()).toHaveLength(2);
  });

  it('a moved-out (detached) slice is exempt: pinned under the chain audit is clean', () => {
    const h = new AuditedHistory(new PinnedHistory(), { protectBackedgeChains: true });
    const { cur, P } = withCheckpoint(h);
    h.push(cur, e(3), 3);
    const B = mk(h, 3, P);
    h.copyInto(B, cur, 'backedge', 3);
    h.finalize(P, 4);
    const x = mk(h, 4);
    h.push(x, e(7), 7); // index 0: P moves out first
    expect(h.states()[1]?.slice).toStrictEqual({ sid: 1, start: 0, end: 2, count: 2, life: 'finalized', detached: true });
    expect(h.violations()).toEqual([]);
    // Shared under the same audit clobbers P.
    const s = new AuditedHistory(new SharedHistory(), { protectBackedgeChains: true });
    const t = withCheckpoint(s);
    s.push(t.cur, e(3), 3);
    s.copyInto(mk(s, 3, t.P), t.cur, 'backedge', 3);
    s.finalize(t.P, 4);
    s.push(mk(s, 4), e(7), 7);
    expect(s.violations().map((v) => v.kind)).toEqual(['no-clobber']);
  });
});

describe('audit: backedge chains', () => {
  it('a backedge finalized before its release still protects its own slice', () => {
    const h = new AuditedHistory(new SharedHistory(), { protectBackedgeChains: true });
    const a = mk(h, 1);
    h.push(a, e(1), 1);
    const B = mk(h, 2);
    h.copyInto(B, a, 'backedge', 1); // B [0,1): sealed and pinned
    h.finalize(B, 2); // unsealed, still pinned by itself
    h.push(mk(h, 3), e(9), 9); // index 0
    expect(h.violations().map((v) => v.detail)).toEqual(['write at index 0 by s2 lands inside finalized, on the chain of 1 unreleased backedge(s) s1 [0,1)']);
  });
});

describe('audit: read fidelity', () => {
  it('names the array index of the first difference: slice start plus entry', () => {
    const h = new AuditedHistory(new SharedHistory());
    const cur = mk(h, 1);
    h.push(cur, e(1), 1);
    const P = mk(h, 2);
    h.copyInto(P, cur, 'checkpoint', 1);
    cur.parent = P;
    h.resetForChild(cur, P, 1); // cur [1,1)
    h.push(cur, e(2), 2);
    h.push(cur, e(3), 3); // cur [1,3)
    const B = mk(h, 3, P);
    h.copyInto(B, cur, 'push_stack', 3); // B [1,3)
    const w = mk(h, 4);
    h.copyInto(w, P, 'other', 4); // w [0,1)
    h.push(w, e(2), 2); // index 1: the same entry as before
    h.push(w, e(30), 30); // index 2: different
    h.cursor(B, 31);
    // Events 0-10 up to w's copy; the push at index 1 is event 11 (its write recorded as seq 12), index 2 event 12 (recorded 13).
    expect(h.violations().map((v) => v.detail)).toEqual(['s2 reads 2 entries, copy holds 2; first difference at entry 1; index 2 last written by s3 at insn 30 (event 13)']);
  });

  // A stale copy B [0,2) whose index 1 is overwritten by a push with the given entry.
  const overwrite = (entry: HistEntry) => {
    const h = new AuditedHistory(new SharedHistory());
    const cur = mk(h, 1);
    h.push(cur, e(1), 1);
    h.push(cur, e(2), 2);
    const B = mk(h, 2);
    h.copyInto(B, cur, 'push_stack', 2);
    const w = mk(h, 3);
    h.push(w, e(1), 1);
    h.push(w, entry, 5);
    h.cursor(B, 6);
    return h.violations();
  };

  it('compares every field of an entry', () => {
    expect(overwrite(e(2))).toEqual([]);
    expect(overwrite(e(2, 0))).toHaveLength(1);
    expect(overwrite(e(2, 1, 0x8))).toHaveLength(1);
    expect(overwrite(e(2, 1, 0, 3n))).toHaveLength(1);
    expect(overwrite(e(3, 1))).toHaveLength(1);
  });

  it('reports the first differing entry, with the writer of its array index', () => {
    const h = new AuditedHistory(new SharedHistory());
    const cur = mk(h, 1);
    h.push(cur, e(1), 1);
    const P = mk(h, 2);
    h.copyInto(P, cur, 'checkpoint', 1);
    cur.parent = P;
    h.resetForChild(cur, P, 1); // cur [1,1)
    h.push(cur, e(2), 2);
    h.push(cur, e(3), 3);
    h.push(cur, e(4), 4); // cur [1,4)
    const B = mk(h, 3, P);
    h.copyInto(B, cur, 'push_stack', 4); // B [1,4)
    const w = mk(h, 4);
    h.copyInto(w, P, 'other', 5); // w [0,1)
    h.push(w, e(20), 20); // index 1
    h.push(w, e(30), 30); // index 2
    h.cursor(B, 31);
    const v = h.violations();
    expect(v).toHaveLength(1);
    // Indices 1 and 2 both differ; entry 0 (index 1) is reported. Its push was event 12, recorded as seq 13.
    expect(v[0]?.detail).toBe('s2 reads 3 entries, copy holds 3; first difference at entry 0; index 1 last written by s3 at insn 20 (event 13)');
    expect(v[0]?.overwrittenBy).toStrictEqual({ sid: 3, insnIdx: 20, seq: 13 });
  });

  it('a count mismatch points at the first entry past the shorter history', () => {
    const inner = new Skewed();
    const h = new AuditedHistory(inner);
    const cur = mk(h, 1);
    h.push(cur, e(1), 1);
    const P = mk(h, 2);
    h.copyInto(P, cur, 'checkpoint', 1);
    cur.parent = P;
    h.resetForChild(cur, P, 1);
    h.push(cur, e(2), 2); // cur [1,2)
    inner.extra.set(innerSlot(cur), 3); // reads 4 entries, copy holds 1
    h.cursor(cur, 3);
    const v = h.violations()[0];
    // Entry 1 is array index 2, never written: no last writer to name.
    expect(v?.detail).toBe('s0 reads 4 entries, copy holds 1; first difference at entry 1');
    expect(v && 'overwrittenBy' in v).toBe(false);
    expect(v?.actual?.map((x) => x.idx)).toEqual([2, 99, 99, 99]);
    expect(v?.expected?.map((x) => x.idx)).toEqual([2]);
  });

  it('an audit of copy names no writer (no indices)', () => {
    const h = new AuditedHistory(new CopyHistory());
    const a = mk(h, 1);
    h.push(a, e(1), 1);
    expect(h.cursor(a, 1).count).toBe(1);
    expect(h.violations()).toEqual([]);
    expect(h.states()).toStrictEqual([{ sid: 0, ownerId: 1, origin: 'new', slice: { sid: 0, count: 1, life: 'active' } }]);
    expect(h.timeline()[1]).toStrictEqual({ seq: 1, insnIdx: 1, op: 'push', sid: 0, entry: e(1), slice: { sid: 0, count: 1, life: 'active' } });
    h.combineLast(a, 0x4, 0n, 2);
    expect(h.timeline().at(-1)).toStrictEqual({ seq: 3, insnIdx: 2, op: 'combine', sid: 0, why: 'flags|=4' }); // event 2 was the read
  });
});

describe('audit: chain shape', () => {
  it('checks the parent link on copy and on read, once per shape', () => {
    const inner = new Skewed();
    const h = new AuditedHistory(inner);
    const { cur, P } = withCheckpoint(h); // P [0,2), cur [2,2)
    expect(h.sidOf(P)).toBe(1);
    h.push(cur, e(3), 3);
    inner.slices.set(innerSlot(cur), { start: 1, end: 3 });
    h.cursor(cur, 4);
    h.cursor(cur, 5); // same shape: not flagged again
    const B = mk(h, 3);
    h.copyInto(B, cur, 'push_stack', 6); // copy: B takes cur's parent P; B [2,3) is fine
    inner.slices.set(innerSlot(cur), { start: 0, end: 3 });
    h.cursor(cur, 7); // another shape: flagged
    expect(h.violations().map((v) => [v.op, v.insnIdx, v.states, v.detail])).toEqual([
      ['read', 4, [0, 1], 'child s0 [1,3) does not start where parent s1 [0,2) ends'],
      ['read', 7, [0, 1], 'child s0 [0,3) does not start where parent s1 [0,2) ends'],
    ]);
    // A copy whose source's parent does not line up is flagged on copy.
    const C = mk(h, 4);
    inner.slices.set(innerSlot(C), { start: 0, end: 3 });
    h.copyInto(C, cur, 'push_stack', 8);
    expect(h.violations().at(-1)).toMatchObject({ kind: 'chain-shape', severity: 'error', op: 'copy', states: [3, 1] });
  });

  it('flags inverted slices even when the child starts at the parent end', () => {
    const check = (child: Slice, parent: Slice): number => {
      const inner = new Skewed();
      const h = new AuditedHistory(inner);
      const { cur, P } = withCheckpoint(h);
      inner.slices.set(innerSlot(cur), child);
      inner.slices.set(innerSlot(P), parent);
      h.cursor(cur, 3);
      return h.violations().filter((v) => v.kind === 'chain-shape').length;
    };
    expect(check({ start: 2, end: 2 }, { start: 0, end: 2 })).toBe(0);
    expect(check({ start: 2, end: 1 }, { start: 0, end: 2 })).toBe(1);
    expect(check({ start: 2, end: 3 }, { start: 3, end: 2 })).toBe(1);
    expect(check({ start: 2, end: 3 }, { start: 2, end: 2 })).toBe(0);
  });

  it('uses parentOf when given, and no parent means no check', () => {
    const inner = new Skewed();
    const parents = new Map<number, HistOwner>();
    const h = new AuditedHistory(inner, { parentOf: (o) => parents.get(o.id) ?? null });
    const { cur, P } = withCheckpoint(h);
    expect(cur.parent).toBe(P);
    inner.slices.set(innerSlot(cur), { start: 1, end: 2 });
    h.cursor(cur, 3); // cur.parent is P, but parentOf says nothing
    expect(h.violations()).toEqual([]);
    parents.set(cur.id, P);
    h.cursor(cur, 4);
    expect(h.violations().map((v) => v.op)).toEqual(['read']);
  });

  it('an audit of copy never flags chain shape (no indices)', () => {
    const h = new AuditedHistory(new CopyHistory());
    const { cur } = withCheckpoint(h);
    h.push(cur, e(3), 3);
    h.cursor(cur, 3);
    const B = mk(h, 3);
    h.copyInto(B, cur, 'push_stack', 4);
    const cb = mk(h, 4);
    h.startAsyncCallback(cb, cur, 5);
    expect(h.violations()).toEqual([]);
  });

  it('a new checkpoint child must be empty', () => {
    const h = new AuditedHistory(new SharedHistory({ fault: 'reset-keeps-start' }));
    withCheckpoint(h);
    expect(h.violations()).toStrictEqual([{
      seq: 7, kind: 'chain-shape', severity: 'error', op: 'reset', insnIdx: 2, states: [0, 1],
      slices: [{ sid: 0, start: 0, end: 2, count: 0, life: 'active' }, { sid: 1, start: 0, end: 2, count: 2, life: 'sealed' }],
      detail: 'child s0 [0,2) does not start where parent s1 [0,2) ends',
    }, {
      seq: 8, kind: 'chain-shape', severity: 'error', op: 'reset', insnIdx: 2, states: [0, 1],
      slices: [{ sid: 0, start: 0, end: 2, count: 0, life: 'active' }, { sid: 1, start: 0, end: 2, count: 2, life: 'sealed' }],
      detail: 'new checkpoint child s0 is not empty: [0,2)',
    }]);
  });

  it('an async callback state must start empty at the current end', () => {
    const run = (cbSlice: Slice | null, fault: 'none' | 'async-starts-at-zero' = 'none') => {
      const inner = new Skewed({ fault });
      const h = new AuditedHistory(inner);
      const cur = mk(h, 1);
      h.push(cur, e(1), 1);
      h.push(cur, e(2), 2);
      const cb = mk(h, 2);
      if (cbSlice) inner.slices.set(innerSlot(cb), cbSlice);
      h.startAsyncCallback(cb, cur, 3);
      return h.violations();
    };
    expect(run(null)).toEqual([]);
    expect(run({ start: 2, end: 3 }).map((v) => v.detail)).toEqual(["async callback state s1 must start empty at cur's end 2, has [2,3)"]);
    expect(run(null, 'async-starts-at-zero')).toStrictEqual([{
      seq: 5, kind: 'chain-shape', severity: 'error', op: 'async', insnIdx: 3, states: [1, 0],
      slices: [{ sid: 1, start: 0, end: 0, count: 0, life: 'active' }, { sid: 0, start: 0, end: 2, count: 2, life: 'active' }],
      detail: "async callback state s1 must start empty at cur's end 2, has [0,0)",
    }]);
  });
});

describe('audit: warnings, limits and bookkeeping', () => {
  it('warns once per finalization when a finished state is read', () => {
    const h = new AuditedHistory(new SharedHistory());
    const a = mk(h, 1);
    h.push(a, e(1), 1);
    h.finalize(a, 2);
    h.cursor(a, 3);
    h.cursor(a, 4);
    expect(h.warnings().map((w) => [w.insnIdx, w.detail])).toEqual([[3, 'history of finalized state s0 is read (the patch assumes only active states are read)']]);
    h.release(a, 5);
    h.cursor(a, 6); // still the same finalization: no second warning
    expect(h.warnings()).toHaveLength(1);
    h.copyInto(a, mk(h, 2), 'pop_stack', 7); // a is reused: active again
    h.cursor(a, 8);
    h.finalize(a, 9);
    h.cursor(a, 10);
    expect(h.warnings().map((w) => w.insnIdx)).toEqual([3, 10]);
    const r = new AuditedHistory(new SharedHistory());
    const b = mk(r, 1);
    r.release(b, 1);
    r.cursor(b, 2);
    expect(r.warnings().map((w) => w.detail)).toEqual(['history of released state s0 is read (the patch assumes only active states are read)']);
    expect(new AuditedHistory(new SharedHistory()).warnings()).toEqual([]);
  });

  it('throws only on errors, with the violation in the error', () => {
    const h = new AuditedHistory(new SharedHistory(), { throwOnViolation: true });
    const a = mk(h, 1);
    h.finalize(a, 1);
    expect(() => h.cursor(a, 2)).not.toThrow(); // a warning
    const { P } = withCheckpoint(h);
    let err: unknown;
    try {
      h.push(P, e(5), 5);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(AuditError);
    const ae = err as AuditError;
    expect(ae.name).toBe('AuditError');
    expect(ae.message).toBe('history audit: no-clobber at insn 5 (push): s2 is sealed (checkpoint) and was appended to');
    expect(ae.violation.kind).toBe('no-clobber');
  });

  it('caps violations at maxViolations (default 10,000) and events at maxEvents (default 200,000)', () => {
    const run = (opts: AuditOptions, n: number) => {
      const h = new AuditedHistory(new SharedHistory(), opts);
      const { P } = withCheckpoint(h);
      for (let i = 0; i < n; i++) h.push(P, e(i + 3), i + 3);
      return h;
    };
    expect(run({ maxViolations: 3 }, 5).violations()).toHaveLength(3);
    expect(run({ maxViolations: 3 }, 3).violations()).toHaveLength(3);
    expect(run({}, 10_001).violations()).toHaveLength(10_000);
    const ev = new AuditedHistory(new SharedHistory());
    for (let i = 0; i < 200_001; i++) ev.newSlot();
    expect(ev.droppedEvents()).toBe(1);
    expect(ev.timeline()).toHaveLength(200_000);
    const capped = new AuditedHistory(new SharedHistory(), { maxEvents: 3 });
    for (let i = 0; i < 3; i++) capped.newSlot();
    expect(capped.droppedEvents()).toBe(0);
    capped.newSlot();
    expect(capped.droppedEvents()).toBe(1);
  });

  it('does not record reads when asked not to', () => {
    const h = new AuditedHistory(new SharedHistory(), { recordReads: false });
    const a = mk(h, 1);
    h.push(a, e(1), 1);
    h.cursor(a, 2);
    expect(h.timeline().map((x) => x.op)).toEqual(['create', 'push']);
  });

  it('hands out copies of its lists, the shadow, and the inner stats', () => {
    const h = new AuditedHistory(new SharedHistory({ fault: 'reset-keeps-start' }));
    const { cur } = withCheckpoint(h);
    h.finalize(cur, 3);
    h.cursor(cur, 4);
    const n = [h.violations().length, h.warnings().length, h.timeline().length];
    h.violations().length = 0;
    h.warnings().length = 0;
    h.timeline().length = 0;
    expect([h.violations().length, h.warnings().length, h.timeline().length]).toEqual(n);
    // reset: chain shape + not empty; the read: read fidelity (its chain shape is the same shape, not repeated)
    // and read-after-finalize. Events: 7 for the script, 2 violations, finalize, read, 2 more violations.
    expect(n).toEqual([3, 1, 13]);
    expect(h.shadow()).toBeInstanceOf(CopyHistory);
    expect(h.shadow().cursor({ id: 0, hist: (cur.hist as AuditedSlot).shadow }).count).toBe(0);
    expect(h.stats()).toEqual(h.inner.stats());
    expect(h.stats().entriesWritten).toBe(2);
  });

  it('keeps the first owner id of a slot and refuses foreign slots', () => {
    const h = new AuditedHistory(new SharedHistory());
    const slot = h.newSlot();
    h.newSlot();
    expect(h.states().map((s) => [s.ownerId, s.origin, s.slice.life])).toEqual([[-1, 'new', 'active'], [-1, 'new', 'active']]);
    h.push({ id: 0, hist: slot }, e(1), 1);
    h.push({ id: 5, hist: slot }, e(2), 2);
    expect(h.states()[0]?.ownerId).toBe(0);
    expect(h.sidOf({ id: 6, hist: slot })).toBe(0);
    const other = new AuditedHistory(new SharedHistory());
    const stranger = { id: 7, hist: other.newSlot() };
    expect(() => h.push(stranger, e(1), 1)).toThrow("audited history: state 7 has a foreign 'audited' slot");
    expect(() => h.cursor({ id: 8, hist: new CopyHistory().newSlot() }, 1)).toThrow("audited history: state 8 has a foreign 'copy' slot");
    expect(slot.kind).toBe('audited');
  });

  it('keeps the last instruction index for calls without one', () => {
    const h = new AuditedHistory(new SharedHistory());
    const a = mk(h, 1);
    h.push(a, e(1), 41);
    h.combineLast(a, 0x1, 0n);
    h.seal(a, 'enqueued');
    h.finalize(a);
    expect(h.timeline().map((x) => x.insnIdx)).toEqual([-1, 41, 41, 41, 41]);
    h.seal(a, 'enqueued', 50);
    expect(h.timeline().at(-1)?.insnIdx).toBe(50);
  });
});
