// verihist replay FILE...: re-run counterexamples and print their diffs.
import { checkProperty, formatOutcome } from '../../properties/index.js';
import { counterexampleProgram, propertyOptionsOf } from '../report/counterexample.js';
import { readCounterexampleArg } from './inputs.js';
import { resolveProfile } from './profileOption.js';
import { EXIT_FINDING, EXIT_OK, type IO } from './options.js';

export async function replayCommand(args: unknown[], opts: Record<string, unknown>, io: IO): Promise<number> {
  const files = (args[0] as string[] | undefined) ?? [];
  const json = opts['json'] === true;
  // The stored profile unless --kernel-profile says otherwise.
  const override = opts['kernelProfile'] === undefined ? undefined : (await resolveProfile(opts, io)).profile.name;
  let failing = 0;
  for (const file of files) {
    const c = readCounterexampleArg(file);
    if (override !== undefined) c.options.profile = override;
    const out = checkProperty(c.property, counterexampleProgram(c, file), propertyOptionsOf(c));
    const same = !out.ok && JSON.stringify(out.diff.lines) === JSON.stringify(c.diff.lines);
    if (!out.ok) failing++;
    if (json) {
      io.out(JSON.stringify({ file, property: c.property, kernelProfile: c.options.profile, ok: out.ok, ...(out.ok ? (out.skipped ? { skipped: out.skipped } : {}) : { diff: out.diff }), sameDiff: same }) + '\n');
      continue;
    }
    io.out(`${file}: ${c.property}, ${c.insns} insns, backedge ${c.options.backedge ? 'on' : 'off'}, kernel profile ${c.options.profile}${c.options.fault ? `, fault ${c.options.fault}` : ''}\n`);
    io.out(formatOutcome(c.property, out));
    if (out.ok) io.out(`  (it no longer fails; the stored diff was: ${c.diff.summary})\n`);
    else if (!same) io.out(`  (this diff differs from the stored one: ${c.diff.summary})\n`);
  }
  return failing ? EXIT_FINDING : EXIT_OK;
}
