// `verihist verify FILES...`: runs the model on each program.

import { basename } from 'node:path';
import type { HistoryStats, Result } from '../result/result.js';
import { renderTable, type Column } from '../util/table.js';
import { EXIT_FINDING, EXIT_OK, UsageError, sharedOptions, type IO } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';
import { resolveProfile } from './profileOption.js';

export const verdictText = (r: Result): string =>
  r.verdict === 'unsupported' ? `unsupported@${r.unsupportedAt ?? '?'}` : r.verdict;

const HIST_COLUMNS: Array<[keyof HistoryStats, string]> = [
  ['allocations', 'Hist allocs'], ['entriesCopied', 'Hist copied'], ['entriesWritten', 'Hist written'],
  ['peakEntries', 'Hist peak'], ['growthEvents', 'Hist growth'], ['bytes', 'Hist bytes'],
];

export function verifyColumns(historyStats: boolean): Column[] {
  const cols: Column[] = [
    { title: 'File' }, { title: 'Program' }, { title: 'Verdict' },
    { title: 'Insns', align: 'right' }, { title: 'States', align: 'right' },
    { title: 'Peak states', align: 'right' }, { title: 'Max states/insn', align: 'right' },
  ];
  if (historyStats) for (const [, t] of HIST_COLUMNS) cols.push({ title: t, align: 'right' });
  cols.push({ title: 'Error' });
  return cols;
}

export function verifyRow(file: string, name: string, r: Result, historyStats: boolean): Array<string | number> {
  const row: Array<string | number> = [basename(file), name, verdictText(r), r.insns, r.total_states, r.peak_states, r.max_states_per_insn];
  if (historyStats) for (const [k] of HIST_COLUMNS) row.push(r.history?.[k] ?? '');
  row.push(r.error);
  return row;
}

export async function verifyCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const histStats = raw['historyStats'] === true;
  const expectAccept = raw['expectAccept'] === true;
  const files = expandInputs(args[0] as string[]);
  const programs = [];
  for (const f of files) programs.push({ file: f, program: await loadProgram(f, opts) });
  const { profile } = await resolveProfile(raw, io);
  const { makeHistoryOf, HistoryUnavailable } = await import('../compare/history.js');
  const { verifyProgram } = await import('../verifier/verify.js');
  const rows: Array<Array<string | number>> = [];
  const logs: string[] = [];
  let accepted = 0;
  let rejected = 0;
  let unsupported = 0;
  for (const { file, program } of programs) {
    let history;
    try {
      history = await makeHistoryOf(opts.history);
    } catch (e) {
      if (e instanceof HistoryUnavailable) throw new UsageError(e.message);
      throw e;
    }
    // --state-freq is already in program.flags (loadProgram), which the model reads.
    const r = verifyProgram(program, { history, backedgePropagation: opts.backedge, logLevel: opts.logLevel, profile });
    if (r.verdict === 'accept') accepted++;
    else if (r.verdict === 'reject') rejected++;
    else unsupported++;
    if (opts.json) {
      io.out(JSON.stringify({ file, name: program.name, kernelProfile: profile.name, ...r }) + '\n');
      continue;
    }
    rows.push(verifyRow(file, program.name, r, histStats));
    if (opts.logLevel > 0 && r.log !== undefined) logs.push(`--- ${file} (${program.name}) ---\n${r.log}`);
  }
  if (!opts.json) {
    io.out(renderTable(verifyColumns(histStats), rows));
    for (const l of logs) io.out(l.endsWith('\n') ? l : `${l}\n`);
    io.out(`${programs.length} program(s): ${accepted} accepted, ${rejected} rejected, ${unsupported} unsupported by the model (kernel profile ${profile.name})\n`);
  }
  return expectAccept && rejected > 0 ? EXIT_FINDING : EXIT_OK;
}
