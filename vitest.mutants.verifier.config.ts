// Tests Stryker runs against each mutant of the precision and pruning code
// (npm run mutants:verifier). A verifier mutant reaches both histories, so the
// pair properties cannot see it: the oracle is the kernel, through results
// recorded on real kernels (test/compare/fixtures, milliseconds per program,
// run first), the live-kernel comparisons of the verifier tests, and the
// fault-catalog test (whose flags are part of this code).
import { defineConfig } from 'vitest/config';
import { filesFirst } from './test/setup/sequencer.js';

// Model-vs-kernel tests only: the scalar, ALU and branch property tests
// (test/verifier/scalar*, alu, branch*, tnum, cfg*) do not reach this code
// and would cost ~20 s per surviving mutant. Fastest first, conformance last.
const firstTests = [
  'test/compare/recordedKernels.test.ts',
  'test/properties/faults.test.ts',
  ...['scc', 'subprogs', 'callbacks', 'timers', 'callbackHelpers', 'globalSubprogs', 'mapAccess', 'logLevels', 'liveRegs']
    .map((f) => `test/verifier/${f}.test.ts`),
];

export default defineConfig({
  test: {
    include: [...firstTests, 'test/conformance/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/kernelProfile.ts'],
    sequence: { sequencer: filesFirst(firstTests) },
  },
});
