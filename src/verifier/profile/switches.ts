// Kernel behaviour switches: every place where the verifier builds verihist
// models differ is one named switch here. The verifier reads them from
// env.sw only (VerifierOptions.switches), never from a release string.

export const SWITCH_NAMES = [
  'sccCallbackLoops',
  'stackMiscPruningInLoops',
  'movsxKeepsRange',
  'pushStackE2big',
  'nullArgPrecise',
  'callbackExitKeepsArgs',
  'chainLiveness',
  'loopEntry',
  'peakStatesCounter',
  'linkedRegsAddOnly',
  'noTnumSingleValue',
  'plainBugMessages',
  'addSubWrapUnbounded',
  'mulUnsignedOnly',
  'callbackValueId',
  'noConstKeyElision',
  'helperReadClobbersStack',
] as const;

export type SwitchName = (typeof SWITCH_NAMES)[number];

/** The value of every switch: what one kernel build does. */
export type KernelSwitches = Readonly<Record<SwitchName, boolean>>;

export interface SwitchInfo {
  name: SwitchName;
  /** Subject of the upstream commit that introduced the behaviour (value true). */
  upstream: string;
  /** Upstream hash, when known. */
  commit: string;
  /** What the switch changes, one line. */
  description: string;
  /** Where in the model it acts (kernel function names). */
  actsIn: string;
}

