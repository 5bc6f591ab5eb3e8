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
import { makeProgram, type MapSpec, type Program } from '../isa/program.js';
import { isLdImm64 } from '../isa/opcode.js';
import { ConstExprError, evalConstExpr, splitArgs } from './constExpr.js';
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
  const decls = parseFileDecls(masked, pre.defines);
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
    const r = buildProgram(path, info, byName, sym, lineOf, decls);
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
  decls: FileDecls,
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
  const maps: MapSpec[] = [];
  for (let k = 0; k < units.length; k++) {
    const u = units[k]!;
    const ops = resolveOperands(rewriteInputs(u.asm!.inputs, decls, maps), sym);
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
  if (maps.length > 0) {
    const r = patchMapLoads(insns, maps.length);
    if (r) return { reason: r };
  }
  const program = makeProgram(insns, { name: info.fn.name, progType: pt, flags: ex.flags, maps });
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

// ---- maps and struct layouts -------------------------------------------------

interface StructLayout {
  size: number;
  align: number;
  offsets: Map<string, number>;
}

interface FileDecls {
  /** `.maps` declarations of supported types (array, hash); others are absent. */
  maps: Map<string, MapSpec>;
  structs: Map<string, StructLayout>;
}

const SCALAR_SIZES: Readonly<Record<string, number>> = {
  char: 1, 'signed char': 1, 'unsigned char': 1, __u8: 1, __s8: 1, u8: 1, s8: 1, bool: 1, _Bool: 1,
  short: 2, 'unsigned short': 2, __u16: 2, __s16: 2, u16: 2, s16: 2,
  int: 4, 'unsigned int': 4, unsigned: 4, __u32: 4, __s32: 4, u32: 4, s32: 4, float: 4,
  long: 8, 'unsigned long': 8, 'long long': 8, 'unsigned long long': 8, __u64: 8, __s64: 8, u64: 8, s64: 8, double: 8,
};

const MAP_TYPES: Readonly<Record<string, MapSpec['type']>> = { BPF_MAP_TYPE_ARRAY: 'array', BPF_MAP_TYPE_HASH: 'hash' };

function constOf(expr: string, defines: Map<string, string>): number | undefined {
  const ident = (n: string, depth = 0): bigint | undefined => {
    const d = defines.get(n);
    if (d === undefined || depth > 8) return undefined;
    try {
      return evalConstExpr(d, { ident: (m) => ident(m, depth + 1) });
    } catch {
      return undefined;
    }
  };
  try {
    return Number(evalConstExpr(expr, { ident: (n) => ident(n) }));
  } catch (e) {
    if (e instanceof ConstExprError) return undefined;
    throw e;
  }
}

function typeLayout(type: string, structs: Map<string, StructLayout>): { size: number; align: number } | undefined {
  const t = type.replace(/\b(const|volatile)\b/g, '').replace(/\s+/g, ' ').trim();
  if (t.endsWith('*')) return { size: 8, align: 8 };
  const st = /^struct (\w+)$/.exec(t);
  if (st) return structs.get(st[1]!);
  const n = SCALAR_SIZES[t];
  return n === undefined ? undefined : { size: n, align: n };
}

/** Struct layouts (scalar, pointer, nested struct and array members) and `.maps` declarations. */
function parseFileDecls(masked: string, defines: Map<string, string>): FileDecls {
  const structs = new Map<string, StructLayout>();
  for (const m of masked.matchAll(/\bstruct\s+(\w+)\s*\{([^{}]*)\}\s*;/g)) {
    let off = 0;
    let align = 1;
    const offsets = new Map<string, number>();
    let ok = true;
    for (const field of m[2]!.split(';').map((f) => f.trim()).filter((f) => f)) {
      const fm = /^(.*?)\s*\b(\w+)\s*((?:\[[^\]]*\]\s*)*)$/.exec(field);
      const lay = fm ? typeLayout(fm[1]!, structs) : undefined;
      if (!fm || !lay) { ok = false; break; }
      let count = 1;
      for (const d of fm[3]!.matchAll(/\[([^\]]*)\]/g)) {
        const v = constOf(d[1]!, defines);
        if (v === undefined) { ok = false; break; }
        count *= v;
      }
      off = Math.ceil(off / lay.align) * lay.align;
      offsets.set(fm[2]!, off);
      off += lay.size * count;
      align = Math.max(align, lay.align);
    }
    if (ok) structs.set(m[1]!, { size: Math.ceil(off / align) * align, align, offsets });
  }
  const maps = new Map<string, MapSpec>();
  for (const m of masked.matchAll(/\bstruct\s*\{([^{}]*)\}\s*(\w+)\s+SEC\(\s*"\.maps"\s*\)/g)) {
    const body = m[1]!;
    const field = (kind: string, name: string): string | undefined =>
      new RegExp(`__${kind}\\(\\s*${name}\\s*,\\s*([^;]*?)\\)\\s*;`).exec(body)?.[1];
    const type = MAP_TYPES[field('uint', 'type') ?? ''];
    const maxEntries = constOf(field('uint', 'max_entries') ?? '', defines);
    const keyT = field('type', 'key');
    const valT = field('type', 'value');
    const keySize = keyT !== undefined ? typeLayout(keyT, structs)?.size : constOf(field('uint', 'key_size') ?? '', defines);
    const valueSize = valT !== undefined ? typeLayout(valT, structs)?.size : constOf(field('uint', 'value_size') ?? '', defines);
    if (!type || maxEntries === undefined || keySize === undefined || valueSize === undefined) continue;
    maps.set(m[2]!, { name: m[2]!, type, keySize, valueSize, maxEntries });
  }
  return { maps, structs };
}

