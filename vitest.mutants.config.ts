// Tests Stryker runs against each mutant (npm run mutants): the history unit
// tests and the property runs over generated programs. The fast scripted unit
// tests run first: Stryker stops a mutant's run at its first failing test
// (bail), so a mutant they kill never waits for the property runs.
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Scripted unit tests (milliseconds each), in this order, before everything else. */
const FIRST = [
  'test/history/pinnedAccounting.test.ts',
  'test/history/stats.test.ts',
  'test/history/auditChecks.test.ts',
  'test/history/timelineText.test.ts',
  'test/history/shared.test.ts',
  'test/history/audited.test.ts',
];

class UnitTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = FIRST.indexOf(relative(process.cwd(), f.moduleId).split('\\').join('/'));
      return i < 0 ? FIRST.length : i;
    };
    const rest = await super.sort(files.filter((f) => rank(f) === FIRST.length));
    return [...files.filter((f) => rank(f) < FIRST.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}

export default defineConfig({
  test: {
    include: ['test/history/**/*.test.ts', 'test/mutation/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/kernelProfile.ts'],
    sequence: { sequencer: UnitTestsFirst },
  },
});
