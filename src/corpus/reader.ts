// Reads the kernel selftests corpus (inline-asm verifier tests) at run time
// and turns each test function into a Program plus its expectations.
// Nothing is silently dropped: every test function is either a program or a
// skip entry with a reason.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../isa/asm.js';
import { IsaError } from '../isa/errors.js';
import type { Insn } from '../isa/insn.js';
import { makeProgram, type Program } from '../isa/program.js';
import { parseExpect, parseHead, secToProgType, type CorpusExpect, type ParsedHead } from './annotations.js';
import { CppError, preprocess } from './cpp.js';
import {
  lineIndex, maskComments, parseAsmBody, ScanError, SPLICE, topLevelFunctions,
  type AsmStatement, type TopFunction,
} from './cScan.js';
import { resolveOperands, type FileSymbols, type Operand } from './operands.js';

export type { CorpusExpect } from './annotations.js';

export interface CorpusProgram {
  file: string;
  line: number;
  name: string;
  program: Program;
  expect: CorpusExpect;
  /** The asm text handed to the assembler (subprograms appended as labels). */
  asm: string;
}

export interface CorpusSkip {
  file: string;
  name: string;
  line: number;
  reason: string;
}

export interface Corpus {
  dir: string;
  programs: CorpusProgram[];
  skipped: CorpusSkip[];
}

/** `../shared/corpus/kernel-selftests` relative to the repo, or $VERIHIST_CORPUS. */
export function defaultCorpusDir(): string {
  const env = process.env['VERIHIST_CORPUS'];
  if (env) return resolve(env);
  // Walk up from this module to the repo root (the folder with package.json);
  // works from src/ (tsx/vitest) and from dist/src/.
  let d = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    if (existsSync(join(d, 'package.json'))) break;
    d = dirname(d);
  }
  return resolve(d, '..', 'shared', 'corpus', 'kernel-selftests');
}

export function readCorpus(dir: string = defaultCorpusDir()): Corpus {
  const files = readdirSync(dir).filter((f) => f.endsWith('.c')).sort();
  const programs: CorpusProgram[] = [];
  const skipped: CorpusSkip[] = [];
  for (const f of files) {
    const r = readCorpusFile(join(dir, f));
    programs.push(...r.programs);
    skipped.push(...r.skipped);
  }
  return { dir, programs, skipped };
}

interface FnInfo {
  fn: TopFunction;
  head: ParsedHead;
  asm?: AsmStatement;
  line: number;
}

