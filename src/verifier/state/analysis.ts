// Analysis state the verifier env carries (bpf_verifier.h): the backtracking
// masks, the stack-liveness instances and the SCC visits. Declared here so
// the env needs nothing from precision/, liveness/ or pruning/.
import type { BpfVerifierState } from './state.js';
import { MAX_CALL_FRAMES } from './state.js';

/** backtrack_state: registers and stack slots still to be marked precise, per frame. */
export interface BacktrackState {
  frame: number;
  regMasks: number[];
  /** 64-slot stack masks as u32 halves (slots 0-31, 32-63): bigint ops allocate on the hottest loop. */
  stackLo: number[];
  stackHi: number[];
  /** Per-insn backtrack kind (precision/backtrack.ts btKinds), decoded on the first walk. */
  kinds: Int32Array | null;
}

export const newBacktrackState = (): BacktrackState => ({
  frame: 0,
  regMasks: new Array<number>(MAX_CALL_FRAMES).fill(0),
  stackLo: new Array<number>(MAX_CALL_FRAMES).fill(0),
  stackHi: new Array<number>(MAX_CALL_FRAMES).fill(0),
  kinds: null,
});

// Stack liveness (liveness.c): one instance per call chain.
export interface Callchain {
  callsites: number[];
  spStarts: number[];
  curframe: number;
}

// 64-slot masks kept as int32 low/high halves: the fixed point below runs
// over every insn many times and bigint ops allocate.
export interface PerFrameMasks {
  mayReadLo: number; mayReadHi: number;
  mustWriteLo: number; mustWriteHi: number;
  mustWriteAccLo: number; mustWriteAccHi: number;
  liveBeforeLo: number; liveBeforeHi: number;
}

export interface FuncInstance {
  callchain: Callchain;
  key: string;
  insnCnt: number;
  updated: boolean;
  mustWriteDropped: boolean;
  frames: (PerFrameMasks[] | null)[];
  mustWriteSet: boolean[];
}

export interface StackLiveness {
  instances: Map<string, FuncInstance>;
  curInstance: FuncInstance | null;
  writeMasksAcc: bigint[];
  writeInsnIdx: number;
  query: { instances: FuncInstance[]; curframe: number; insnIdx: number };
  /** insnSuccessors per insn, filled on first use (the fixed point revisits them often). */
  succ: (number[] | undefined)[];
}

export const newStackLiveness = (): StackLiveness => ({
  instances: new Map(),
  curInstance: null,
  writeMasksAcc: new Array<bigint>(MAX_CALL_FRAMES).fill(0n),
  writeInsnIdx: 0,
  query: { instances: [], curframe: 0, insnIdx: 0 },
  succ: [],
});

/** bpf_scc_visit: one per SCC instance (callchain). */
export interface SccVisit {
  callchain: SccCallchain;
  entryState: BpfVerifierState | null;
  /** Newest first, as the kernel's singly linked list. */
  backedges: BpfVerifierState[];
}

export interface SccCallchain {
  callsites: number[]; // MAX_CALL_FRAMES - 1 entries, 0 = unused
  scc: number;
}
