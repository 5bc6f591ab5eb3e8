// precision/: precision backtracking: __mark_chain_precision, backtrack_insn,
// mark_all_scalars_precise / _imprecise, propagate_precision, bt_* masks.
export * from './backtrack.js';
