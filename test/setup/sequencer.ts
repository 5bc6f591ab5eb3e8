// A vitest sequencer for mutation runs: the named test files run first, in
// the given order. Stryker stops a mutant's run at its first failing test
// (bail), so a mutant the fast tests kill never waits for the slow ones.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export function filesFirst(first: readonly string[]): typeof BaseSequencer {
  return class FilesFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const rank = (f: TestSpecification): number => {
        const i = first.indexOf(relative(process.cwd(), f.moduleId).split('\\').join('/'));
        return i < 0 ? first.length : i;
      };
      const rest = await super.sort(files.filter((f) => rank(f) === first.length));
      return [...files.filter((f) => rank(f) < first.length).sort((a, b) => rank(a) - rank(b)), ...rest];
    }
  };
}
