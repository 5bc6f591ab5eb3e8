// State pruning: is_state_visited with its checkpoint heuristics,
// states_equal / regsafe / stacksafe, clean_live_states, propagate_precision.
import { BPF_REG_FP, MAX_BPF_REG, BPF_JMP, BPF_JCOND } from '../../isa/opcode.js';
import { type VerifierEnv, type BpfVerifierStateList, VerifierError, EINVAL, verbose } from '../state/env.js';
import { RegType, BPF_ADD_CONST, REG_LIVE_READ, REG_LIVE_DONE, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfStackState, type BpfVerifierState } from '../state/state.js';
import { tnumIn } from '../state/tnum.js';
import { frameInsnIdx, sameCallsites } from '../state/frames.js';
import { newRegState } from '../state/regState.js';
import { markRegNotInit, markRegUnknown } from '../state/scalar.js';
import { printVerifierState } from '../log/logState.js';
import { markAllScalarsImprecise, propagatePrecision } from '../precision/backtrack.js';
import { cloneVerifierState, updatePeakStates } from '../state/states.js';
import { maybeFreeVerifierState } from './branchCounts.js';
import { maybeEnterScc, addSccBackedge, incompleteReadMarks } from './sccVisit.js';
import { loopEntryForcesExact, updateLoopEntry } from './loopEntry.js';
import { bpfLiveStackQueryInit, bpfStackSlotAlive } from '../liveness/liveness.js';
import { cleanVerifierStateChain, linkToCheckpoint, propagateLiveness } from '../liveness/chain.js';
import { pushJmpHistory } from '../state/history.js';
import { NO_FAULTS, type VerifierFaultFlags } from '../profile/faults.js';

export const enum ExactLevel { NOT_EXACT, EXACT, RANGE_WITHIN }

export interface IdMap {
  /** Pairs old[i] -> cur[i] for i < n; the arrays only grow, so a reset allocates nothing. */
  old: number[];
  cur: number[];
  n: number;
  tmpIdGen: number;
  /** stackMiscPruningInLoops: RANGE_WITHIN relaxes NOT_INIT and slot types as NOT_EXACT does. */
  looseLoops: boolean;
  /** chainLiveness: skip what the old state never read (NOT_EXACT). */
  chain: boolean;
  /** Deliberate bugs of the fault catalog. */
  faults: VerifierFaultFlags;
}

function checkIds(oldId: number, curId: number, m: IdMap): boolean {
  if (!oldId !== !curId) return false;
  if (oldId === 0) return true;
  const n = m.n;
  for (let i = 0; i < n; i++) {
    if (m.old[i] === oldId) return m.cur[i] === curId;
    if (m.cur[i] === curId) return false;
  }
  if (n < m.old.length) {
    m.old[n] = oldId;
    m.cur[n] = curId;
  } else {
    m.old.push(oldId);
    m.cur.push(curId);
  }
  m.n = n + 1;
  return true;
}

/** 6.18.y: an old id of 0 means "independent", which any current id satisfies. */
function checkScalarIds(oldId: number, curId: number, m: IdMap): boolean {
  if (!oldId) return true;
  const c = curId ? curId : ++m.tmpIdGen;
  if (!checkIds(oldId, c, m)) return false;
  // Linked deltas: the base ids must map consistently too.
  if (oldId & BPF_ADD_CONST) return checkIds((oldId & ~BPF_ADD_CONST) >>> 0, (c & ~BPF_ADD_CONST) >>> 0, m);
  return true;
}

/** Fault regsafe-unsigned-only: the signed halves of range_within are skipped. */
const rangeWithinUnsignedOnly = (o: BpfRegState, c: BpfRegState): boolean =>
  o.umin <= c.umin && o.umax >= c.umax && o.u32Min <= c.u32Min && o.u32Max >= c.u32Max;

