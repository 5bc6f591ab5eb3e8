// Program-file arguments: files or directories of .bin/.s/.json files.

import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Program } from '../isa/program.js';
import { BPF_F_TEST_STATE_FREQ } from '../isa/program.js';
import { IsaError } from '../isa/errors.js';
import { UsageError, type SharedOptions } from './options.js';
import { CounterexampleError, readCounterexample, type Counterexample } from '../report/counterexample.js';

export const PROGRAM_EXTS = ['.bin', '.s', '.json'];

/** Expands directories (non-recursively, sorted); a missing path is a UsageError. */
export function expandInputs(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p).filter((f) => PROGRAM_EXTS.includes(extname(f))).sort();
      if (files.length === 0) throw new UsageError(`${p}: directory holds no .bin/.s/.json files`);
      out.push(...files.map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Reads a program file; format errors become UsageErrors (exit 2). */
export async function loadProgram(path: string, opts?: Pick<SharedOptions, 'type' | 'stateFreq'>): Promise<Program> {
  if (!PROGRAM_EXTS.includes(extname(path))) {
    throw new UsageError(`${path}: unknown program file extension (expected .bin, .s or .json)`);
  }
  const { readProgramFile } = await import('../isa/programFile.js');
  let program: Program;
  try {
    program = readProgramFile(path);
  } catch (e) {
    if (e instanceof IsaError) throw new UsageError(oneLine(e.message));
    if (e instanceof Error && 'code' in e) throw new UsageError(`${path}: ${oneLine(e.message)}`);
    throw e;
  }
  if (opts?.type !== undefined) program = { ...program, progType: opts.type };
  if (opts?.stateFreq) program = { ...program, flags: program.flags | BPF_F_TEST_STATE_FREQ };
  return program;
}

export const oneLine = (s: string): string => s.split('\n')[0]!.trim();

/** A counterexample file for replay/shrink; a malformed file is bad input (exit 2). */
export function readCounterexampleArg(file: string): Counterexample {
  try {
    return readCounterexample(file);
  } catch (e) {
    if (e instanceof CounterexampleError) throw new UsageError(e.message);
    throw e;
  }
}
