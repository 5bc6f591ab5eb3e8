// `verihist disasm FILES...`: kernel-log-syntax listing of each program.

import { disasmProgram } from '../isa/disasm.js';
import { EXIT_OK, sharedOptions, type IO } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';

export async function disasmCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const files = expandInputs(args[0] as string[]);
  // Read everything first so a bad file fails before any output.
  const programs = [];
  for (const f of files) programs.push({ file: f, program: await loadProgram(f) });
  for (const { file, program } of programs) {
    const listing = disasmProgram(program.insns);
    if (opts.json) {
      io.out(JSON.stringify({ file, name: program.name, progType: program.progType, flags: program.flags, listing }) + '\n');
      continue;
    }
    if (programs.length > 1) io.out(`${file}:\n`);
    io.out(listing.map((l) => `${l}\n`).join(''));
  }
  return EXIT_OK;
}