const rangeWithin = (o: BpfRegState, c: BpfRegState): boolean =>
  o.umin <= c.umin && o.umax >= c.umax && o.smin <= c.smin && o.smax >= c.smax &&
  o.u32Min <= c.u32Min && o.u32Max >= c.u32Max && o.s32Min <= c.s32Min && o.s32Max >= c.s32Max;

/** memcmp of the struct up to (not including) `id`: type, off, map/range, var_off and bounds. */
function regsSameUpToId(o: BpfRegState, c: BpfRegState): boolean {
  return o.type === c.type && o.typeFlags === c.typeFlags && o.off === c.off && o.range === c.range &&
    o.mapIndex === c.mapIndex && o.varOff.value === c.varOff.value && o.varOff.mask === c.varOff.mask &&
    o.smin === c.smin && o.smax === c.smax && o.umin === c.umin && o.umax === c.umax &&
    o.s32Min === c.s32Min && o.s32Max === c.s32Max && o.u32Min === c.u32Min && o.u32Max === c.u32Max;
}

/** memcmp up to var_off: type, off, map/range. */
const regsSameUpToVarOff = (o: BpfRegState, c: BpfRegState): boolean =>
  o.type === c.type && o.typeFlags === c.typeFlags && o.off === c.off && o.range === c.range && o.mapIndex === c.mapIndex;

export const regsExact = (o: BpfRegState, c: BpfRegState, m: IdMap): boolean =>
  regsSameUpToId(o, c) && checkIds(o.id, c.id, m) && checkIds(o.refObjId, c.refObjId, m);

function regsafe(o: BpfRegState, c: BpfRegState, m: IdMap, exact: ExactLevel): boolean {
  // chain liveness: what the old state never read cannot matter to it
  if (m.chain && !(o.live & REG_LIVE_READ) && exact === ExactLevel.NOT_EXACT) return true;
  if (exact === ExactLevel.EXACT) return regsExact(o, c, m);
  if (o.type === RegType.NOT_INIT) {
    if (exact === ExactLevel.NOT_EXACT || m.looseLoops || c.type === RegType.NOT_INIT) return true;
  }
  if (o.type !== c.type || o.typeFlags !== c.typeFlags) return false;
  switch (o.type) {
    case RegType.SCALAR_VALUE:
      if ((!o.precise || m.faults['regsafe-ignore-precise']) && exact === ExactLevel.NOT_EXACT) return true;
      if (o.id && (o.id & BPF_ADD_CONST) !== (c.id & BPF_ADD_CONST)) return false;
      if ((o.id & BPF_ADD_CONST) && o.off !== c.off) return false;
      if (!checkScalarIds(o.id, c.id, m)) return false;
      return (m.faults['regsafe-unsigned-only'] ? rangeWithinUnsignedOnly(o, c) : rangeWithin(o, c)) && tnumIn(o.varOff, c.varOff);
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_BUF:
    case RegType.PTR_TO_TP_BUFFER:
      return regsSameUpToVarOff(o, c) && rangeWithin(o, c) && tnumIn(o.varOff, c.varOff) &&
        checkIds(o.id, c.id, m) && checkIds(o.refObjId, c.refObjId, m);
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET:
      // 6.18.y: an AT/BEYOND_PKT_END marker only matches the same marker
      if (o.range < 0 || c.range < 0) {
        if (o.range !== c.range) return false;
      } else if (o.range > c.range) {
        return false;
      }
      if (o.off !== c.off) return false;
      if (!checkIds(o.id, c.id, m)) return false;
      return rangeWithin(o, c) && tnumIn(o.varOff, c.varOff);
    case RegType.PTR_TO_STACK:
      return regsExact(o, c, m) && o.frameno === c.frameno;
    case RegType.PTR_TO_ARENA:
      return true;
    default:
      return regsExact(o, c, m);
  }
}

const UNBOUND_REG: BpfRegState = (() => {
  const r = newRegState();
  markRegUnknown(r);
  return r;
})();

