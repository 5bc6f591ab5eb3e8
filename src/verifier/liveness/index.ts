// liveness/: stack liveness (kernel/bpf/liveness.c): bpf_stack_liveness_init,
// bpf_mark_stack_read/write, bpf_update_live_stack, bpf_stack_slot_alive;
// chain: the pre-6.17 read marks (mark_reg_read, propagate_liveness, clean_verifier_state).
export * from './liveness.js';
export * from './chain.js';
