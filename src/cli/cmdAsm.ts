// `verihist asm FILE -o OUT`: converts between .bin, .s and .json.

import { extname } from 'node:path';
import { EXIT_OK, UsageError, sharedOptions, type IO } from './options.js';
import { PROGRAM_EXTS, expandInputs, loadProgram, oneLine } from './inputs.js';

export async function asmCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const input = args[0] as string;
  const out = raw['output'];
  if (typeof out !== 'string' || out === '') throw new UsageError('asm: -o OUT is required');
  if (!PROGRAM_EXTS.includes(extname(out))) {
    throw new UsageError(`${out}: unknown output extension (expected .bin, .s or .json)`);
  }
  const [file] = expandInputs([input]);
  const program = await loadProgram(file!);
  const { writeProgramFile } = await import('../isa/programFile.js');
  try {
    writeProgramFile(out, program);
  } catch (e) {
    if (e instanceof Error && ('code' in e || e.name === 'IsaError')) throw new UsageError(`${out}: ${oneLine(e.message)}`);
    throw e;
  }
  if (opts.json) io.out(JSON.stringify({ file: input, out, name: program.name, insns: program.insns.length }) + '\n');
  return EXIT_OK;
}