function isSpilledScalarReg64(s: BpfStackState): boolean {
  if (s.spilledPtr.type !== RegType.SCALAR_VALUE) return false;
  const t = s.slotType;
  for (let i = 0; i < BPF_REG_SIZE; i++) if (t[i] !== SlotType.STACK_SPILL) return false;
  return true;
}

function isStackAllMisc(env: VerifierEnv, s: BpfStackState): boolean {
  for (const t of s.slotType) {
    if (t === SlotType.STACK_MISC || (t === SlotType.STACK_INVALID && env.allowUninitStack)) continue;
    return false;
  }
  return true;
}

function scalarRegForStack(env: VerifierEnv, s: BpfStackState): BpfRegState | null {
  if (isSpilledScalarReg64(s)) return s.spilledPtr;
  if (isStackAllMisc(env, s)) return UNBOUND_REG;
  return null;
}

function stacksafe(env: VerifierEnv, old: BpfFuncState, cur: BpfFuncState, m: IdMap, exact: ExactLevel): boolean {
  for (let i = 0; i < old.allocatedStack; i++) {
    const spi = Math.floor(i / BPF_REG_SIZE);
    const b = i % BPF_REG_SIZE;
    const os = old.stack[spi] as BpfStackState;
    const cs = cur.stack[spi];
    const ot = os.slotType[b] as SlotType;
    if (m.chain && !(os.spilledPtr.live & REG_LIVE_READ) && exact === ExactLevel.NOT_EXACT) {
      i += BPF_REG_SIZE - 1;
      continue;
    }
    const byteExact = m.looseLoops ? exact === ExactLevel.EXACT : exact !== ExactLevel.NOT_EXACT;
    if (byteExact && (i >= cur.allocatedStack || ot !== (cs as BpfStackState).slotType[b])) return false;
    if (ot === SlotType.STACK_INVALID) continue;
    if (env.allowUninitStack && ot === SlotType.STACK_MISC) continue;
    if (i >= cur.allocatedStack || !cs) return false;
    const oldReg = scalarRegForStack(env, os);
    const curReg = scalarRegForStack(env, cs);
    if (oldReg && curReg) {
      if (!m.faults['stacksafe-ignore-spills'] && !regsafe(oldReg, curReg, m, exact)) return false;
      i += BPF_REG_SIZE - 1;
      continue;
    }
    const ct = cs.slotType[b] as SlotType;
    if (ot === SlotType.STACK_MISC && ct === SlotType.STACK_ZERO) continue;
    if (ot !== ct) return false;
    if (b !== BPF_REG_SIZE - 1) continue;
    switch (os.slotType[BPF_REG_SIZE - 1]) {
      case SlotType.STACK_SPILL:
        if (!regsafe(os.spilledPtr, cs.spilledPtr, m, exact)) return false;
        break;
      case SlotType.STACK_MISC:
      case SlotType.STACK_ZERO:
      case SlotType.STACK_INVALID:
        continue;
      default:
        return false;
    }
  }
  return true;
}

function funcStatesEqual(env: VerifierEnv, old: BpfFuncState, cur: BpfFuncState, insnIdx: number, exact: ExactLevel, m: IdMap): boolean {
  const live = m.chain ? 0xffff : env.aux[insnIdx]?.liveRegsBefore ?? 0xffff;
  if (old.callbackDepth > cur.callbackDepth) return false;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    if ((live & (1 << i)) && !regsafe(old.regs[i] as BpfRegState, cur.regs[i] as BpfRegState, m, exact)) return false;
  }
  return stacksafe(env, old, cur, m, exact);
}

export const newIdMap = (env: VerifierEnv): IdMap =>
  ({
    old: [], cur: [], n: 0, tmpIdGen: env.idGen, looseLoops: env.opts.switches.stackMiscPruningInLoops, chain: env.opts.switches.chainLiveness,
    faults: env.opts.faults,
  });

