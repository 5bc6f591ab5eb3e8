// `verihist kernel FILES...`: loads each program into the live kernel.

import { basename } from 'node:path';
import type { Result } from '../result/result.js';
import { renderTable } from '../report/table.js';
import { EXIT_OK, sharedOptions, type IO } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';
import { requireKernel } from './kernelGate.js';

export const RESULT_COLUMNS = [
  { title: 'File' }, { title: 'Program' }, { title: 'Verdict' },
  { title: 'Insns', align: 'right' as const }, { title: 'States', align: 'right' as const },
  { title: 'Peak states', align: 'right' as const }, { title: 'Max states/insn', align: 'right' as const },
  { title: 'Error' },
];

export const resultRow = (file: string, name: string, r: Result): Array<string | number> =>
  [basename(file), name, r.verdict, r.insns, r.total_states, r.peak_states, r.max_states_per_insn, r.error];

export async function kernelCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const wantLog = raw['log'] === true;
  const files = expandInputs(args[0] as string[]);
  const programs = [];
  for (const f of files) programs.push({ file: f, program: await loadProgram(f, opts) });
  await requireKernel();
  const { loadInKernel } = await import('../kernel/oracle.js');
  const rows: Array<Array<string | number>> = [];
  const logs: string[] = [];
  for (const { file, program } of programs) {
    const level = wantLog && opts.logLevel === 0 ? 1 : opts.logLevel;
    const r = loadInKernel(program, { logLevel: level, keepLog: wantLog || opts.json && level > 0 });
    if (opts.json) {
      io.out(JSON.stringify({ file, name: program.name, ...r }) + '\n');
      continue;
    }
    rows.push(resultRow(file, program.name, r));
    if (wantLog) logs.push(`--- ${file} (${program.name}) ---\n${r.log ?? ''}`);
  }
  if (!opts.json) {
    io.out(renderTable(RESULT_COLUMNS, rows));
    for (const l of logs) io.out(l.endsWith('\n') ? l : `${l}\n`);
  }
  return EXIT_OK;
}