/** Reads one .c file of the corpus. */
export function readCorpusFile(path: string): { programs: CorpusProgram[]; skipped: CorpusSkip[] } {
  const source = readFileSync(path, 'utf8');
  const programs: CorpusProgram[] = [];
  const skipped: CorpusSkip[] = [];
  let pre;
  try {
    pre = preprocess(source);
  } catch (e) {
    if (!(e instanceof CppError)) throw e;
    return { programs, skipped: [{ file: path, name: '*', line: e.line, reason: `preprocessor: ${e.message}` }] };
  }
  const masked = maskComments(pre.text);
  const lineOf = lineIndex(masked);
  const sym: FileSymbols = {
    maps: new Set([...masked.matchAll(/\}\s*(\w+)\s+SEC\(\s*"\.maps"\s*\)/g)].map((m) => m[1]!)),
    data: new Set([...masked.matchAll(/(\w+)\s*(?:\[[^\]]*\])?\s*SEC\(\s*"\.(?:data|bss|rodata)[^"]*"\s*\)/g)].map((m) => m[1]!)),
    functions: new Set(),
    defines: pre.defines,
  };
  const infos: FnInfo[] = [];
  for (const fn of topLevelFunctions(masked)) {
    const line = lineOf(fn.nameOffset);
    let head: ParsedHead;
    try {
      head = parseHead(fn.head);
    } catch (e) {
      skipped.push({ file: path, name: fn.name, line, reason: `cannot parse declaration: ${String(e)}` });
      continue;
    }
    let asm: AsmStatement | undefined;
    try {
      asm = parseAsmBody(masked, fn.bodyStart, fn.bodyEnd);
    } catch (e) {
      if (!(e instanceof ScanError)) throw e;
      skipped.push({ file: path, name: fn.name, line, reason: `cannot parse asm body: ${e.message}` });
      continue;
    }
    sym.functions.add(fn.name);
    infos.push(asm ? { fn, head, asm, line } : { fn, head, line });
  }
  const byName = new Map(infos.map((i) => [i.fn.name, i]));
  for (const info of infos) {
    const sec = info.head.sec;
    if (sec === undefined || sec === 'license' || sec.startsWith('.')) continue;
    const r = buildProgram(path, info, byName, sym, lineOf);
    if ('reason' in r) skipped.push({ file: path, name: info.fn.name, line: info.line, reason: r.reason });
    else programs.push(r);
  }
  return { programs, skipped };
}

function buildProgram(
  path: string,
  info: FnInfo,
  byName: Map<string, FnInfo>,
  sym: FileSymbols,
  lineOf: (o: number) => number,
): CorpusProgram | { reason: string } {
  const pt = secToProgType(info.head.sec!);
  if (typeof pt !== 'string') return { reason: pt.skip };
  const ex = parseExpect(info.head.attrs);
  if (ex.problem !== undefined) return { reason: ex.problem };
  if (ex.expect.arch.length > 0 && !ex.expect.arch.includes('X86_64')) {
    return { reason: `arch-specific (${ex.expect.arch.join(', ')})` };
  }
  if (ex.expect.loadMode === 'no_jited') return { reason: 'only runs without a JIT (__load_if_no_JITed)' };
  if (!info.asm) return { reason: 'C body (needs a C compiler)' };

  // The main function, then the static subprograms it calls (transitively),
  // in order of first reference, as libbpf appends them.
  const units: FnInfo[] = [info];
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    for (const piece of u.asm!.template) {
      for (const m of piece.text.matchAll(/\bcall\s+([A-Za-z_]\w*)/g)) {
        const callee = byName.get(m[1]!);
        if (!callee || callee === info || units.includes(callee)) continue;
        if (callee.head.sec !== undefined) return { reason: `calls another program ${callee.fn.name}` };
        if (!callee.asm) return { reason: `calls C function ${callee.fn.name} (needs a C compiler)` };
        if (!callee.head.isStatic) return { reason: `needs BTF (global subprog ${callee.fn.name})` };
        units.push(callee);
      }
    }
  }

  const lines: string[] = [];
  const lineMap: number[] = [];
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    const ops = resolveOperands(u.asm!.inputs, sym);
    const bad = ops.find((o) => o.kind === 'skip');
    if (bad && bad.kind === 'skip') return { reason: bad.reason };
    if (k > 0) {
      lines.push(`${u.fn.name}:`);
      lineMap.push(u.line);
    }
    const r = templateLines(u.asm!, ops, lineOf, k === 0 ? undefined : `_s${k}`);
    if ('reason' in r) return r;
    lines.push(...r.lines);
    lineMap.push(...r.lineMap);
  }
  const text = lines.join('\n') + '\n';
  let insns: Insn[];
  try {
    insns = assemble(text, { file: MARK, firstLine: 1 });
  } catch (e) {
    if (!(e instanceof IsaError)) throw e;
    return { reason: `assembler: ${remapError(e.message, path, lineMap)}` };
  }
  const program = makeProgram(insns, { name: info.fn.name, progType: pt, flags: ex.flags });
  return { file: path, line: info.line, name: info.fn.name, program, expect: ex.expect, asm: text };
}

const MARK = '<corpus>';

function remapError(msg: string, path: string, lineMap: number[]): string {
  return msg.replace(/<corpus>:(\d+):/, (_all, n: string) => `${path}:${lineMap[Number(n) - 1] ?? n}:`);
}

