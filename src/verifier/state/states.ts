// push_stack / pop_stack / update_branch_counts and state-list bookkeeping.
import { type VerifierEnv, type BpfVerifierStackElem, type BpfVerifierStateList, VerifierError, EFAULT, E2BIG, verbose } from './env.js';
import type { BpfVerifierState } from './state.js';
import { copyVerifierStateNoHist, newVerifierState } from './regState.js';
import type { CopyReason } from '../../history/history.js';

export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
export const BPF_COMPLEXITY_LIMIT_STATES = 64;

/** copy_verifier_state, history included. */
export function copyVerifierState(env: VerifierEnv, dst: BpfVerifierState, src: BpfVerifierState, why: CopyReason): void {
  env.hist.copyInto(dst, src, why, env.insnIdx);
  copyVerifierStateNoHist(dst, src);
}

/** A brand-new state object that is a copy of src. */
export function cloneVerifierState(env: VerifierEnv, src: BpfVerifierState, why: CopyReason): BpfVerifierState {
  const dst = newVerifierState(env.hist.newSlot());
  copyVerifierState(env, dst, src, why);
  return dst;
}

export function updatePeakStates(env: VerifierEnv): void {
  const cur = env.exploredStatesSize + env.freeListSize + env.numBackedges;
  if (cur > env.peakStates) env.peakStates = cur;
}

export function pushStack(env: VerifierEnv, insnIdx: number, prevInsnIdx: number, speculative: boolean): BpfVerifierState {
  const cur = env.curState;
  const st = cloneVerifierState(env, cur, 'push_stack');
  const elem: BpfVerifierStackElem = { st, insnIdx, prevInsnIdx, next: env.head, logPos: env.log.endPos };
  env.head = elem;
  env.stackSize++;
  st.speculative = st.speculative || speculative;
  env.hist.seal(st, 'enqueued', env.insnIdx);
  if (env.stackSize > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
    verbose(env, `The sequence of ${env.stackSize} jumps is too complex.\n`);
    throw new VerifierError(env.opts.switches.pushStackE2big ? E2BIG : EFAULT, 'jmp seq');
  }
  if (st.parent) st.parent.branches++;
  return st;
}

/** Returns false when the stack is empty (-ENOENT). */
export function popStack(env: VerifierEnv, popLog: boolean): { insnIdx: number; prevInsnIdx: number } | null {
  const head = env.head;
  if (!head) return null;
  copyVerifierState(env, env.curState, head.st, 'pop_stack');
  if (popLog) env.log.reset(head.logPos);
  env.hist.release(head.st, env.insnIdx);
  env.head = head.next;
  env.stackSize--;
  return { insnIdx: head.insnIdx, prevInsnIdx: head.prevInsnIdx };
}

/** The state list node that holds checkpoint `st`, if any. */
export function stateListOf(env: VerifierEnv, st: BpfVerifierState): BpfVerifierStateList | null {
  return st.listNode as BpfVerifierStateList | null;
}

