// 6.18 stack liveness (kernel/bpf/liveness.c): per call chain and insn,
// may_read / must_write marks collected during do_check, then a backward
// fixed point for live_before and must_write_acc, consulted when cleaning
// explored states.
import { type VerifierEnv, verbose, logLevel2 } from '../state/env.js';
import type { BpfFuncState, BpfVerifierState } from '../state/state.js';
import { MAX_CALL_FRAMES } from '../state/state.js';
import { insnSuccessors } from '../cfg/scc.js';
import { containingSubprog } from '../state/subprogInfo.js';
import { fmtStackMask } from '../log/regfmt.js';
import { markStackSlotRead, markStackSlotWritten } from './chain.js';
import { hi32s, lo32s } from '../state/scalar.js';
import type { Callchain, FuncInstance, PerFrameMasks } from '../state/analysis.js';

const U64_ALL = (1n << 64n) - 1n;


// The halves of a stack mask as s32 (no bigint temporaries).
const lo32 = lo32s;
const hi32 = hi32s;
const join64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);


function computeCallchain(env: VerifierEnv, st: BpfVerifierState, frameno: number): Callchain {
  const callsites = new Array<number>(MAX_CALL_FRAMES).fill(0);
  const spStarts = new Array<number>(MAX_CALL_FRAMES).fill(0);
  for (let i = 0; i <= frameno; i++) {
    spStarts[i] = env.subprogs.info[(st.frame[i] as BpfFuncState).subprogno]?.start ?? 0;
    if (i < st.curframe) callsites[i] = (st.frame[i + 1] as BpfFuncState).callsite;
  }
  callsites[frameno] = spStarts[frameno] as number;
  return { callsites, spStarts, curframe: frameno };
}

const ccKey = (cc: Callchain): string => cc.callsites.slice(0, cc.curframe + 1).join(',');

function lookupByCallchain(env: VerifierEnv, cc: Callchain): FuncInstance {
  const key = ccKey(cc);
  const live = env.liveness;
  let inst = live.instances.get(key);
  if (inst) return inst;
  const sp = containingSubprog(env, cc.spStarts[cc.curframe] as number);
  const start = env.subprogs.info[sp]?.start ?? 0;
  const end = env.subprogs.info[sp + 1]?.start ?? env.insns.length;
  inst = {
    callchain: cc, key, insnCnt: end - start, updated: false, mustWriteDropped: false,
    frames: new Array<PerFrameMasks[] | null>(MAX_CALL_FRAMES).fill(null),
    mustWriteSet: new Array<boolean>(end - start).fill(false),
  };
  live.instances.set(key, inst);
  return inst;
}

function lookupInstance(env: VerifierEnv, st: BpfVerifierState, frameno: number): FuncInstance {
  // ccKey(computeCallchain(...)) without building the callchain arrays.
  let key = '';
  for (let i = 0; i < frameno; i++) key += `${(st.frame[i + 1] as BpfFuncState).callsite},`;
  key += `${env.subprogs.info[(st.frame[frameno] as BpfFuncState).subprogno]?.start ?? 0}`;
  return env.liveness.instances.get(key) ?? lookupByCallchain(env, computeCallchain(env, st, frameno));
}

const relIdx = (inst: FuncInstance, insnIdx: number): number => insnIdx - (inst.callchain.spStarts[inst.callchain.curframe] as number);

function getFrameMasks(inst: FuncInstance, frame: number, insnIdx: number): PerFrameMasks | null {
  const arr = inst.frames[frame];
  if (!arr) return null;
  return arr[relIdx(inst, insnIdx)] ?? null;
}

function allocFrameMasks(inst: FuncInstance, frame: number, insnIdx: number): PerFrameMasks {
  let arr = inst.frames[frame];
  if (!arr) {
    arr = [];
    for (let i = 0; i < inst.insnCnt; i++) {
      arr.push({ mayReadLo: 0, mayReadHi: 0, mustWriteLo: 0, mustWriteHi: 0, mustWriteAccLo: 0, mustWriteAccHi: 0, liveBeforeLo: 0, liveBeforeHi: 0 });
    }
    inst.frames[frame] = arr;
  }
  return arr[relIdx(inst, insnIdx)] as PerFrameMasks;
}

function ensureCurInstance(env: VerifierEnv): FuncInstance {
  const live = env.liveness;
  if (!live.curInstance) live.curInstance = lookupInstance(env, env.curState, env.curState.curframe);
  return live.curInstance;
}

function markStackReadIn(inst: FuncInstance, frame: number, insnIdx: number, mask: bigint): void {
  const m = allocFrameMasks(inst, frame, insnIdx);
  if (mask === 0n) return;
  const nLo = m.mayReadLo | lo32(mask), nHi = m.mayReadHi | hi32(mask);
  if ((nLo !== m.mayReadLo || nHi !== m.mayReadHi) &&
    ((nLo | m.liveBeforeLo) !== m.liveBeforeLo || (nHi | m.liveBeforeHi) !== m.liveBeforeHi)) inst.updated = true;
  m.mayReadLo = nLo;
  m.mayReadHi = nHi;
}