// ld_imm64 value standing for "map number k" until patchMapLoads ('MAP_' << 32).
const MAP_MARK = 0x4d41505fn << 32n;

/**
 * Rewrites asm inputs the operand resolver cannot evaluate: `__imm_addr(map)`
 * of a supported map becomes a marked constant (the map joins `maps` in order
 * of first use) and `offsetof(struct S, f)` of a file struct its offset.
 */
function rewriteInputs(inputs: string, decls: FileDecls, maps: MapSpec[]): string {
  const parts = splitArgs(inputs).map((entry) => {
    const addr = /^__imm_addr\(\s*(\w+)\s*\)$/.exec(entry);
    const spec = addr ? decls.maps.get(addr[1]!) : undefined;
    if (addr && spec) {
      let k = maps.findIndex((x) => x.name === spec.name);
      if (k < 0) k = maps.push(spec) - 1;
      return `__imm_const(${addr[1]}, ${(MAP_MARK + BigInt(k)).toString()})`;
    }
    return entry.replace(/\boffsetof\(\s*struct\s+(\w+)\s*,\s*(\w+)\s*\)/g, (all, st: string, f: string) => {
      const off = decls.structs.get(st)?.offsets.get(f);
      return off === undefined ? all : String(off);
    });
  });
  return parts.join(', ');
}

/** Marked ld_imm64 constants become map loads: src_reg BPF_PSEUDO_MAP_IDX, imm = map index. */
function patchMapLoads(insns: Insn[], count: number): string | undefined {
  for (let i = 0; i + 1 < insns.length; i++) {
    const lo = insns[i]!;
    if (!isLdImm64(lo.code)) continue;
    const hi = insns[i + 1]!;
    const v = (BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0);
    i++;
    if (v < MAP_MARK || v >= MAP_MARK + BigInt(count) || lo.src !== 0) continue;
    insns[i - 1] = { ...lo, src: 5, imm: Number(v - MAP_MARK) };
    insns[i] = { ...hi, imm: 0 };
  }
  for (const insn of insns) {
    if (insn.code !== 0x18 && (insn.imm >>> 0) === Number(MAP_MARK >> 32n)) return 'map address used outside an ld_imm64';
  }
  return undefined;
}
