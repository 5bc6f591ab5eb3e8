// Chain liveness, the scheme before 6.17 (profile switch chainLiveness):
// every register and stack slot points at its copy in the parent checkpoint;
// a read walks that chain setting REG_LIVE_READ until a write in the same
// state screens it; pruning ignores what an explored state never read, and
// cleaning forgets it. Kernel names: mark_reg_read, propagate_liveness,
// clean_func_state / clean_verifier_state (6.12 versions).
import { BPF_REG_FP } from '../../isa/opcode.js';
import { type VerifierEnv, VerifierError, EFAULT, verbose } from '../state/env.js';
import {
  REG_LIVE_DONE, REG_LIVE_NONE, REG_LIVE_READ, REG_LIVE_READ32, REG_LIVE_READ64, REG_LIVE_WRITTEN, type BpfRegState,
} from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfVerifierState } from '../state/state.js';
import { markRegNotInit } from '../state/scalar.js';

export function markRegRead(env: VerifierEnv, state: BpfRegState, parent: BpfRegState | null, flag: number): void {
  let writes = parent === state.parent;
  let cnt = 0;
  while (parent) {
    if (writes && (state.live & REG_LIVE_WRITTEN)) break;
    if (parent.live & REG_LIVE_DONE) {
      verbose(env, `verifier BUG type ${parent.type} var_off ${parent.varOff.value} off ${parent.off}\n`);
      throw new VerifierError(EFAULT, 'mark_reg_read');
    }
    // a parent already read at this width (or at 64 bits) has its whole chain marked
    if ((parent.live & REG_LIVE_READ) === flag || (parent.live & REG_LIVE_READ64)) break;
    parent.live |= flag;
    if (flag === REG_LIVE_READ64) parent.live &= ~REG_LIVE_READ32;
    state = parent;
    parent = state.parent;
    writes = true;
    cnt++;
  }
  if (env.longestMarkReadWalk < cnt) env.longestMarkReadWalk = cnt;
}

/** A read of stack slot `spi` of frame `frameno` of the current state. */
export function markStackSlotRead(env: VerifierEnv, frameno: number, spi: number): void {
  const slot = (env.curState.frame[frameno] as BpfFuncState).stack[spi];
  if (slot) markRegRead(env, slot.spilledPtr, slot.spilledPtr.parent, REG_LIVE_READ64);
}

/** A full 8-byte write of stack slot `spi` of frame `frameno`. */
export function markStackSlotWritten(env: VerifierEnv, frameno: number, spi: number): void {
  const slot = (env.curState.frame[frameno] as BpfFuncState).stack[spi];
  if (slot) slot.spilledPtr.live |= REG_LIVE_WRITTEN;
}

function propagateLivenessReg(env: VerifierEnv, reg: BpfRegState, parentReg: BpfRegState): void {
  const parentFlag = parentReg.live & REG_LIVE_READ;
  const flag = reg.live & REG_LIVE_READ;
  if (parentFlag === REG_LIVE_READ64 || !flag || (parentFlag === REG_LIVE_READ32 && flag !== REG_LIVE_READ64)) return;
  markRegRead(env, reg, parentReg, flag);
}

/** propagate_liveness: what the pruned-against state read, the current path reads too. */
export function propagateLiveness(env: VerifierEnv, old: BpfVerifierState, cur: BpfVerifierState): void {
  if (old.curframe !== cur.curframe) throw new VerifierError(EFAULT, 'propagate_liveness');
  for (let frame = 0; frame <= old.curframe; frame++) {
    const p = cur.frame[frame] as BpfFuncState;
    const s = old.frame[frame] as BpfFuncState;
    // callers' r0-r5 are clobbered by the call, only callee-saved ones carry over
    for (let i = frame < old.curframe ? 6 : 0; i < BPF_REG_FP; i++) propagateLivenessReg(env, s.regs[i] as BpfRegState, p.regs[i] as BpfRegState);
    const n = Math.min(s.allocatedStack, p.allocatedStack) / BPF_REG_SIZE;
    for (let i = 0; i < n; i++) propagateLivenessReg(env, (s.stack[i] as { spilledPtr: BpfRegState }).spilledPtr, (p.stack[i] as { spilledPtr: BpfRegState }).spilledPtr);
  }
}

function cleanFuncState(st: BpfFuncState): void {
  for (let i = 0; i < BPF_REG_FP; i++) {
    const r = st.regs[i] as BpfRegState;
    const live = r.live;
    r.live |= REG_LIVE_DONE;
    if (!(live & REG_LIVE_READ)) markRegNotInit(r);
  }
  for (let i = 0; i < st.allocatedStack / BPF_REG_SIZE; i++) {
    const s = st.stack[i];
    if (!s) continue;
    const live = s.spilledPtr.live;
    s.spilledPtr.live |= REG_LIVE_DONE;
    if (!(live & REG_LIVE_READ)) {
      markRegNotInit(s.spilledPtr);
      s.slotType.fill(SlotType.STACK_INVALID);
    }
  }
}

/** clean_verifier_state: once a state has no live children, forget what it never read. */
export function cleanVerifierStateChain(st: BpfVerifierState): void {
  if (((st.frame[0] as BpfFuncState).regs[0] as BpfRegState).live & REG_LIVE_DONE) return;
  for (let i = 0; i <= st.curframe; i++) cleanFuncState(st.frame[i] as BpfFuncState);
}

/** After a checkpoint: the current state's registers and slots now read through `nw`. */
export function linkToCheckpoint(cur: BpfVerifierState, nw: BpfVerifierState): void {
  for (let j = 0; j <= cur.curframe; j++) {
    const cf = cur.frame[j] as BpfFuncState;
    const nf = nw.frame[j] as BpfFuncState;
    // callers' r0-r5 keep their old parents: the callee's r1-r5 stand for them
    for (let i = 0; i < BPF_REG_FP; i++) {
      const r = cf.regs[i] as BpfRegState;
      if (j === cur.curframe || i >= 6) r.parent = nf.regs[i] as BpfRegState;
      r.live = REG_LIVE_NONE;
    }
    for (let i = 0; i < cf.allocatedStack / BPF_REG_SIZE; i++) {
      const s = cf.stack[i];
      if (!s) continue;
      s.spilledPtr.live = REG_LIVE_NONE;
      s.spilledPtr.parent = (nf.stack[i] as { spilledPtr: BpfRegState }).spilledPtr;
    }
  }
}
