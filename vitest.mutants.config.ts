// Tests Stryker runs against each mutant (npm run mutants): the history unit
// tests and the property runs over generated programs.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/history/**/*.test.ts', 'test/mutation/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/kernelProfile.ts'],
  },
});
