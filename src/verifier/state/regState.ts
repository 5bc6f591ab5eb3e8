// Allocation and copying of register, frame and state objects.
import { MAX_BPF_REG, BPF_REG_FP } from '../../isa/opcode.js';
import type { HistSlot } from '../../history/history.js';
import { RegType, type BpfRegState } from './reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfStackState, type BpfVerifierState } from './state.js';

import { U64_MAX, S64_MIN, S64_MAX, U32_MAX, S32_MIN, S32_MAX, markRegKnown } from './scalar.js';
export { U64_MAX, S64_MIN, S64_MAX, U32_MAX, S32_MIN, S32_MAX };

/** Frame 0's callsite (BPF_MAIN_FUNC). */
export const BPF_MAIN_FUNC = -1;

export const newRegState = (): BpfRegState => ({
  type: RegType.NOT_INIT,
  typeFlags: 0,
  off: 0,
  varOff: { value: 0n, mask: U64_MAX },
  smin: S64_MIN, smax: S64_MAX,
  umin: 0n, umax: U64_MAX,
  s32Min: S32_MIN, s32Max: S32_MAX,
  u32Min: 0, u32Max: U32_MAX,
  id: 0,
  refObjId: 0,
  range: 0,
  mapIndex: -1,
  frameno: 0,
  subregDef: 0,
  precise: false,
  live: 0,
  parent: null,
});

// off, id (BPF_ADD_CONST flags), the 32-bit bounds (-0 from multiplication,
// u32 values >= 2^31) can leave V8's small-integer range. Generalize those
// fields to tagged once at load: a shape change mid-run deoptimizes most of the
// verifier, and a double field is a mutable box per object, so every register
// clone would allocate six HeapNumbers; a tagged field copies a pointer.
for (let i = 0; i < 3; i++) {
  const r = newRegState() as unknown as Record<'off' | 'id' | 's32Min' | 's32Max' | 'u32Min' | 'u32Max', unknown>;
  r.off = null;
  r.id = null;
  r.s32Min = null;
  r.s32Max = null;
  r.u32Min = null;
  r.u32Max = null;
}

export const copyRegState = (dst: BpfRegState, src: BpfRegState): void => {
  dst.type = src.type;
  dst.typeFlags = src.typeFlags;
  dst.off = src.off;
  dst.varOff = src.varOff; // tnums are treated as immutable values
  dst.smin = src.smin; dst.smax = src.smax;
  dst.umin = src.umin; dst.umax = src.umax;
  dst.s32Min = src.s32Min; dst.s32Max = src.s32Max;
  dst.u32Min = src.u32Min; dst.u32Max = src.u32Max;
  dst.id = src.id;
  dst.refObjId = src.refObjId;
  dst.range = src.range;
  dst.mapIndex = src.mapIndex;
  dst.frameno = src.frameno;
  dst.subregDef = src.subregDef;
  dst.precise = src.precise;
  dst.live = src.live;
  dst.parent = src.parent;
};

/** Never mutated: the contents of a fresh newRegState(). */
const FRESH_REG = newRegState();

/**
 * A scalar known to be `imm`, built in `scratch` as newRegState() + markRegKnown
 * would build it: the per-instruction fake registers for immediates reuse one
 * object instead of allocating. The caller must not keep `scratch` past the insn.
 */
export function scratchKnownScalar(scratch: BpfRegState, imm: bigint): BpfRegState {
  copyRegState(scratch, FRESH_REG);
  scratch.type = RegType.SCALAR_VALUE;
  markRegKnown(scratch, imm);
  return scratch;
}

/** copy_register_state: a register-to-register copy keeps dst's liveness links. */
export const copyRegisterState = (dst: BpfRegState, src: BpfRegState): void => {
  const live = dst.live, parent = dst.parent;
  copyRegState(dst, src);
  dst.live = live;
  dst.parent = parent;
};

// Same property order as newRegState, so every register shares one shape.
export const cloneReg = (src: BpfRegState): BpfRegState => ({
  type: src.type,
  typeFlags: src.typeFlags,
  off: src.off,
  varOff: src.varOff,
  smin: src.smin, smax: src.smax,
  umin: src.umin, umax: src.umax,
  s32Min: src.s32Min, s32Max: src.s32Max,
  u32Min: src.u32Min, u32Max: src.u32Max,
  id: src.id,
  refObjId: src.refObjId,
  range: src.range,
  mapIndex: src.mapIndex,
  frameno: src.frameno,
  subregDef: src.subregDef,
  precise: src.precise,
  live: src.live,
  parent: src.parent,
});

export const newStackSlot = (): BpfStackState => ({
  spilledPtr: newRegState(),
  // A literal keeps the array packed, like the slices cloneStackSlot makes.
  slotType: [0, 0, 0, 0, 0, 0, 0, 0],
});

export const cloneStackSlot = (s: BpfStackState): BpfStackState => ({
  spilledPtr: cloneReg(s.spilledPtr),
  slotType: s.slotType.slice(),
});

