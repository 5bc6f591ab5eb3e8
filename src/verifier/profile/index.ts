// profile/: kernel behaviour switches and the kernel profiles built from them;
// faults.ts: deliberate bugs (same mechanism, for the fault catalog).
// The verifier reads switches only through VerifierOptions.switches (env.opts);
// which kernel build is running is decided here and in src/kernel/probe.ts.
export * from './switches.js';
export * from './profiles.js';
export * from './faults.js';
