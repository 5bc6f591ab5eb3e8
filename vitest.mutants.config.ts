// Tests Stryker runs against each mutant of src/history (npm run mutants):
// the history unit tests and the property runs over generated programs, the
// fast scripted unit tests first.
import { defineConfig } from 'vitest/config';
import { filesFirst } from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/history/**/*.test.ts', 'test/mutation/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/kernelProfile.ts'],
    sequence: {
      sequencer: filesFirst([
        'test/history/pinnedAccounting.test.ts',
        'test/history/stats.test.ts',
        'test/history/auditChecks.test.ts',
        'test/history/timelineText.test.ts',
        'test/history/shared.test.ts',
        'test/history/audited.test.ts',
      ]),
    },
  },
});