// states_equal runs once per candidate state; one id map, reset per call, saves the allocations.
const scratchIdMap: IdMap = { old: [], cur: [], n: 0, tmpIdGen: 0, looseLoops: false, chain: false, faults: NO_FAULTS };

function resetIdMap(env: VerifierEnv): IdMap {
  const m = scratchIdMap;
  m.n = 0;
  m.tmpIdGen = env.idGen;
  m.looseLoops = env.opts.switches.stackMiscPruningInLoops;
  m.chain = env.opts.switches.chainLiveness;
  m.faults = env.opts.faults;
  return m;
}

export function statesEqual(env: VerifierEnv, old: BpfVerifierState, cur: BpfVerifierState, exact: ExactLevel): boolean {
  if (old.curframe !== cur.curframe) return false;
  const m = resetIdMap(env);
  if (old.speculative && !cur.speculative) return false;
  for (let i = 0; i <= old.curframe; i++) {
    const insnIdx = frameInsnIdx(old, i);
    if ((old.frame[i] as BpfFuncState).callsite !== (cur.frame[i] as BpfFuncState).callsite) return false;
    if (!funcStatesEqual(env, old.frame[i] as BpfFuncState, cur.frame[i] as BpfFuncState, insnIdx, exact, m)) return false;
  }
  return true;
}


function cleanFuncState(env: VerifierEnv, st: BpfFuncState, ip: number): void {
  const live = env.aux[ip]?.liveRegsBefore ?? 0xffff;
  for (let i = 0; i < BPF_REG_FP; i++) {
    if (!(live & (1 << i))) markRegNotInit(st.regs[i] as BpfRegState);
  }
  for (let i = 0; i < st.allocatedStack / BPF_REG_SIZE; i++) {
    if (!bpfStackSlotAlive(env, st.frameno, i)) {
      const s = st.stack[i] as BpfStackState;
      markRegNotInit(s.spilledPtr);
      s.slotType.fill(SlotType.STACK_INVALID);
    }
  }
}

function cleanVerifierState(env: VerifierEnv, st: BpfVerifierState): void {
  bpfLiveStackQueryInit(env, st);
  st.cleaned = true;
  for (let i = 0; i <= st.curframe; i++) cleanFuncState(env, st.frame[i] as BpfFuncState, frameInsnIdx(st, i));
}

/** incomplete_read_marks; no SCC holds a backedge while numBackedges is 0. */
const readMarksIncomplete = (env: VerifierEnv, st: BpfVerifierState): boolean =>
  env.numBackedges !== 0 && incompleteReadMarks(env, st);

function cleanLiveStates(env: VerifierEnv, insn: number, cur: BpfVerifierState, head: BpfVerifierStateList[]): void {
  for (const sl of head) {
    if (sl.state.branches) continue;
    if (sl.state.insnIdx !== insn || !sameCallsites(sl.state, cur)) continue;
    // a loop member's marks are incomplete while its loop entry is explored
    if (env.opts.switches.loopEntry && loopEntryForcesExact(sl.state).exact) continue;
    if (env.opts.switches.chainLiveness) {
      cleanVerifierStateChain(sl.state);
      continue;
    }
    if (sl.state.cleaned) continue;
    if (readMarksIncomplete(env, sl.state)) continue;
    cleanVerifierState(env, sl.state);
  }
}

const statesMaybeLooping = (old: BpfVerifierState, cur: BpfVerifierState): boolean => {
  const fr = cur.curframe;
  if (old.curframe !== fr) return false;
  const fo = old.frame[fr] as BpfFuncState;
  const fc = cur.frame[fr] as BpfFuncState;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const a = fo.regs[i] as BpfRegState;
    const b = fc.regs[i] as BpfRegState;
    // memcmp up to frameno: everything but frameno, subreg_def and precise.
    if (!regsSameUpToId(a, b) || a.id !== b.id || a.refObjId !== b.refObjId) return false;
  }
  return true;
};