export const newFuncState = (callsite: number, frameno: number, subprogno: number): BpfFuncState => {
  const regs: BpfRegState[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) regs.push(newRegState());
  return {
    regs,
    callsite,
    frameno,
    subprogno,
    stack: [],
    allocatedStack: 0,
    inCallbackFn: false,
    inAsyncCallbackFn: false,
    callbackDepth: 0,
    callbackRetRange: { minval: 0n, maxval: 0n },
    asyncEntryCnt: 0,
  };
};

const copyStackSlot = (dst: BpfStackState, src: BpfStackState): void => {
  copyRegState(dst.spilledPtr, src.spilledPtr);
  const d = dst.slotType, s = src.slotType;
  for (let i = 0; i < BPF_REG_SIZE; i++) d[i] = s[i] as SlotType;
};

export const copyFuncState = (dst: BpfFuncState, src: BpfFuncState): void => {
  for (let i = 0; i < MAX_BPF_REG; i++) copyRegState(dst.regs[i] as BpfRegState, src.regs[i] as BpfRegState);
  dst.callsite = src.callsite;
  dst.frameno = src.frameno;
  dst.subprogno = src.subprogno;
  // Reuse dst's slots in place, as the kernel's copy_stack_state does.
  const ds = dst.stack, ss = src.stack;
  const n = ss.length;
  for (let i = 0; i < n; i++) {
    const d = ds[i];
    if (d) copyStackSlot(d, ss[i] as BpfStackState);
    else ds[i] = cloneStackSlot(ss[i] as BpfStackState);
  }
  ds.length = n;
  dst.allocatedStack = src.allocatedStack;
  dst.inCallbackFn = src.inCallbackFn;
  dst.inAsyncCallbackFn = src.inAsyncCallbackFn;
  dst.callbackDepth = src.callbackDepth;
  dst.callbackRetRange = src.callbackRetRange; // replaced, never mutated
  dst.asyncEntryCnt = src.asyncEntryCnt;
};

export const cloneFuncState = (src: BpfFuncState): BpfFuncState => {
  const r = src.regs as [BpfRegState, BpfRegState, BpfRegState, BpfRegState, BpfRegState, BpfRegState,
    BpfRegState, BpfRegState, BpfRegState, BpfRegState, BpfRegState];
  // A literal of MAX_BPF_REG entries sizes the array exactly (push over-allocates).
  const regs: BpfRegState[] = [cloneReg(r[0]), cloneReg(r[1]), cloneReg(r[2]), cloneReg(r[3]), cloneReg(r[4]), cloneReg(r[5]),
    cloneReg(r[6]), cloneReg(r[7]), cloneReg(r[8]), cloneReg(r[9]), cloneReg(r[10])];
  const stack: BpfStackState[] = [];
  for (let i = 0; i < src.stack.length; i++) stack.push(cloneStackSlot(src.stack[i] as BpfStackState));
  return {
    regs,
    callsite: src.callsite,
    frameno: src.frameno,
    subprogno: src.subprogno,
    stack,
    allocatedStack: src.allocatedStack,
    inCallbackFn: src.inCallbackFn,
    inAsyncCallbackFn: src.inAsyncCallbackFn,
    callbackDepth: src.callbackDepth,
    callbackRetRange: src.callbackRetRange,
    asyncEntryCnt: src.asyncEntryCnt,
  };
};

let stateIds = 0;

export const newVerifierState = (hist: HistSlot): BpfVerifierState => ({
  frame: [],
  curframe: 0,
  parent: null,
  branches: 1,
  insnIdx: 0,
  firstInsnIdx: 0,
  lastInsnIdx: 0,
  speculative: false,
  mayGotoDepth: 0,
  callbackUnrollDepth: 0,
  dfsDepth: 0,
  cleaned: false,
  equalState: null,
  loopEntry: null,
  usedAsLoopEntry: false,
  id: ++stateIds,
  hist,
  listNode: null,
});

/** copy_verifier_state without the history part (the caller routes history through the seam). */
export const copyVerifierStateNoHist = (dst: BpfVerifierState, src: BpfVerifierState): void => {
  // Shrink or append, never grow by length: a holey frame array changes shape.
  const df = dst.frame;
  if (df.length > src.curframe + 1) df.length = src.curframe + 1;
  for (let i = 0; i <= src.curframe; i++) {
    const d = df[i];
    if (d) copyFuncState(d, src.frame[i] as BpfFuncState);
    else df.push(cloneFuncState(src.frame[i] as BpfFuncState));
  }
  dst.speculative = src.speculative;
  dst.cleaned = src.cleaned;
  dst.curframe = src.curframe;
  dst.branches = src.branches;
  dst.parent = src.parent;
  dst.firstInsnIdx = src.firstInsnIdx;
  dst.lastInsnIdx = src.lastInsnIdx;
  dst.dfsDepth = src.dfsDepth;
  dst.callbackUnrollDepth = src.callbackUnrollDepth;
  dst.mayGotoDepth = src.mayGotoDepth;
  dst.equalState = src.equalState;
  dst.loopEntry = src.loopEntry;
};

/** Registers r0..r10 of the current frame. */
export const curFrame = (st: BpfVerifierState): BpfFuncState => st.frame[st.curframe] as BpfFuncState;

export { BPF_REG_FP };
