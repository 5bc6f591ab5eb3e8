// cfg/: program analysis before do_check: check_subprogs / check_cfg (cfg),
// compute_scc (scc), compute_live_registers (liveRegs) and helper prototypes.
export * from './cfg.js';
export * from './helperProtos.js';
export * from './liveRegs.js';
export * from './scc.js';