const isMayGotoInsnAt = (env: VerifierEnv, idx: number): boolean =>
  env.insns[idx]?.code === (BPF_JMP | BPF_JCOND);

export function exploredBucket(env: VerifierEnv, idx: number): BpfVerifierStateList[] {
  const cur = env.curState;
  const callsite = (cur.frame[cur.curframe] as BpfFuncState).callsite;
  const b = ((idx ^ callsite) >>> 0) % env.insns.length;
  let head = env.explored[b];
  if (!head) {
    head = [];
    env.explored[b] = head;
  }
  return head;
}

/** Returns true when the current state is pruned. */
export function isStateVisited(env: VerifierEnv, insnIdx: number): boolean {
  const cur = env.curState;
  const sw = env.opts.switches;
  const aux = env.aux[insnIdx];
  const forceNewState = env.testStateFreq || !!aux?.forceCheckpoint || env.hist.cursor(cur, insnIdx).count > 40;
  let addNewState = forceNewState;
  if (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8) addNewState = true;

  const head = exploredBucket(env, insnIdx);
  cleanLiveStates(env, insnIdx, cur, head);

  let statesCnt = 0;
  // list_for_each_safe: a miss may evict the node being visited (and only it),
  // so step past a node only while it is still at index i.
  for (let i = 0, sl = head[0]; sl; sl = head[head[i] === sl ? ++i : i]) {
    statesCnt++;
    if (sl.state.insnIdx !== insnIdx) continue;
    let loop = false;
    let hit = false;
    if (sl.state.branches) {
      const frame = sl.state.frame[sl.state.curframe] as BpfFuncState;
      let skipInfLoopCheck = false;
      if (frame.inAsyncCallbackFn && frame.asyncEntryCnt !== (cur.frame[cur.curframe] as BpfFuncState).asyncEntryCnt) {
        skipInfLoopCheck = true;
      } else if (isMayGotoInsnAt(env, insnIdx) && sl.state.mayGotoDepth !== cur.mayGotoDepth &&
        statesEqual(env, sl.state, cur, ExactLevel.RANGE_WITHIN)) {
        if (sw.loopEntry) updateLoopEntry(cur, sl.state);
        else loop = true;
        hit = true;
      } else if (aux?.callsCallback) {
        if (statesEqual(env, sl.state, cur, ExactLevel.RANGE_WITHIN)) {
          hit = true;
          loop = env.opts.switches.sccCallbackLoops;
        }
        else skipInfLoopCheck = true;
      }
      if (!hit && !skipInfLoopCheck) {
        if (statesMaybeLooping(sl.state, cur) && statesEqual(env, sl.state, cur, ExactLevel.EXACT) &&
          sl.state.mayGotoDepth === cur.mayGotoDepth && sl.state.callbackUnrollDepth === cur.callbackUnrollDepth) {
          verbose(env, `infinite loop detected at insn ${insnIdx}\n`);
          verbose(env, 'cur state:');
          printVerifierState(env, cur, cur.curframe, true);
          verbose(env, 'old state:');
          printVerifierState(env, sl.state, cur.curframe, true);
          throw new VerifierError(EINVAL, 'infinite loop');
        }
      }
      if (!hit) {
        if (!forceNewState && env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) {
          addNewState = false;
        }
        miss(env, sl, addNewState, insnIdx, head);
        continue;
      }
    } else {
      // Marks inside a loop are incomplete while it is explored: compare ranges.
      // loopEntry kernels know it from the loop entry, SCC kernels from pending backedges.
      const le = sw.loopEntry ? loopEntryForcesExact(sl.state) : null;
      if (!le) loop = readMarksIncomplete(env, sl.state);
      const within = !env.opts.faults['loop-range-not-within'] && (le ? le.exact : loop);
      hit = statesEqual(env, sl.state, cur, within ? ExactLevel.RANGE_WITHIN : ExactLevel.NOT_EXACT);
      if (!hit) {
        miss(env, sl, addNewState, insnIdx, head);
        continue;
      }
      if (le?.exact) updateLoopEntry(cur, le.entry as BpfVerifierState);
    }
    // hit
    sl.hitCnt++;
    if (env.opts.switches.chainLiveness) propagateLiveness(env, sl.state, cur);
    if (env.aux[env.insnIdx]?.jmpPoint) pushJmpHistory(env, cur, 0, 0n);
    propagatePrecision(env, sl.state, cur);
    if (loop) {
      const backedge = cloneVerifierState(env, cur, 'backedge');
      backedge.equalState = sl.state;
      backedge.insnIdx = insnIdx;
      addSccBackedge(env, sl.state, backedge);
    }
    return true;
  }

  if (env.maxStatesPerInsn < statesCnt) env.maxStatesPerInsn = statesCnt;
  if (!env.bpfCapable && statesCnt > 64) return false;
  if (!addNewState) return false;

  env.totalStates++;
  env.exploredStatesSize++;
  if (sw.peakStatesCounter) env.peakStates++;
  else updatePeakStates(env);
  env.prevJmpsProcessed = env.jmpsProcessed;
  env.prevInsnProcessed = env.insnProcessed;
  if (env.bpfCapable) markAllScalarsImprecise(cur);

  const nw = cloneVerifierState(env, cur, 'checkpoint');
  nw.insnIdx = insnIdx;
  if (nw.branches !== 1) {
    verbose(env, `verifier bug: is_state_visited:branches_to_explore=${nw.branches} insn ${insnIdx}\n`);
  }
  maybeEnterScc(env, nw);
  const sl: BpfVerifierStateList = { state: nw, missCnt: 0, hitCnt: 0, inFreeList: false };
  nw.listNode = sl;
  env.listedStates.push(nw);
  env.checkpoints.push(nw);
  env.hist.seal(nw, 'checkpoint', insnIdx);
  cur.parent = nw;
  cur.firstInsnIdx = insnIdx;
  cur.dfsDepth = nw.dfsDepth + 1;
  env.hist.resetForChild(cur, nw, insnIdx);
  if (env.opts.switches.chainLiveness) linkToCheckpoint(cur, nw);
  head.unshift(sl);
  return false;
}

