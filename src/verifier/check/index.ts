// check/: the do_check loop and per-instruction checks: do_check (doCheck),
// check_alu_op / adjust_scalar_min_max_vals (aluOp, alu), check_cond_jmp_op
// (condJmp, branch), check_mem_access (memAccess, stackAccess, ctxAccess,
// packetAccess, mapAccess), check_helper_call / check_func_arg (helperCall,
// helperArgs, regArg), check_func_call / prepare_func_exit (calls) and callbacks.
export * from './alu.js';
export * from './aluOp.js';
export * from './branch.js';
export * from './callbacks.js';
export * from './calls.js';
export * from './condJmp.js';
export * from './ctxAccess.js';
export * from './doCheck.js';
export * from './helperArgs.js';
export * from './helperCall.js';
export * from './mapAccess.js';
export * from './memAccess.js';
export * from './mov.js';
export * from './packetAccess.js';
export * from './regArg.js';
export * from './stackAccess.js';
// Two assign_scalar_id_before_mov (mov: bounds-only harness form); the check loop's.
export { assignScalarIdBeforeMov } from './stackAccess.js';
