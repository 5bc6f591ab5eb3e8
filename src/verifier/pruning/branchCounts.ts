// update_branch_counts and freeing explored states once no path needs them.
import { type VerifierEnv, type BpfVerifierStateList, VerifierError, EFAULT } from '../state/env.js';
import type { BpfVerifierState } from '../state/state.js';
import { stateListOf } from '../state/states.js';
import { maybeExitScc, incompleteReadMarks } from './sccVisit.js';
import { updateLoopEntry } from './loopEntry.js';

export function maybeFreeVerifierState(env: VerifierEnv, sl: BpfVerifierStateList): void {
  // peakStatesCounter kernels free evicted states only at eviction time.
  if (env.opts.switches.peakStatesCounter) return;
  if (!sl.inFreeList || sl.state.branches !== 0 || incompleteReadMarks(env, sl.state)) return;
  const i = env.freeList.indexOf(sl);
  if (i >= 0) env.freeList.splice(i, 1);
  sl.state.listNode = null;
  env.hist.release(sl.state, env.insnIdx);
  env.freeListSize--;
}

export function updateBranchCounts(env: VerifierEnv, start: BpfVerifierState): void {
  let st: BpfVerifierState | null = start;
  let sl: BpfVerifierStateList | null = null;
  while (st) {
    const br = --st.branches;
    // A finished loop member hands its loop entry to its parent.
    if (br === 0 && st.parent && st.loopEntry && env.opts.switches.loopEntry) updateLoopEntry(st.parent, st.loopEntry);
    if (br < 0) throw new VerifierError(EFAULT, 'branches_to_explore < 0');
    if (br) break;
    env.hist.finalize(st, env.insnIdx);
    maybeExitScc(env, st);
    const parent: BpfVerifierState | null = st.parent;
    const parentSl = parent ? stateListOf(env, parent) : null;
    if (sl) maybeFreeVerifierState(env, sl);
    st = parent;
    sl = parentSl;
  }
}
