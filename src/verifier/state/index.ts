// state/: the data the verifier works on (bpf_verifier.h): struct bpf_reg_state
// (reg, scalar bounds and tnum), bpf_func_state / bpf_verifier_state (state),
// copy_verifier_state / push_stack / pop_stack (states, regState), the env,
// subprogram table, insn_aux_data, the log buffer (vlog) and push_jmp_history.
export * from './analysis.js';
export * from './env.js';
export * from './errno.js';
export * from './frames.js';
export * from './history.js';
export * from './insnAux.js';
export * from './reg.js';
export * from './regState.js';
export * from './scalar.js';
export * from './state.js';
export * from './states.js';
export * from './subprogInfo.js';
export * from './subprogs.js';
export * from './tnum.js';
export * from './vlog.js';
export { findSubprog } from './subprogInfo.js';
export * from './coerce.js';