export function bpfMarkStackRead(env: VerifierEnv, frame: number, insnIdx: number, mask: bigint): void {
  if (env.opts.switches.chainLiveness) {
    for (let spi = 0; mask >> BigInt(spi); spi++) if ((mask >> BigInt(spi)) & 1n) markStackSlotRead(env, frame, spi);
    return;
  }
  markStackReadIn(ensureCurInstance(env), frame, insnIdx, mask);
}

function resetStackWriteMarks(env: VerifierEnv, inst: FuncInstance, insnIdx: number): void {
  env.liveness.writeInsnIdx = insnIdx;
  for (let i = 0; i <= inst.callchain.curframe; i++) env.liveness.writeMasksAcc[i] = 0n;
}

export function bpfResetStackWriteMarks(env: VerifierEnv, insnIdx: number): void {
  resetStackWriteMarks(env, ensureCurInstance(env), insnIdx);
}

export function bpfMarkStackWrite(env: VerifierEnv, frame: number, mask: bigint): void {
  if (env.opts.switches.chainLiveness) {
    for (let spi = 0; mask >> BigInt(spi); spi++) if ((mask >> BigInt(spi)) & 1n) markStackSlotWritten(env, frame, spi);
    return;
  }
  env.liveness.writeMasksAcc[frame] = (env.liveness.writeMasksAcc[frame] as bigint) | mask;
}

function commitStackWriteMarks(env: VerifierEnv, inst: FuncInstance | null): void {
  if (!inst) return;
  const live = env.liveness;
  const idx = relIdx(inst, live.writeInsnIdx);
  for (let frame = 0; frame <= inst.callchain.curframe; frame++) {
    const mask = live.writeMasksAcc[frame] as bigint;
    if (mask === 0n && !inst.mustWriteSet[idx]) continue;
    const m = allocFrameMasks(inst, frame, live.writeInsnIdx);
    const oldLo = m.mustWriteLo, oldHi = m.mustWriteHi;
    let mLo = lo32(mask), mHi = hi32(mask);
    if (inst.mustWriteSet[idx]) {
      mLo &= oldLo;
      mHi &= oldHi;
    }
    if (oldLo !== mLo || oldHi !== mHi) {
      m.mustWriteLo = mLo;
      m.mustWriteHi = mHi;
      inst.updated = true;
    }
    if ((oldLo & ~mLo) !== 0 || (oldHi & ~mHi) !== 0) inst.mustWriteDropped = true;
  }
  inst.mustWriteSet[idx] = true;
  live.writeInsnIdx = 0;
}

export function bpfCommitStackWriteMarks(env: VerifierEnv): void {
  commitStackWriteMarks(env, env.liveness.curInstance);
}

export function bpfResetLiveStackCallchain(env: VerifierEnv): void {
  env.liveness.curInstance = null;
}

const fmtCallchain = (cc: Callchain): string => `(${cc.callsites.slice(0, cc.curframe + 1).join(',')})`;

function logMaskChange(env: VerifierEnv, cc: Callchain, pfx: string, frame: number, insnIdx: number, old: bigint, nw: bigint): void {
  const changed = old ^ nw;
  if (!changed) return;
  const ones = nw & changed;
  const zeros = ~nw & changed & U64_ALL;
  let s = `${fmtCallchain(cc)} frame ${frame} insn ${insnIdx} `;
  if (ones) s += `+${pfx} ${fmtStackMask(ones)} `;
  if (zeros) s += `-${pfx} ${fmtStackMask(zeros)}`;
  verbose(env, `${s}\n`);
}

function updateInsn(env: VerifierEnv, inst: FuncInstance, frame: number, insnIdx: number): boolean {
  const cache = env.liveness.succ;
  let succ = cache[insnIdx];
  if (!succ) {
    succ = insnSuccessors(env.insns, insnIdx);
    cache[insnIdx] = succ;
  }
  if (succ.length === 0) return false;
  const arr = inst.frames[frame] as PerFrameMasks[];
  const base = inst.callchain.spStarts[inst.callchain.curframe] as number;
  const insn = arr[insnIdx - base] as PerFrameMasks;
  let afterLo = 0, afterHi = 0, accLo = -1, accHi = -1;
  for (let k = 0; k < succ.length; k++) {
    const sm = arr[(succ[k] as number) - base] as PerFrameMasks;
    afterLo |= sm.liveBeforeLo;
    afterHi |= sm.liveBeforeHi;
    accLo &= sm.mustWriteAccLo;
    accHi &= sm.mustWriteAccHi;
  }
  accLo |= insn.mustWriteLo;
  accHi |= insn.mustWriteHi;
  const beforeLo = (afterLo & ~insn.mustWriteLo) | insn.mayReadLo;
  const beforeHi = (afterHi & ~insn.mustWriteHi) | insn.mayReadHi;
  const changed = beforeLo !== insn.liveBeforeLo || beforeHi !== insn.liveBeforeHi ||
    accLo !== insn.mustWriteAccLo || accHi !== insn.mustWriteAccHi;
  if (logLevel2(env) && ((insn.mayReadLo | insn.mayReadHi | insn.mustWriteLo | insn.mustWriteHi) !== 0 ||
    insnIdx === inst.callchain.spStarts[inst.callchain.curframe] || env.aux[insnIdx]?.prunePoint)) {
    logMaskChange(env, inst.callchain, 'live', frame, insnIdx, join64(insn.liveBeforeLo, insn.liveBeforeHi), join64(beforeLo, beforeHi));
    logMaskChange(env, inst.callchain, 'written', frame, insnIdx, join64(insn.mustWriteAccLo, insn.mustWriteAccHi), join64(accLo, accHi));
  }
  insn.liveBeforeLo = beforeLo;
  insn.liveBeforeHi = beforeHi;
  insn.mustWriteAccLo = accLo;
  insn.mustWriteAccHi = accHi;
  return changed;
}

