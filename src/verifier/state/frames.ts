import type { BpfFuncState, BpfVerifierState } from './state.js';

/** The insn index a frame is at: its own insn_idx for the top frame, else the callsite of the frame above. */
export const frameInsnIdx = (st: BpfVerifierState, frame: number): number =>
  frame === st.curframe ? st.insnIdx : (st.frame[frame + 1] as BpfFuncState).callsite;

export const sameCallsites = (a: BpfVerifierState, b: BpfVerifierState): boolean => {
  if (a.curframe !== b.curframe) return false;
  for (let fr = a.curframe; fr >= 0; fr--) {
    if ((a.frame[fr] as BpfFuncState).callsite !== (b.frame[fr] as BpfFuncState).callsite) return false;
  }
  return true;
};
