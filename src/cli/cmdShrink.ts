// verihist shrink FILE: shrink a counterexample further and rewrite it.
import { resolve } from 'node:path';
import { parseDuration } from '../fuzz/config.js';
import { reshrink } from '../fuzz/reshrink.js';
import { counterexampleText } from '../fuzz/summary.js';
import { writeCounterexample } from '../report/counterexample.js';
import { readCounterexampleArg } from './inputs.js';
import { resolveProfile } from './profileOption.js';
import { EXIT_OK, UsageError, type IO } from './options.js';

export async function shrinkCommand(args: unknown[], opts: Record<string, unknown>, io: IO): Promise<number> {
  const file = String(args[0]);
  const outFile = opts['output'] === undefined ? file : String(opts['output']);
  let budget = 60_000;
  if (opts['shrinkTime'] !== undefined) {
    const t = parseDuration(String(opts['shrinkTime']));
    if (t === undefined) throw new UsageError('--shrink-time: expected a duration like 60s');
    budget = t;
  }
  const c = readCounterexampleArg(file);
  if (opts['kernelProfile'] !== undefined) c.options.profile = (await resolveProfile(opts, io)).profile.name;
  const r = reshrink(c, Date.now() + budget);
  if (r.passes) {
    io.err(`verihist shrink: ${file}: ${c.property} no longer fails; left unchanged\n`);
    return EXIT_OK;
  }
  writeCounterexample(r.counterexample, { file: resolve(outFile) });
  if (opts['json'] === true) {
    io.out(JSON.stringify({ file: outFile, property: c.property, kernelProfile: c.options.profile, before: r.before, after: r.after, via: r.via, tries: r.tries }) + '\n');
  } else {
    io.out(`${outFile}: ${r.before} -> ${r.after} insns (${r.via}, ${r.tries} property runs, kernel profile ${c.options.profile})\n`);
    io.out(counterexampleText(r.counterexample));
  }
  return EXIT_OK;
}
