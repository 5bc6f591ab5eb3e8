// liveness/: stack liveness (kernel/bpf/liveness.c): bpf_stack_liveness_init,
// bpf_mark_stack_read/write, bpf_update_live_stack, bpf_stack_slot_alive.
export * from './liveness.js';
