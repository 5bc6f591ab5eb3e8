// Recorded kernel results (test/kernel/fixtures/NAME@PROFILE.json): a program,
// the kernel's verdict and level-2 log, and the kernel release and profile it
// was recorded on, so the model can be checked against it with no kernel.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Program } from '../isa/program.js';
import { programFromJson, programToJson, type ProgramJson } from '../isa/programFile.js';
import type { Result } from '../result/result.js';
import { writeFileAtomic } from '../util/fs.js';

export interface FixtureKernel {
  release: string;
  profile: string;
}

export interface KernelFixture {
  _comment: string;
  kernel: FixtureKernel;
  name: string;
  program: ProgramJson;
  funcs: Program['funcs'] | null;
  logLevel: number;
  verdict: Result['verdict'];
  errno: number;
  error: string;
  log: string;
}

const COMMENT = 'Verifier log from the live kernel named in "kernel"; program funcs give the BTF func_info (see src/kernel/btf.ts). Re-record on a new kernel: verihist kernel --record';

export function makeFixture(name: string, program: Program, r: Result, kernel: FixtureKernel, logLevel = 2): KernelFixture {
  // The fixture keeps func info in its own field (recorded before program JSON carried it).
  const { funcs, ...plain } = program;
  return {
    _comment: COMMENT, kernel, name, program: programToJson(plain), funcs: funcs ?? null,
    logLevel, verdict: r.verdict, errno: r.errno, error: r.error, log: r.log ?? '',
  };
}

export const fixtureProgram = (f: KernelFixture, file: string): Program => {
  const p = programFromJson(f.program, file);
  return f.funcs ? { ...p, funcs: f.funcs } : p;
};

export interface FixtureEntry {
  file: string;
  fixture: KernelFixture;
}

/** Every fixture in `dir` (files NAME@PROFILE.json holding a "kernel" field); one-line errors name the file. */
export function readFixtures(dir: string): FixtureEntry[] {
  if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
  const out: FixtureEntry[] = [];
  for (const f of readdirSync(dir).filter((n) => /^[^@]+@[^@]+\.json$/.test(n)).sort()) {
    const file = join(dir, f);
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: bad JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const o = v as Partial<KernelFixture> | null;
    if (!o || typeof o !== 'object' || typeof o.name !== 'string' || !o.kernel || typeof o.kernel.profile !== 'string' || !o.program) {
      throw new Error(`${file}: not a kernel fixture (needs name, kernel.profile and program)`);
    }
    out.push({ file, fixture: o as KernelFixture });
  }
  return out;
}

/**
 * Loads each fixture's program (one per name) with `load` and writes
 * NAME@PROFILE.json for `kernel`; returns the files written.
 */
export async function recordFixtures(
  dir: string, kernel: FixtureKernel, load: (p: Program, logLevel: number) => Result | Promise<Result>,
): Promise<string[]> {
  // One program per file stem (the part before @PROFILE).
  const byStem = new Map<string, FixtureEntry>();
  for (const e of readFixtures(dir)) {
    const stem = basename(e.file).replace(/@[^@]+\.json$/, '');
    if (!byStem.has(stem)) byStem.set(stem, e);
  }
  const jobs = [...byStem].map(([stem, { file, fixture }]) => {
    const program = fixtureProgram(fixture, file);
    return { stem, fixture, program, result: Promise.resolve(load(program, fixture.logLevel)) };
  });
  const written: string[] = [];
  for (const j of jobs) {
    const r = await j.result;
    const out = join(dir, `${j.stem}@${kernel.profile}.json`);
    writeFileAtomic(out, JSON.stringify(makeFixture(j.fixture.name, j.program, r, kernel, j.fixture.logLevel), null, 2) + '\n');
    written.push(out);
  }
  return written;
}
