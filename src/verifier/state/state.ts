// struct bpf_func_state / bpf_verifier_state. A state holds a stack of frames
// from the start so calls and callbacks fit later.
import type { BpfRegState } from './reg.js';
import type { HistSlot } from '../../history/history.js';

export const MAX_BPF_STACK = 512;
export const BPF_REG_SIZE = 8;
export const MAX_CALL_FRAMES = 8;

export enum SlotType {
  STACK_INVALID = 0,
  STACK_SPILL,
  STACK_MISC,
  STACK_ZERO,
  STACK_DYNPTR,
  STACK_ITER,
  STACK_IRQ_FLAG,
}

/** One 8-byte stack slot; slotType[i] describes byte i (index 0 is the lowest address byte... see kernel: slot_type[BPF_REG_SIZE-1] is the highest). */
export interface BpfStackState {
  spilledPtr: BpfRegState;
  slotType: SlotType[]; // length BPF_REG_SIZE
}

export interface BpfFuncState {
  regs: BpfRegState[]; // MAX_BPF_REG
  /** Index of the call insn that created this frame (for frame 0: -1 in the model, printed as the kernel does). */
  callsite: number;
  frameno: number;
  subprogno: number;
  /** Spilled slots; stack[i] covers [-(i+1)*8, -i*8) from the frame pointer. */
  stack: BpfStackState[];
  allocatedStack: number; // bytes
  inCallbackFn: boolean;
  inAsyncCallbackFn: boolean;
  callbackDepth: number;
  callbackRetRange: { minval: bigint; maxval: bigint };
  asyncEntryCnt: number;
}

export interface BpfVerifierState {
  frame: BpfFuncState[]; // frame[0..curframe]
  curframe: number;
  parent: BpfVerifierState | null;
  /** Live children (enqueued or current) plus self while current; see update_branch_counts. */
  branches: number;
  insnIdx: number;
  firstInsnIdx: number;
  lastInsnIdx: number;
  speculative: boolean;
  mayGotoDepth: number;
  callbackUnrollDepth: number;
  dfsDepth: number;
  /** Set once the state is cleaned (clean_live_states), as 6.18's 'cleaned'. */
  cleaned: boolean;
  /** For backedge states: the looping checkpoint this state was found equal to. */
  equalState: BpfVerifierState | null;
  /** loopEntry switch: the checkpoint heading the loop this state is part of. */
  loopEntry: BpfVerifierState | null;
  /** loopEntry switch: some state names this one as its loop entry (it is never freed). */
  usedAsLoopEntry: boolean;
  /** Per-state id, for audit timelines and debugging only. */
  id: number;
  /** Instruction history, owned by the history implementation. */
  hist: HistSlot;
  /**
   * container_of(state, struct bpf_verifier_state_list, state): the explored
   * list node holding this checkpoint (an env.ts BpfVerifierStateList), null
   * for states that are not in a list. Never copied by copy_verifier_state.
   */
  listNode: object | null;
}

// 1n << BigInt(spi) for the 64 slots of a frame, built once: stack masks are
// bigints and the per-access shift allocated two of them.
const SLOT_BITS: bigint[] = [];
for (let i = 0; i < 64; i++) SLOT_BITS.push(1n << BigInt(i));

/** The u64 stack-mask bit of slot `spi` (1n << spi). */
export const slotBit = (spi: number): bigint => (spi >= 0 && spi < 64 ? SLOT_BITS[spi] as bigint : 1n << BigInt(spi));