function miss(env: VerifierEnv, sl: BpfVerifierStateList, addNewState: boolean, insnIdx: number, head: BpfVerifierStateList[]): void {
  if (addNewState) sl.missCnt++;
  const n = env.aux[insnIdx]?.forceCheckpoint && sl.state.branches > 0 ? 64 : 3;
  if (sl.missCnt > sl.hitCnt * n + n) {
    const i = head.indexOf(sl);
    if (i >= 0) head.splice(i, 1);
    env.exploredStatesSize--;
    if (env.opts.switches.peakStatesCounter) {
      evictCounted(env, sl);
      return;
    }
    sl.inFreeList = true;
    env.freeList.unshift(sl);
    env.freeListSize++;
    maybeFreeVerifierState(env, sl);
  }
}

/** peakStatesCounter: a cleaned state no loop names as its entry is freed now; any other waits on the free list. */
function evictCounted(env: VerifierEnv, sl: BpfVerifierStateList): void {
  const done = !!(((sl.state.frame[0] as BpfFuncState).regs[0] as BpfRegState).live & REG_LIVE_DONE);
  if (done && !sl.state.usedAsLoopEntry) {
    if (sl.state.branches) verbose(env, `verifier bug: live_done but branches_to_explore ${sl.state.branches}\n`);
    sl.state.listNode = null;
    env.hist.release(sl.state, env.insnIdx);
    env.peakStates--;
    return;
  }
  sl.inFreeList = true;
  env.freeList.unshift(sl);
  env.freeListSize++;
}

