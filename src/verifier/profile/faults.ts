// Deliberate verifier bugs, for measuring what the properties catch (the
// fault catalog of `verihist fuzz --faults all`). Each imitates a class of
// real precision-backtracking or pruning bug; all are off unless a fuzz run
// injects one into the implementation under test.

export const VERIFIER_FAULTS = [
  'bt-drop-stack-slot', 'bt-drop-src-reg', 'bt-skip-linked-regs', 'bt-parent-walk-stops-early', 'bt-callee-args-dropped',
  'regsafe-unsigned-only', 'regsafe-ignore-precise', 'stacksafe-ignore-spills', 'loop-range-not-within',
] as const;
export type VerifierFault = (typeof VERIFIER_FAULTS)[number];

export const isVerifierFault = (s: string): s is VerifierFault => (VERIFIER_FAULTS as readonly string[]).includes(s);

/** What each fault breaks and the kind of kernel bug it stands for. */
export const VERIFIER_FAULT_HELP: Readonly<Record<VerifierFault, string>> = {
  'bt-drop-stack-slot': 'backtrack_insn: a fill from the stack does not put the slot into the precision set (lost spill/fill precision)',
  'bt-drop-src-reg': 'backtrack_insn: `dst op= src` does not make src precise (a missed ALU operand)',
  'bt-skip-linked-regs': 'bt_sync_linked_regs does nothing: linked scalars lose precision (the linked-registers history bugs)',
  'bt-parent-walk-stops-early': '__mark_chain_precision stops after the first parent state (an early exit from the parent walk)',
  'bt-callee-args-dropped': 'backtracking out of a callee forgets r1-r5 instead of moving them to the caller frame',
  'regsafe-unsigned-only': 'regsafe compares only unsigned ranges, not signed ones (a wrong range_within)',
  'regsafe-ignore-precise': 'regsafe treats a precise scalar as imprecise (precision marks ignored by pruning)',
  'stacksafe-ignore-spills': 'stacksafe does not compare spilled scalars (a stack slot left out of states_equal)',
  'loop-range-not-within': 'is_state_visited compares a state of a loop under exploration NOT_EXACT instead of RANGE_WITHIN (loop-head handling)',
};

/** One flag per fault; the verifier checks these on its hot paths. */
export type VerifierFaultFlags = Readonly<Record<VerifierFault, boolean>>;

export const NO_FAULTS: VerifierFaultFlags = Object.freeze(
  Object.fromEntries(VERIFIER_FAULTS.map((f) => [f, false])) as Record<VerifierFault, boolean>,
);

export const faultFlags = (faults: readonly VerifierFault[]): VerifierFaultFlags =>
  faults.length === 0 ? NO_FAULTS : { ...NO_FAULTS, ...Object.fromEntries(faults.map((f) => [f, true])) };
