// Re-checks every entry of conformance.json, model (copy history) vs the live
// kernel at log level 2. Fails when an entry's status or failing fields change
// in either direction, so fixes and regressions both get recorded.
// VERIHIST_CONFORMANCE_UPDATE=1 rewrites the table with what was observed
// (new non-agreeing entries get a 'TODO explain' reason to fill in by hand).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readProgramFile } from '../../src/isa/programFile.js';
import type { Program } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { defaultCorpusDir, readCorpus } from '../../src/corpus/reader.js';
import { compareProgram } from '../../src/compare/run.js';
import { entryKey, mismatch, observe, parseConformance, updateTable, type Observed } from '../../src/compare/conformance.js';
import { liveProfile } from '../liveProfile.js';

const here = dirname(fileURLToPath(import.meta.url));
const tablePath = join(here, 'conformance.json');
const table = parseConformance(JSON.parse(readFileSync(tablePath, 'utf8')));
const avail = bpfAvailable();
const corpusDir = defaultCorpusDir();
const haveCorpus = existsSync(corpusDir);
const observed = new Map<string, Observed>();

describe('conformance table shape', () => {
  test('every program file is listed and every listed file exists', () => {
    const listed = new Set(table.entries.filter((e) => e.program).map((e) => e.program!));
    for (const p of listed) expect(existsSync(join(here, p)), p).toBe(true);
    const onDisk = readdirPrograms();
    expect(onDisk.filter((p) => !listed.has(p))).toEqual([]);
  });
});

function readdirPrograms(): string[] {
  const dir = join(here, 'programs');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.s')).map((f) => `programs/${f}`) : [];
}

describe.skipIf(!avail.ok)(`model vs kernel conformance${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  const corpus = new Map<string, Program>();
  beforeAll(() => {
    if (!haveCorpus || !table.entries.some((e) => e.corpus)) return;
    for (const p of readCorpus(corpusDir).programs) corpus.set(`${basename(p.file)}:${p.name}`, p.program);
  });
  afterAll(() => {
    const counts = new Map<string, number>();
    for (const o of observed.values()) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
    console.log(`conformance: ${observed.size} checked, ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
    if (process.env['VERIHIST_CONFORMANCE_UPDATE']) {
      writeFileSync(tablePath, JSON.stringify(updateTable(table, observed), null, 2) + '\n');
    }
  });

  for (const e of table.entries) {
    const key = entryKey(e);
    const skipCorpus = e.corpus !== undefined && !haveCorpus;
    test.skipIf(skipCorpus)(`${key}${skipCorpus ? ' (skipped: corpus not found)' : ''}`, async () => {
      let program: Program;
      if (e.program !== undefined) program = readProgramFile(join(here, e.program));
      else {
        const p = corpus.get(e.corpus!);
        if (!p) throw new Error(`corpus program ${e.corpus} not found in ${corpusDir}`);
        program = p;
      }
      const c = await compareProgram(key, program, 'copy', 'kernel', { backedge: true, logLevel: 2, profile: liveProfile() });
      const o = observe(c);
      observed.set(key, o);
      const m = mismatch(e, o);
      if (!process.env['VERIHIST_CONFORMANCE_UPDATE']) expect(m).toBeUndefined();
    });
  }
});
