// The pinned history: shared storage, but a backedge's parent chain survives
// until the backedge is released.
import { describe, expect, it } from 'vitest';
import { PinnedHistory } from '../../src/history/pinned.js';
import { SharedHistory } from '../../src/history/shared.js';
import { CopyHistory } from '../../src/history/copy.js';
import { AuditedHistory } from '../../src/history/audited.js';
import type { InsnHistory } from '../../src/history/history.js';
import { makeHistory } from '../../src/history/index.js';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { allAgree, diffResults } from '../../src/compare/diff.js';
import { generatePrograms } from '../../generators/index.js';
import { mayGotoBranchyProgram } from '../../bench/largeLoop.js';
import { clone, ent, owner, read, type Fake } from './seq.js';
import { DIVERGENT } from './searchSupport.js';

/**
 * root pushes 1,2; checkpoint P; cur pushes 3; enqueue E; cur pushes 4 and
 * finds a loop: backedge B (a copy of cur) is kept; cur finishes, P's other
 * path E is popped and writes 6, 7 where B's 4 was. B is read afterwards, as
 * propagation at SCC exit does.
 */
function backedgeThenSibling(h: InsnHistory): { B: Fake; P: Fake; cur: Fake } {
  const cur = owner(h);
  h.push(cur, ent(1), 1);
  h.push(cur, ent(2), 2);
  const P = clone(h, cur, 'checkpoint');
  h.seal(P, 'checkpoint');
  cur.parent = P;
  h.resetForChild(cur, P);
  h.push(cur, ent(3), 3);
  const E = clone(h, cur, 'push_stack');
  h.seal(E, 'enqueued');
  h.push(cur, ent(4), 4);
  const B = clone(h, cur, 'backedge');
  h.finalize(cur);
  h.copyInto(cur, E, 'pop_stack');
  cur.parent = E.parent;
  h.release(E);
  h.push(cur, ent(6, 3), 6);
  h.push(cur, ent(7), 7);
  return { B, P, cur };
}

describe('pinned history', () => {
  it('a backedge reads what copy reads after a sibling wrote over its slice; shared does not', () => {
    const copy = new CopyHistory();
    const c = backedgeThenSibling(copy);
    const s = new SharedHistory();
    const sh = backedgeThenSibling(s);
    const p = new PinnedHistory();
    const pi = backedgeThenSibling(p);
    const want = read(copy, c.B);
    expect(want).toEqual([3, 4]);
    expect(read(p, pi.B)).toEqual(want);
    expect(read(s, sh.B)).not.toEqual(want); // the patch's bug, in four entries
    expect(read(p, pi.cur)).toEqual([3, 6, 7]);
    expect(read(p, pi.P)).toEqual([1, 2]);
    expect(p.sliceOf(pi.B)).toEqual({ start: 2, end: 4, detached: true });
    expect(p.pinning()).toMatchObject({ moves: 1, entriesMoved: 2 });
  });

  it('moves nothing while no write lands in a pinned slice, and frees the arena on release', () => {
    const p = new PinnedHistory();
    const cur = owner(p);
    p.push(cur, ent(1), 1);
    const B = clone(p, cur, 'backedge');
    p.push(cur, ent(2), 2); // beyond B's end: nothing to move
    expect(p.pinning().moves).toBe(0);
    expect(p.sliceOf(B)).toEqual({ start: 0, end: 1 });
    // A second run from index 0 writes over B's slice too: both move out, both still read right.
    const { B: B2 } = backedgeThenSibling(p);
    expect(p.pinning().moves).toBe(2);
    expect(read(p, B)).toEqual([1]);
    expect(read(p, B2)).toEqual([3, 4]);
    p.release(B2);
    p.release(B);
    // A new backedge after the release starts from an empty arena.
    const x = owner(p);
    p.push(x, ent(9), 9);
    expect(read(p, x)).toEqual([9]);
  });

  it('the audit protects the whole chain of a backedge: shared clobbers it, pinned does not', () => {
    const run = (inner: InsnHistory): AuditedHistory => {
      const a = new AuditedHistory(inner, { protectBackedgeChains: true });
      backedgeThenSibling(a);
      return a;
    };
    expect(run(new SharedHistory()).violations().map((v) => v.kind)).toContain('no-clobber');
    expect(run(new PinnedHistory()).violations()).toEqual([]);
  });
});

const results = (p: Program, h: InsnHistory, logLevel = 2) => verifyProgram(p, { history: h, backedgePropagation: true, logLevel });

describe('pinned through the verifier model, backedge propagation on', () => {
  const divergent: Array<[string, Program]> = [
    ['the shrunk divergent program', makeProgram(assemble(DIVERGENT))],
    ['may_goto_16_branches (bench)', mayGotoBranchyProgram(16)],
  ];
  // The bench's generated sets where copy and shared differ (seed 1): loops_22, medium_24, ...
  for (const preset of ['loops', 'medium'] as const) {
    for (const p of generatePrograms({ preset, count: 50, seed: 1 }).programs) divergent.push([p.name, p]);
  }

  it('equals copy (full level-2 result) wherever shared differs, with no audit violation', () => {
    let sharedDiffers = 0;
    for (const [name, p] of divergent) {
      const s0 = results(p, makeHistory('shared'), 0);
      if (allAgree(diffResults(results(p, makeHistory('copy'), 0), s0, { precision: true }))) continue;
      sharedDiffers++;
      const c = results(p, makeHistory('copy'));
      const pi = results(p, makeHistory('pinned'));
      const d = diffResults(c, pi, { precision: true });
      expect(d.differing.map((f) => `${name}: ${f.field}`)).toEqual([]);
      expect(pi.log).toBe(c.log);
      const audit = makeHistory('audited-pinned', { recordReads: false }) as AuditedHistory;
      results(p, audit, 0);
      expect(audit.violations().map((v) => `${name}: ${v.kind} ${v.detail}`)).toEqual([]);
    }
    // The sets really hold divergent programs (9 at the time of writing).
    expect(sharedDiffers).toBeGreaterThanOrEqual(5);
  });

  it('pinning only the backedge is caught by the chain audit', () => {
    let caught = 0;
    for (const [, p] of divergent.slice(0, 20)) {
      const a = new AuditedHistory(new PinnedHistory({ pinBackedgeOnly: true }), { protectBackedgeChains: true, recordReads: false });
      results(p, a, 0);
      if (a.violations().some((v) => v.kind === 'no-clobber')) caught++;
    }
    expect(caught).toBeGreaterThan(0);
  });

  it('moves out a fraction of what copy copies and allocates far less on may_goto_16_branches', () => {
    const p = mayGotoBranchyProgram(16);
    const c = verifyProgram(p, { history: makeHistory('copy'), backedgePropagation: true, logLevel: 0 });
    const pi = verifyProgram(p, { history: makeHistory('pinned'), backedgePropagation: true, logLevel: 0 });
    expect(pi.history?.allocations).toBeLessThan((c.history?.allocations ?? 0) / 10);
    expect(pi.history?.entriesCopied).toBeLessThan(c.history?.entriesCopied ?? 0);
  });
});
