// log/: verifier log formatting: print_verifier_state / print_insn_state
// (logState) and the register, tnum, range and stack-mask printers (regfmt).
export * from './logState.js';
export * from './regfmt.js';
