// One Result type for the model and the live kernel, so every comparison is a
// comparison of two values of the same type. Field names follow the kernel/veristat.

export type Verdict = 'accept' | 'reject' | 'unsupported';

/** Precise registers and stack slots of one frame of one explored state. */
export interface FramePrecision {
  frameno: number;
  regs: number[];      // register numbers with precise=true, ascending
  stackSlots: number[]; // spi of spilled-register slots with precise=true, ascending
}

/** Precision marks of one explored (checkpointed) state, in the kernel's list order. */
export interface StatePrecision {
  insnIdx: number;
  frames: FramePrecision[];
}

export interface HistoryStats {
  allocations: number;
  entriesCopied: number;
  entriesWritten: number;
  peakEntries: number;
  growthEvents: number;
  bytes: number;
}

export interface Result {
  verdict: Verdict;
  errno: number;          // 0 on accept; positive errno (EACCES=13, EINVAL=22, E2BIG=7, ENOMEM=12) on reject
  error: string;          // last meaningful log line of a rejection ('' on accept)
  insns: number;          // processed insns
  total_states: number;
  peak_states: number;
  max_states_per_insn: number;
  markPrecise: string[];  // the 'mark_precise:' lines of the log, in order
  log?: string;           // full log, when requested
  precision?: StatePrecision[];
  history?: HistoryStats;
  /** For verdict 'unsupported': the insn index the model could not handle. */
  unsupportedAt?: number;
}
