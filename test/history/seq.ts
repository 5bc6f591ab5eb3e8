// Test support: fake state owners and a hand-written DFS through the seam.
import type { HistEntry, HistOwner, InsnHistory } from '../../src/history/history.js';

export interface Fake extends HistOwner {
  parent: Fake | null;
}

let ids = 1000;
export const owner = (h: InsnHistory, parent: Fake | null = null): Fake => ({ id: ids++, hist: h.newSlot(), parent });
export const ent = (idx: number, prevIdx = idx - 1, flags = 0): HistEntry => ({ idx, prevIdx, flags, linkedRegs: 0n });
export const read = (h: InsnHistory, st: HistOwner): number[] => {
  const c = h.cursor(st, -1);
  return Array.from({ length: c.count }, (_, i) => c.at(i).idx);
};

/** clone + copy as cloneVerifierState does, keeping the parent link. */
export function clone(h: InsnHistory, src: Fake, why: 'push_stack' | 'checkpoint' | 'backedge'): Fake {
  const d = owner(h);
  h.copyInto(d, src, why);
  d.parent = src.parent;
  return d;
}

/**
 * root pushes 1,2; checkpoint P; cur pushes 3; enqueue E; cur pushes 4,5 and
 * finishes; E is popped into cur, which pushes 6 (over the finished 4).
 */
export function siblingOverwrite(h: InsnHistory): { cur: Fake; P: Fake; E: Fake } {
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
  h.push(cur, ent(5), 5);
  h.finalize(cur);
  h.copyInto(cur, E, 'pop_stack');
  cur.parent = E.parent;
  h.release(E);
  h.push(cur, ent(6, 3), 6);
  return { cur, P, E };
}
