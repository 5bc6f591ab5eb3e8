// SCC visits and loop backedges (Linux 6.17+): states found equal to a
// looping checkpoint are kept as backedges and, once every path from the SCC
// entry is explored, precision is propagated over them to a fixed point.
import { type VerifierEnv, VerifierError, EFAULT, verbose, logLevel2 } from '../state/env.js';
import type { BpfVerifierState } from '../state/state.js';
import { MAX_CALL_FRAMES } from '../state/state.js';
import { frameInsnIdx } from '../state/frames.js';
import { updatePeakStates } from '../state/states.js';
import { propagatePrecision } from '../precision/backtrack.js';
import type { SccCallchain, SccVisit } from '../state/analysis.js';
import { markAllScalarsPrecise } from '../precision/backtrack.js';

export const MAX_BACKEDGE_ITERS = 64;


export function computeSccCallchain(env: VerifierEnv, st: BpfVerifierState): SccCallchain | null {
  const callsites = new Array<number>(MAX_CALL_FRAMES - 1).fill(0);
  for (let i = 0; i <= st.curframe; i++) {
    const insnIdx = frameInsnIdx(st, i);
    const scc = env.aux[insnIdx]?.scc ?? 0;
    if (scc) return { callsites, scc };
    if (i < st.curframe) callsites[i] = insnIdx;
    else return null;
  }
  return null;
}

/**
 * Map key of the callchain computeSccCallchain(env, st) returns, without
 * building it: the SCC id when every callsite is 0 (always so in frame 0),
 * else the nonzero-trimmed callsites and the id as a string; -1 when st is
 * in no SCC. Equal keys exactly when the kernel's memcmp finds equal chains.
 */
function sccKey(env: VerifierEnv, st: BpfVerifierState): number | string {
  const aux = env.aux;
  for (let i = 0; i <= st.curframe; i++) {
    const scc = aux[frameInsnIdx(st, i)]?.scc ?? 0;
    if (!scc) continue;
    let last = i - 1;
    while (last >= 0 && frameInsnIdx(st, last) === 0) last--;
    if (last < 0) return scc;
    let k = '';
    for (let j = 0; j <= last; j++) k += `${frameInsnIdx(st, j)},`;
    return `${k}/${scc}`;
  }
  return -1;
}

export function formatCallchain(c: SccCallchain): string {
  let s = '(';
  for (const cs of c.callsites) {
    if (!cs) break;
    s += `${cs},`;
  }
  return `${s}${c.scc})`;
}

export function maybeEnterScc(env: VerifierEnv, st: BpfVerifierState): void {
  const k = sccKey(env, st);
  if (k === -1) return;
  let visit = env.sccVisits.get(k);
  if (!visit) {
    visit = { callchain: computeSccCallchain(env, st) as SccCallchain, entryState: null, backedges: [] };
    env.sccVisits.set(k, visit);
  }
  if (!visit.entryState) {
    visit.entryState = st;
    if (logLevel2(env)) verbose(env, `SCC enter ${formatCallchain(visit.callchain)}\n`);
  }
}

export function maybeExitScc(env: VerifierEnv, st: BpfVerifierState): void {
  const k = sccKey(env, st);
  if (k === -1) return;
  const visit = env.sccVisits.get(k);
  if (!visit) {
    if (!st.speculative) {
      const cc = computeSccCallchain(env, st) as SccCallchain;
      verbose(env, `verifier bug: scc exit: no visit info for call chain ${formatCallchain(cc)}\n`);
      throw new VerifierError(EFAULT, 'scc exit');
    }
    return;
  }
  if (visit.entryState !== st) return;
  if (logLevel2(env)) verbose(env, `SCC exit ${formatCallchain(computeSccCallchain(env, st) as SccCallchain)}\n`);
  visit.entryState = null;
  env.numBackedges -= visit.backedges.length;
  updatePeakStates(env);
  propagateBackedges(env, visit);
}

export function addSccBackedge(env: VerifierEnv, st: BpfVerifierState, backedge: BpfVerifierState): void {
  const k = sccKey(env, st);
  if (k === -1) {
    verbose(env, `verifier bug: add backedge: no SCC in verification path, insn_idx ${st.insnIdx}\n`);
    throw new VerifierError(EFAULT, 'add backedge');
  }
  const visit = env.sccVisits.get(k);
  if (!visit) {
    const cc = computeSccCallchain(env, st) as SccCallchain;
    verbose(env, `verifier bug: add backedge: no visit info for call chain ${formatCallchain(cc)}\n`);
    throw new VerifierError(EFAULT, 'add backedge');
  }
  if (logLevel2(env)) verbose(env, `SCC backedge ${formatCallchain(computeSccCallchain(env, st) as SccCallchain)}\n`);
  visit.backedges.unshift(backedge);
  env.numBackedges++;
  updatePeakStates(env);
}

export function incompleteReadMarks(env: VerifierEnv, st: BpfVerifierState): boolean {
  const k = sccKey(env, st);
  if (k === -1) return false;
  const visit = env.sccVisits.get(k);
  return !!visit && visit.backedges.length > 0;
}

function propagateBackedges(env: VerifierEnv, visit: SccVisit): void {
  if (env.opts.backedgePropagation) {
    let i = 0;
    let changed: boolean;
    do {
      if (i++ > MAX_BACKEDGE_ITERS) {
        if (logLevel2(env)) verbose(env, 'propagate_backedges: too many iterations\n');
        for (const be of visit.backedges) markAllScalarsPrecise(env, be);
        break;
      }
      changed = false;
      for (const be of visit.backedges) {
        if (propagatePrecision(env, be.equalState as BpfVerifierState, be)) changed = true;
      }
    } while (changed);
  }
  for (const be of visit.backedges) env.hist.release(be, env.insnIdx);
  visit.backedges = [];
}