function updateInstance(env: VerifierEnv, inst: FuncInstance): void {
  const cc = inst.callchain;
  const start = cc.spStarts[cc.curframe] as number;
  if (inst.mustWriteDropped) {
    for (let frame = 0; frame <= cc.curframe; frame++) {
      const arr = inst.frames[frame];
      if (!arr) continue;
      for (const m of arr) {
        m.mustWriteAccLo = 0;
        m.mustWriteAccHi = 0;
      }
    }
  }
  const sp = containingSubprog(env, start);
  const poStart = env.subprogs.info[sp]?.postorderStart ?? 0;
  const poEnd = env.subprogs.info[sp + 1]?.postorderStart ?? env.postorder.length;
  let cnt = 0;
  let changed: boolean;
  do {
    cnt++;
    changed = false;
    for (let frame = 0; frame <= cc.curframe; frame++) {
      if (!inst.frames[frame]) continue;
      for (let i = poStart; i < poEnd; i++) {
        if (updateInsn(env, inst, frame, env.postorder[i] as number)) changed = true;
      }
    }
  } while (changed);
  if (logLevel2(env)) verbose(env, `${fmtCallchain(cc)} live stack update done in ${cnt} iterations\n`);
  if (cc.curframe > 0) propagateToOuterInstance(env, inst);
}

function propagateToOuterInstance(env: VerifierEnv, inst: FuncInstance): void {
  const cc = inst.callchain;
  const thisStart = cc.spStarts[cc.curframe] as number;
  const outerCc: Callchain = { callsites: cc.callsites.slice(), spStarts: cc.spStarts.slice(), curframe: cc.curframe - 1 };
  outerCc.callsites[cc.curframe] = 0;
  outerCc.spStarts[cc.curframe] = 0;
  outerCc.callsites[outerCc.curframe] = outerCc.spStarts[outerCc.curframe] as number;
  const outer = lookupByCallchain(env, outerCc);
  const callsite = cc.callsites[cc.curframe - 1] as number;
  resetStackWriteMarks(env, outer, callsite);
  for (let frame = 0; frame < cc.curframe; frame++) {
    const m = getFrameMasks(inst, frame, thisStart);
    if (!m) continue;
    bpfMarkStackWrite(env, frame, join64(m.mustWriteAccLo, m.mustWriteAccHi));
    markStackReadIn(outer, frame, callsite, join64(m.liveBeforeLo, m.liveBeforeHi));
  }
  commitStackWriteMarks(env, outer);
}

export function bpfUpdateLiveStack(env: VerifierEnv): void {
  bpfResetLiveStackCallchain(env);
  for (let frame = env.curState.curframe; frame >= 0; frame--) {
    const inst = lookupInstance(env, env.curState, frame);
    if (inst.updated) {
      updateInstance(env, inst);
      inst.updated = false;
      inst.mustWriteDropped = false;
    }
  }
}

export function bpfLiveStackQueryInit(env: VerifierEnv, st: BpfVerifierState): void {
  const q = env.liveness.query;
  q.instances = [];
  for (let frame = 0; frame <= st.curframe; frame++) q.instances.push(lookupInstance(env, st, frame));
  q.curframe = st.curframe;
  q.insnIdx = st.insnIdx;
}

function isLiveBefore(inst: FuncInstance, insnIdx: number, frameno: number, spi: number): boolean {
  const m = getFrameMasks(inst, frameno, insnIdx);
  if (!m || spi < 0 || spi >= 64) return false;
  return ((spi < 32 ? m.liveBeforeLo >>> spi : m.liveBeforeHi >>> (spi - 32)) & 1) !== 0;
}

export function bpfStackSlotAlive(env: VerifierEnv, frameno: number, spi: number): boolean {
  const q = env.liveness.query;
  const cur = q.instances[q.curframe] as FuncInstance;
  if (isLiveBefore(cur, q.insnIdx, frameno, spi)) return true;
  for (let i = frameno; i < q.curframe; i++) {
    const callsite = cur.callchain.callsites[i] as number;
    const inst = q.instances[i] as FuncInstance;
    const alive = env.aux[callsite]?.callsCallback
      ? isLiveBefore(inst, callsite, frameno, spi)
      : isLiveBefore(inst, callsite + 1, frameno, spi);
    if (alive) return true;
  }
  return false;
}
