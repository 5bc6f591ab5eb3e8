import { describe, expect, it } from 'vitest';
import { AuditedHistory, AuditError } from '../../src/history/audited.js';
import { CopyHistory } from '../../src/history/copy.js';
import { SharedHistory, type SharedFault } from '../../src/history/shared.js';
import { formatTimeline, timelineJson } from '../../src/history/timeline.js';
import { clone, ent, owner, read, siblingOverwrite } from './seq.js';

const audit = (fault: SharedFault = 'none') => new AuditedHistory(new SharedHistory({ fault }));

describe('audited history', () => {
  it('accepts the correct shared design and records the lifecycle', () => {
    const h = audit();
    const { cur, P, E } = siblingOverwrite(h);
    expect(h.violations()).toEqual([]);
    expect(read(h, cur)).toEqual([3, 6]);
    const ops = h.timeline().map((e) => e.op);
    for (const op of ['create', 'copy', 'seal', 'reset', 'push', 'finalize', 'release', 'read']) expect(ops).toContain(op);
    const st = h.states();
    expect(st[h.sidOf(P)]?.slice).toMatchObject({ start: 0, end: 2, life: 'sealed' });
    expect(st[h.sidOf(E)]?.slice.life).toBe('released');
    expect(st[h.sidOf(cur)]?.slice).toMatchObject({ start: 2, end: 4, life: 'active' });
  });

  it('accepts copy too (the audit of the reference is clean)', () => {
    const h = new AuditedHistory(new CopyHistory());
    siblingOverwrite(h);
    expect(h.violations()).toEqual([]);
  });

  it('flags a child that starts one entry early (chain shape, read fidelity)', () => {
    const h = audit('child-starts-early');
    const { cur, P } = siblingOverwrite(h);
    read(h, cur);
    const kinds = new Set(h.violations().map((v) => v.kind));
    expect(kinds).toContain('chain-shape');
    expect(kinds).toContain('read-fidelity');
    const cs = h.violations().find((v) => v.kind === 'chain-shape');
    expect(cs?.states).toEqual([h.sidOf(cur), h.sidOf(P)]);
    expect(cs?.op).toBe('reset');
    expect(cs?.slices.map((s) => [s.start, s.end])).toEqual([[1, 2], [0, 2]]);
  });

  it('flags a reset that forgets the parent end (no-clobber on the sealed parent)', () => {
    const h = audit('reset-forgets-parent-end');
    const { cur, P } = siblingOverwrite(h);
    const nc = h.violations().filter((v) => v.kind === 'no-clobber');
    expect(nc.length).toBeGreaterThan(0);
    expect(nc[0]).toMatchObject({ op: 'push', insnIdx: 3, writeIndex: 0, states: [h.sidOf(cur), h.sidOf(P)] });
    expect(nc[0]?.slices[1]).toMatchObject({ start: 0, end: 2, life: 'sealed' });
    // The parent's entries are gone: read fidelity fails too.
    read(h, P);
    expect(h.violations().some((v) => v.kind === 'read-fidelity' && v.states[0] === h.sidOf(P))).toBe(true);
  });

  it('flags a reset that keeps the parent entries, an async state at 0, and a pop that keeps the old end', () => {
    const a = audit('reset-keeps-start');
    const x = siblingOverwrite(a);
    read(a, x.cur);
    expect(a.violations().map((v) => v.kind)).toContain('read-fidelity');

    const b = audit('async-starts-at-zero');
    const cur = owner(b);
    b.push(cur, ent(1), 1);
    const cb = owner(b);
    b.startAsyncCallback(cb, cur, 1);
    expect(b.violations()[0]).toMatchObject({ kind: 'chain-shape', op: 'async' });

    const c = audit('pop-keeps-end');
    const y = siblingOverwrite(c);
    read(c, y.cur);
    expect(c.violations().map((v) => v.kind)).toContain('read-fidelity');
  });

  it('reports which write clobbered an entry a stale state reads', () => {
    // A backedge-like copy is kept after its path ends; the next path overwrites it.
    const h = audit();
    const cur = owner(h);
    h.push(cur, ent(1), 1);
    const E = clone(h, cur, 'push_stack');
    h.seal(E, 'enqueued');
    h.push(cur, ent(2), 2);
    const B = clone(h, cur, 'backedge');
    h.finalize(cur);
    h.copyInto(cur, E, 'pop_stack');
    h.release(E);
    h.push(cur, ent(9, 1), 9);
    expect(h.violations()).toEqual([]); // B is not sealed: nothing forbids the write
    expect(read(h, B)).toEqual([1, 9]);
    const v = h.violations()[0];
    expect(v).toMatchObject({ kind: 'read-fidelity', states: [h.sidOf(B)], overwrittenBy: { sid: h.sidOf(cur), insnIdx: 9 } });
    expect(v?.expected?.map((e) => e.idx)).toEqual([1, 2]);
    expect(v?.actual?.map((e) => e.idx)).toEqual([1, 9]);
    // With backedges protected, the write itself is flagged.
    const p = new AuditedHistory(new SharedHistory(), { protectBackedges: true });
    const c2 = owner(p);
    p.push(c2, ent(1), 1);
    const E2 = clone(p, c2, 'push_stack');
    p.seal(E2, 'enqueued');
    p.push(c2, ent(2), 2);
    clone(p, c2, 'backedge');
    p.copyInto(c2, E2, 'pop_stack');
    p.push(c2, ent(9, 1), 9);
    expect(p.violations()[0]).toMatchObject({ kind: 'no-clobber', writeIndex: 1, insnIdx: 9 });
  });

  it('warns when a finalized state is read', () => {
    const h = audit();
    const cur = owner(h);
    h.push(cur, ent(1), 1);
    const P = clone(h, cur, 'checkpoint');
    h.seal(P, 'checkpoint');
    h.finalize(P);
    read(h, P);
    expect(h.violations()).toEqual([]);
    expect(h.warnings()[0]).toMatchObject({ kind: 'read-after-finalize', severity: 'warning', states: [h.sidOf(P)] });
  });

  it('can throw on the first violation', () => {
    const h = new AuditedHistory(new SharedHistory({ fault: 'reset-forgets-parent-end' }), { throwOnViolation: true });
    expect(() => siblingOverwrite(h)).toThrow(AuditError);
  });

  it('prints the timeline as text and JSON', () => {
    const h = audit('reset-forgets-parent-end');
    siblingOverwrite(h);
    const text = formatTimeline(h);
    expect(text).toContain('VIOLATION no-clobber at insn 3');
    expect(text).toMatch(/seal\s+s1 \(checkpoint\) s1\[0,2\) sealed/);
    const j = JSON.parse(timelineJson(h)) as { violations: unknown[]; events: unknown[]; states: unknown[] };
    expect(j.violations.length).toBe(h.violations().length);
    expect(j.states.length).toBe(h.states().length);
  });
});
