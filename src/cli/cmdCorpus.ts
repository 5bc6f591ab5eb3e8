// `verihist corpus [--kernel]`: what the selftests corpus reader makes of
// the corpus, and (with --kernel) whether the live kernel meets each
// program's annotations.

import { basename } from 'node:path';
import type { CorpusProgram, CorpusSkip } from '../corpus/reader.js';
import type { Result } from '../result/result.js';
import { renderTable } from '../util/table.js';
import { EXIT_FINDING, EXIT_OK, UsageError, sharedOptions, type IO } from './options.js';
import { requireKernel } from './kernelGate.js';

/** Skip reasons grouped by their kind (the part before any specifics). */
export function skipCategory(reason: string): string {
  return reason
    .replace(/\s*SEC\("[^"]*"\)/, '')
    .replace(/\s*\([^()]*\)$/, '')
    .replace(/^(calls C function|calls another program|unknown annotation|cannot evaluate operand)\s+\S+.*$/, '$1')
    .replace(/^assembler: .*$/, 'assembler error');
}

export function expectLabel(p: CorpusProgram): string {
  const e = p.expect;
  if (e.unprivOnly) return 'unpriv-only';
  return `${e.success ? 'success' : 'failure'}${e.msgs.length > 0 ? ` +${e.msgs.length} msg` : ''}`;
}

/** Log level the selftests would effectively use for this program. */
export function corpusLogLevel(p: CorpusProgram): number {
  const lvl = p.expect.logLevel ?? 0;
  // libbpf retries a failed load with log level 1; messages need a log.
  return (lvl & 3) === 0 && p.expect.msgs.length > 0 ? lvl | 1 : lvl;
}

export interface CorpusCheck {
  program: CorpusProgram;
  result: Result;
  ok: boolean;
  checked: boolean;
  reason?: string;
}

/** Loads every corpus program into the live kernel and checks its annotations. */
export async function checkCorpusInKernel(programs: CorpusProgram[]): Promise<CorpusCheck[]> {
  const { loadInKernel } = await import('../kernel/oracle.js');
  const { matchExpectations } = await import('../corpus/expect.js');
  return programs.map((p) => {
    const result = loadInKernel(p.program, { logLevel: corpusLogLevel(p), keepLog: p.expect.msgs.length > 0 });
    const m = matchExpectations(p.expect, result);
    const c: CorpusCheck = { program: p, result, ok: m.ok, checked: m.checked };
    if (m.reason !== undefined) c.reason = m.reason;
    return c;
  });
}

function summarizeSkips(skipped: CorpusSkip[]): Array<[string, number]> {
  const by = new Map<string, number>();
  for (const s of skipped) by.set(skipCategory(s.reason), (by.get(skipCategory(s.reason)) ?? 0) + 1);
  return [...by.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export async function corpusCommand(_args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  const { readCorpus, defaultCorpusDir } = await import('../corpus/reader.js');
  const dir = typeof raw['dir'] === 'string' ? raw['dir'] : defaultCorpusDir();
  let corpus;
  try {
    corpus = readCorpus(dir);
  } catch (e) {
    if (e instanceof Error && 'code' in e) throw new UsageError(`${dir}: cannot read corpus (${String((e as { code: unknown }).code)})`);
    throw e;
  }
  const { programs, skipped } = corpus;

  if (raw['kernel'] === true) {
    await requireKernel();
    const checks = await checkCorpusInKernel(programs);
    const bad = checks.filter((c) => !c.ok);
    if (opts.json) {
      for (const c of checks) {
        const { log: _log, ...r } = c.result;
        io.out(JSON.stringify({
          file: c.program.file, name: c.program.name, line: c.program.line, ...r,
          expect: expectLabel(c.program), agree: c.ok, checked: c.checked, ...(c.reason !== undefined && !c.ok ? { reason: c.reason } : {}),
        }) + '\n');
      }
    } else {
      const rows = checks.map((c) => [basename(c.program.file), c.program.name, expectLabel(c.program), c.result.verdict,
        c.result.insns, c.result.total_states, c.result.peak_states, !c.checked ? 'n/a' : c.ok ? 'yes' : 'NO']);
      io.out(renderTable([{ title: 'File' }, { title: 'Program' }, { title: 'Expected' }, { title: 'Verdict' },
        { title: 'Insns', align: 'right' }, { title: 'States', align: 'right' }, { title: 'Peak states', align: 'right' },
        { title: 'Agree' }], rows));
      const checked = checks.filter((c) => c.checked).length;
      io.out(`\n${checks.length} programs loaded: ${checked - bad.length} agree, ${bad.length} disagree, ${checks.length - checked} not checked (unprivileged-only annotations); ${skipped.length} skipped\n`);
      if (bad.length > 0) {
        io.out('\nDisagreements:\n');
        for (const c of bad) io.out(`  ${basename(c.program.file)}:${c.program.line} ${c.program.name}: ${c.reason ?? ''}\n`);
      }
    }
    return bad.length > 0 ? EXIT_FINDING : EXIT_OK;
  }

  if (opts.json) {
    for (const p of programs) {
      io.out(JSON.stringify({ file: p.file, name: p.name, line: p.line, type: p.program.progType, flags: p.program.flags,
        insns: p.program.insns.length, expect: p.expect }) + '\n');
    }
    for (const s of skipped) io.out(JSON.stringify({ file: s.file, name: s.name, line: s.line, skipped: s.reason }) + '\n');
    return EXIT_OK;
  }
  const rows = programs.map((p) => [basename(p.file), p.name, p.program.progType, p.program.insns.length, expectLabel(p)]);
  io.out(renderTable([{ title: 'File' }, { title: 'Program' }, { title: 'Type' }, { title: 'Insns', align: 'right' }, { title: 'Expected' }], rows));
  io.out(`\n${programs.length} programs read, ${skipped.length} skipped\n`);
  io.out(renderTable([{ title: 'Skip reason' }, { title: 'Count', align: 'right' }], summarizeSkips(skipped)));
  if (raw['skipped'] === true) {
    io.out('\n');
    io.out(renderTable([{ title: 'File' }, { title: 'Program' }, { title: 'Reason' }],
      skipped.map((s) => [`${basename(s.file)}:${s.line}`, s.name, s.reason])));
  }
  return EXIT_OK;
}
