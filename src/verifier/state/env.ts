// struct bpf_verifier_env: everything one verification run owns.
import type { Insn } from '../../isa/insn.js';
import type { Program } from '../../isa/program.js';
import type { InsnHistory } from '../../history/history.js';
import type { InsnAux } from './insnAux.js';
import type { SubprogTable } from './subprogs.js';
import type { BpfVerifierState } from './state.js';
import { VLog } from './vlog.js';
import type { BacktrackState, SccVisit, StackLiveness } from './analysis.js';
import type { KernelSwitches } from '../profile/switches.js';
import type { VerifierFaultFlags } from '../profile/faults.js';

export interface VerifierOptions {
  history: InsnHistory;
  /** Propagate precision over loop backedges at SCC exit (Linux >= 6.17). */
  backedgePropagation: boolean;
  logLevel: number;
  /** Overrides program flags' BPF_F_TEST_STATE_FREQ when set. */
  testStateFreq?: boolean;
  /** Behaviour of the kernel build being modelled (profile/). */
  switches: KernelSwitches;
  /** Deliberate bugs injected for the fault catalog (all off normally). */
  faults: VerifierFaultFlags;
  /** Called every PROGRESS_INSNS processed insns (bench heap sampling). */
  onProgress?: (insnsProcessed: number) => void;
}

/** How often (processed insns, a power of two) onProgress runs. */
export const PROGRESS_INSNS = 1 << 16;

export interface BpfVerifierStackElem {
  st: BpfVerifierState;
  insnIdx: number;
  prevInsnIdx: number;
  next: BpfVerifierStackElem | null;
  logPos: number;
}

export interface BpfVerifierStateList {
  state: BpfVerifierState;
  missCnt: number;
  hitCnt: number;
  inFreeList: boolean;
}

/** Thrown for constructs the model does not handle yet. */
export class Unsupported extends Error {
  constructor(readonly insnIdx: number, what: string) {
    super(`unsupported at insn ${insnIdx}: ${what}`);
  }
}

/** Thrown when the verifier rejects the program; the message is already in the log. */
export class VerifierError extends Error {
  readonly errno: number;
  constructor(errno: number, msg: string) {
    // verifyProgram always catches these: skip the costly stack capture.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(msg);
    Error.stackTraceLimit = limit;
    this.errno = errno;
  }
}

export { EPERM, ENOENT, E2BIG, EAGAIN, ENOMEM, EACCES, EFAULT, EINVAL, ENOTSUPP } from './errno.js';

export interface VerifierEnv {
  prog: Program;
  insns: Insn[];
  aux: InsnAux[];
  subprogs: SubprogTable;
  postorder: number[];
  opts: VerifierOptions;
  hist: InsnHistory;
  log: VLog;
  testStateFreq: boolean;
  /** Privileges of a root loader: CAP_BPF + CAP_PERFMON. */
  bpfCapable: boolean;
  allowPtrLeaks: boolean;
  allowUninitStack: boolean;

  curState: BpfVerifierState;
  head: BpfVerifierStackElem | null;
  stackSize: number;
  /** explored_states hash buckets, index ((idx ^ callsite) >>> 0) % len. */
  explored: BpfVerifierStateList[][];
  freeList: BpfVerifierStateList[];
  /** States given a list node (BpfVerifierState.listNode) since the last free_states. */
  listedStates: BpfVerifierState[];

  insnIdx: number;
  prevInsnIdx: number;
  insnProcessed: number;
  prevInsnProcessed: number;
  jmpsProcessed: number;
  prevJmpsProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  exploredStatesSize: number;
  freeListSize: number;
  numBackedges: number;
  /** Chain liveness: the longest mark_reg_read walk (the statistics line's mark_read). */
  longestMarkReadWalk: number;
  idGen: number;
  /** env->cur_hist_ent != NULL: an entry was already pushed for this insn. */
  curHistEnt: boolean;
  /** do_check's do_print_state: print the full state before the next insn. */
  doPrintState: boolean;

  // log scratch state
  scratchedRegs: number;
  scratchedStack: bigint;
  prevLogPos: number;
  prevInsnPrintPos: number;

  bt: BacktrackState;
  liveness: StackLiveness;
  /** Keyed by SCC id for chains with no callsites, else by a callchain string (sccVisit.ts). */
  sccVisits: Map<number | string, SccVisit>;
  /** Per-insn pointer type seen by loads/stores (save_aux_ptr_type). */
  ptrTypes: number[];
  /** subprog_info[].stack_depth: the deepest stack each subprogram touched. */
  stackDepth: number[];
  /** Every checkpoint created, in creation order (for Result.precision). */
  checkpoints: BpfVerifierState[];
}

export const logLevel2 = (env: VerifierEnv): boolean => (env.log.level & 2) !== 0;
export const logLevel1 = (env: VerifierEnv): boolean => (env.log.level & 3) !== 0;

/** verbose() records messages at every nonzero level, including 4 (stats only). */
export function verbose(env: VerifierEnv, s: string): void {
  if (env.log.level) env.log.write(s);
}

/** A REG INVARIANTS report: 6.17+ prints it through verifier_bug() with its prefix. */
export function verboseInvariants(env: VerifierEnv, msg: string): void {
  verbose(env, `${env.opts.switches.plainBugMessages ? '' : 'verifier bug: '}${msg}\n`);
}
