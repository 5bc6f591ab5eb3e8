// Loop entries (Linux 6.7 .. 6.16, switch loopEntry): before SCCs, a state
// that may be part of a loop remembers the outermost checkpoint of that loop
// still on the DFS path. While that entry has unexplored branches, read and
// precision marks inside the loop are incomplete, so pruning against a loop
// member must compare ranges (RANGE_WITHIN), and cleaning must wait.
// 6.12.118 carries the 6.14 fixes (copy_verifier_state copies loop_entry;
// clean_live_states skips states whose loop entry has branches) but still the
// original, path-compressing get_loop_entry and update_loop_entry: measured
// against vm:6.12, that combination alone gives identical statistics.
import type { BpfVerifierState } from '../state/state.js';

/** get_loop_entry: follow loop_entry links to the outermost one (path-compressed, as 6.12 does). */
export function getLoopEntry(st: BpfVerifierState): BpfVerifierState | null {
  let topmost = st.loopEntry;
  while (topmost && topmost.loopEntry && topmost !== topmost.loopEntry) topmost = topmost.loopEntry;
  // Point intermediate states straight at the topmost entry.
  let s: BpfVerifierState | null = st;
  while (s && s.loopEntry !== topmost) {
    const old: BpfVerifierState | null = s.loopEntry;
    s.loopEntry = topmost;
    s = old;
  }
  return topmost;
}

/** update_loop_entry: `hdr` becomes cur's loop entry when its outermost entry is on the DFS path and not deeper. */
export function updateLoopEntry(cur: BpfVerifierState, hdr: BpfVerifierState): void {
  const cur1 = getLoopEntry(cur) ?? cur;
  const hdr1 = getLoopEntry(hdr) ?? hdr;
  if (hdr1.branches && hdr1.dfsDepth <= cur1.dfsDepth) {
    cur.loopEntry = hdr;
    hdr.usedAsLoopEntry = true;
  }
}

/** Whether pruning against `old` must be exact: its loop's entry still has unexplored branches. */
export function loopEntryForcesExact(old: BpfVerifierState): { exact: boolean; entry: BpfVerifierState | null } {
  const entry = getLoopEntry(old);
  return { exact: !!entry && entry.branches > 0, entry };
}
