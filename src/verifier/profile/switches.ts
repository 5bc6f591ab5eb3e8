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
};

/** Every switch off: the 6.18.44 build the model was first written on. */
export const BASELINE_SWITCHES: KernelSwitches = Object.freeze(
  Object.fromEntries(SWITCH_NAMES.map((n) => [n, false])) as Record<SwitchName, boolean>,
);

export const isSwitchName = (s: string): s is SwitchName => (SWITCH_NAMES as readonly string[]).includes(s);

/** Switches that differ between two settings, in catalog order. */
export const differingSwitches = (a: KernelSwitches, b: KernelSwitches): SwitchName[] =>
  SWITCH_NAMES.filter((n) => a[n] !== b[n]);