/** The asm template as text lines, each mapped to its source line. */
function templateLines(
  asm: AsmStatement,
  ops: Operand[],
  lineOf: (o: number) => number,
  labelSuffix: string | undefined,
): { lines: string[]; lineMap: number[] } | { reason: string } {
  const lines: string[] = [];
  const lineMap: number[] = [];
  let cur = '';
  let curLine = -1;
  const flush = (): void => {
    if (curLine >= 0) { lines.push(cur); lineMap.push(curLine); }
    cur = '';
  };
  for (const piece of asm.template) {
    const start = lineOf(piece.offset);
    if (start !== curLine) { flush(); curLine = start; }
    for (const ch of piece.text) {
      if (ch === SPLICE) { flush(); curLine++; }
      else if (ch === '\n') { flush(); } // explicit "\n": new statement, same source line
      else cur += ch;
    }
  }
  flush();
  const byName = new Map(ops.map((o) => [o.name, o]));
  const rawInsns: Insn[] = [];
  let inComment = false;
  const out: string[] = [];
  for (let line of lines) {
    // Strip /* */ comments inside the template (they may span lines).
    let s = '';
    let i = 0;
    while (i < line.length) {
      if (inComment) {
        const e = line.indexOf('*/', i);
        if (e < 0) { i = line.length; break; }
        inComment = false;
        i = e + 2;
        s += ' ';
      } else if (line.startsWith('/*', i)) {
        inComment = true;
        i += 2;
      } else s += line[i++];
    }
    line = s;
    let err: string | undefined;
    line = line.replace(/%(\[(\w+)\]|%|=)/g, (all, _g, name: string | undefined) => {
      if (all === '%%') return '%';
      if (all === '%=') return labelSuffix ?? '%=';
      const op = byName.get(name!);
      if (!op) { err ??= `asm references unknown operand %[${name}]`; return all; }
      if (op.kind === 'text') return op.text;
      if (op.kind === 'insn') {
        rawInsns.push(op.insn);
        return `__raw${rawInsns.length - 1}`;
      }
      return all;
    });
    if (err) return { reason: err };
    // `.8byte %[insn]` -> one raw slot.
    line = line.replace(/\.8byte\s+__raw(\d+)/g, (_a, k: string) => {
      const i = rawInsns[Number(k)]!;
      return `.insn ${i.code}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm}`;
    });
    if (/__raw\d+/.test(line)) return { reason: 'raw insn operand used outside .8byte' };
    // C integer suffixes (`0xffffffff00000000LL`) that clang's asm parser tolerates.
    line = line.replace(/\b(0[xX][0-9a-fA-F]+|\d+)(?:[uU]?[lL]{1,2}|[uU])\b/g, '$1');
    out.push(line);
  }
  return { lines: renameLocalLabels(out, labelSuffix ?? ''), lineMap };
}

/**
 * GNU numeric local labels (`1:`, `goto 1f`, `goto 1b`) renamed to unique
 * names, since a label may be defined several times.
 */
function renameLocalLabels(lines: string[], unit: string): string[] {
  const defs = new Map<string, number>();
  const name = (n: string, k: number): string => `__local_${n}_${k}${unit}`;
  // Definitions are numbered in text order; `Nf` is the next one, `Nb` the last.
  const re = /(^|[;\s])(\d+):(?!=)|\b(\d+)([fb])\b/g;
  return lines.map((line) => line.replace(re, (all, pre: string | undefined, def: string | undefined, ref: string | undefined, dir: string | undefined) => {
    if (def !== undefined) {
      const k = defs.get(def) ?? 0;
      defs.set(def, k + 1);
      return `${pre ?? ''}${name(def, k)}:`;
    }
    const seen = defs.get(ref!) ?? 0;
    return name(ref!, dir === 'f' ? seen : seen - 1);
  }));
}