export const SWITCHES: Readonly<Record<SwitchName, SwitchInfo>> = {
  sccCallbackLoops: {
    name: 'sccCallbackLoops',
    upstream: 'bpf: bpf_scc_visit instance and backedges accumulation for bpf_loop()',
    commit: 'f597664454bd',
    description: 'an insn that calls a callback (bpf_loop) is an SCC of its own, and a callback state matched at it is a loop backedge',
    actsIn: 'compute_scc, is_state_visited',
  },
  stackMiscPruningInLoops: {
    name: 'stackMiscPruningInLoops',
    upstream: 'bpf: allow states pruning for misc/invalid slots in iterator loops',
    commit: '840692326e92',
    description: 'RANGE_WITHIN (loop) comparisons treat misc/invalid stack slots and NOT_INIT registers as NOT_EXACT does, not byte for byte',
    actsIn: 'stacksafe, regsafe',
  },
  movsxKeepsRange: {
    name: 'movsxKeepsRange',
    upstream: 'bpf: keep bounds of sign-extending moves when the source fits',
    commit: '',
    description: 'BPF_MOVSX keeps the source range when it already fits the narrower signed type instead of widening to the type range',
    actsIn: 'coerce_reg_to_size_sx, coerce_subreg_to_size_sx',
  },
  pushStackE2big: {
    name: 'pushStackE2big',
    upstream: 'bpf: return -E2BIG for a too complex jump sequence from push_stack',
    commit: '',
    description: "'The sequence of N jumps is too complex.' fails the load with E2BIG instead of ENOMEM (may_goto) / EFAULT (branches)",
    actsIn: 'push_stack, check_cond_jmp_op',
  },
  nullArgPrecise: {
    name: 'nullArgPrecise',
    upstream: 'not identified (seen on 6.18.44-fc-v1272 only)',
    commit: '',
    description: 'a constant NULL scalar passed for a nullable pointer argument (bpf_loop callback_ctx) is marked precise',
    actsIn: 'check_func_arg (skip_type_check path)',
  },
  callbackExitKeepsArgs: {
    name: 'callbackExitKeepsArgs',
    upstream: 'not identified (seen on 6.18.44-fc-v1272 only; upstream 7.x still drops them)',
    commit: '',
    description: "backtracking into a callback's exit keeps the caller's r1-r5 marks, so the walk goes on through the callback body",
    actsIn: 'backtrack_insn (BPF_EXIT)',
  },
  chainLiveness: {
    name: 'chainLiveness',
    upstream: 'bpf/verifier: track liveness for pruning (removed in 6.17 by "bpf: disable and remove registers chain based liveness")',
    commit: 'dc503a8ad984',
    description: 'REG_LIVE_READ/WRITTEN marks walked up parent-state chains decide what pruning compares and cleaning keeps (printed as _r/_w/_D); no compute_live_registers log, no stack liveness analysis',
    actsIn: 'mark_reg_read, check_reg_arg, check_stack_read/write, regsafe, stacksafe, clean_live_states, propagate_liveness, print_verifier_state',
  },
  loopEntry: {
    name: 'loopEntry',
    upstream: 'bpf: correct loop detection for iterators convergence (removed in 6.17 by "bpf: remove {update,get}_loop_entry functions")',
    commit: '2a0992829ea3',
    description: 'no SCCs and no loop backedges: a state remembers its loop entry checkpoint (update_loop_entry on may_goto and exact hits, passed to the parent when its branches finish); pruning against a loop member whose entry is still being explored compares RANGE_WITHIN; no "SCC enter/exit" log lines',
    actsIn: 'compute_scc (skipped), is_state_visited, update_branch_counts, get_loop_entry, update_loop_entry',
  },
  peakStatesCounter: {
    name: 'peakStatesCounter',
    upstream: 'bpf: free verifier states when they are no longer referenced (replaced the counter)',
    commit: '',
    description: 'peak_states is a counter of checkpoints, +1 per new checkpoint and -1 per evicted checkpoint that is freed (cleaned and not a loop entry); the statistics line prints its final value, not a maximum; evicted states that are not freed stay on the free list until the end',
    actsIn: 'is_state_visited (eviction), print_verification_stats',
  },
  linkedRegsAddOnly: {
    name: 'linkedRegsAddOnly',
    upstream: 'bpf: Track delta between "linked" registers. (before negative offsets, BPF_SUB and alu32 deltas)',
    commit: '98d7ca374ba4',
    description: 'only 64-bit rX += c with c in [0, S32_MAX] keeps rX linked with a delta; every other ALU op clears the id but keeps off; sync_linked_regs does not run reg_bounds_sync on the delta-adjusted register',
    actsIn: 'adjust_reg_min_max_vals, sync_linked_regs',
  },
  noTnumSingleValue: {
    name: 'noTnumSingleValue',
    upstream: 'before "bpf: Improve bounds when tnum has a single possible value" (tnum_step in __update_reg64_bounds)',
    commit: '',
    description: 'the 64-bit bounds only intersect with the tnum min/max; a u64 range that holds a single tnum value is not collapsed to that constant',
    actsIn: '__update_reg64_bounds',
  },
  plainBugMessages: {
    name: 'plainBugMessages',
    upstream: 'before "bpf: Introduce verifier_bug_if to report verifier bugs"',
    commit: '',
    description: 'REG INVARIANTS VIOLATION reports are plain verbose() lines, without the "verifier bug: " prefix',
    actsIn: 'reg_bounds_sanity_check',
  },
  addSubWrapUnbounded: {
    name: 'addSubWrapUnbounded',
    upstream: 'before "bpf: Improve bounds when adding/subtracting with overflow" (wrapped unsigned ranges kept)',
    commit: '',
    description: 'an unsigned add whose max overflows, or a sub whose min underflows, makes the unsigned range [0, U64_MAX] (u32 likewise), even when both ends wrap together',
    actsIn: 'scalar_min_max_add, scalar_min_max_sub, scalar32_min_max_add, scalar32_min_max_sub',
  },
  mulUnsignedOnly: {
    name: 'mulUnsignedOnly',
    upstream: 'before "bpf: Optimize the signed range tracking of BPF_MUL" (signed products of the range ends)',
    commit: '',
    description: 'BPF_MUL keeps a range only for non-negative factors below 2^32 (u32: 2^16); a negative factor makes the result unbounded',
    actsIn: 'scalar_min_max_mul, scalar32_min_max_mul',
  },
  callbackValueId: {
    name: 'callbackValueId',
    upstream: 'not identified (seen on 6.18.44-fc-v1272 only; upstream 6.18 and Debian 6.12 leave it 0)',
    commit: '',
    description: "a callback's map value argument (r3 of bpf_timer and bpf_for_each_map_elem callbacks) gets a fresh id when the callback is enqueued",
    actsIn: 'set_timer_callback_state, map_set_for_each_callback_args',
  },
  noConstKeyElision: {
    name: 'noConstKeyElision',
    upstream: 'before "bpf: verifier: Support eliding map lookup nullness" (6.14)',
    commit: 'd2102f2f5d75',
    description: 'an array lookup with a constant in-range key still returns map_value_or_null, and the key is not marked precise',
    actsIn: 'get_constant_map_key, check_helper_call (can_elide_value_nullness)',
  },
  helperReadClobbersStack: {
    name: 'helperReadClobbersStack',
    upstream: 'before "bpf: Fix helper writes to read-only maps" (6.13; helper reads passed as possible writes)',
    commit: '32556ce93bc4',
    description: 'a helper reading the stack (map key and value arguments) turns zero bytes to misc and spilled scalars to unknown misc slots',
    actsIn: 'check_stack_range_initialized (clobber)',
  },
};

/** Every switch off: the 6.18.44 build the model was first written on. */
export const BASELINE_SWITCHES: KernelSwitches = Object.freeze(
  Object.fromEntries(SWITCH_NAMES.map((n) => [n, false])) as Record<SwitchName, boolean>,
);

export const isSwitchName = (s: string): s is SwitchName => (SWITCH_NAMES as readonly string[]).includes(s);

/** Switches that differ between two settings, in catalog order. */
export const differingSwitches = (a: KernelSwitches, b: KernelSwitches): SwitchName[] =>
  SWITCH_NAMES.filter((n) => a[n] !== b[n]);
