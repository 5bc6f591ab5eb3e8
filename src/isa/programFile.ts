// Program files.
//
//  .bin   raw struct bpf_insn array, little-endian, 8 bytes per slot. Carries
//         no metadata: name = file base name, type socket, flags 0, no maps.
//  .s     assembler text (see asm.ts). Header lines are `;` comments of the
//         form `; key: value`, anywhere in the file (by convention at the top):
//           ; name: my_prog
//           ; type: xdp                       (socket | xdp | kprobe | raw_tp)
//           ; flags: BPF_F_TEST_STATE_FREQ    (names or numbers, joined by |)
//           ; map: NAME array key=4 value=8 max=1   (one per map, in fd_array order;
//                                 `timer=OFF` adds a struct bpf_timer at OFF, with map BTF)
//           ; funcs: static/1 global/2        (BTF func_info: linkage/params per subprogram;
//                                              global/c2: the first of 2 params is the ctx pointer)
//         Other `;` lines are plain comments.
//  .json  { "name", "type", "flags", "asm" | "base64", "maps"?, "funcs"? }. `flags` is a
//         number, a `|`-joined string or a list of names. With both "asm" and
//         "base64", base64 is authoritative (exact bytes). Errors in "asm" are
//         reported as `file:line` with lines counted inside the asm string.

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Insn } from './insn.js';
import { IsaError } from './errors.js';
import { assemble } from './asm.js';
import { disasmInsn } from './disasm.js';
import { decodeProgram, encodeProgram } from './encode.js';
import { isLdImm64 } from './opcode.js';
import {
  BPF_F_ANY_ALIGNMENT, BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_RND_HI32, BPF_F_TEST_STATE_FREQ,
  BPF_F_XDP_HAS_FRAGS, makeProgram, MAP_TYPES, PROG_TYPES, type MapSpec, type MapType, type ProgType, type Program,
} from './program.js';

export const FLAG_NAMES: Readonly<Record<string, number>> = {
  BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT, BPF_F_TEST_RND_HI32, BPF_F_TEST_STATE_FREQ, BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
};

export interface ProgramJson {
  name: string;
  type: ProgType;
  flags: string;
  asm: string;
  base64: string;
  maps?: MapSpec[];
  /** BTF func_info per subprogram: `static/1 global/2 ...` (linkage/parameter count). */
  funcs?: string;
}

type Funcs = NonNullable<Program['funcs']>;

/** `static/1 global/2`: linkage and `long` parameter count of each subprogram, main first. */
function parseFuncs(v: string): Funcs {
  const out: Funcs = [];
  for (const t of v.trim().split(/\s+/)) {
    const m = /^(static|global)\/(c?)([0-5])$/.exec(t);
    if (!m || (m[2] && m[3] === '0')) throw new Error(`bad func '${t}' (want static/N or global/N, N = 0..5 parameters; cN: the first is the ctx pointer)`);
    out.push({ linkage: m[1] as 'static' | 'global', params: Number(m[3]), ...(m[2] ? { ctx: true } : {}) });
  }
  return out;
}

const funcsLine = (f: Funcs): string => f.map((x) => `${x.linkage}/${x.ctx ? 'c' : ''}${x.params}`).join(' ');

/** `BPF_F_A | BPF_F_B` (or `0`); unknown bits are appended in hex. */
export function formatFlags(flags: number): string {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of Object.entries(FLAG_NAMES)) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join(' | ') : '0';
}

/** Inverse of formatFlags; also accepts numbers and lists. Throws a plain message string. */
export function parseFlags(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const parts = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[|,\s]+/) : undefined;
  if (!parts) throw new Error(`bad flags ${JSON.stringify(v)}`);
  let flags = 0;
  for (const p of parts) {
    if (typeof p !== 'string') throw new Error(`bad flag ${JSON.stringify(p)}`);
    const t = p.trim();
    if (t === '') continue;
    const named = FLAG_NAMES[t] ?? FLAG_NAMES[`BPF_F_${t.toUpperCase()}`];
    if (named !== undefined) flags |= named;
    else if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) flags |= Number(t);
    else throw new Error(`unknown flag '${t}'`);
  }
  return flags >>> 0;
}

function parseType(v: unknown): ProgType {
  const t = typeof v === 'string' ? v.trim() : v;
  if (PROG_TYPES.includes(t as ProgType)) return t as ProgType;
  throw new Error(`unknown program type ${JSON.stringify(v)} (want ${PROG_TYPES.join(', ')})`);
}

function parseMapLine(v: string): MapSpec {
  const m = /^(\S+)\s+(array|hash|user_ringbuf)\s+key=(\d+)\s+value=(\d+)\s+max=(\d+)(?:\s+timer=(\d+))?$/.exec(v.trim());
  if (!m) throw new Error(`bad map '${v.trim()}' (want: NAME array|hash|user_ringbuf key=N value=N max=N [timer=OFF])`);
  const spec: MapSpec = { name: m[1]!, type: m[2] as MapType, keySize: +m[3]!, valueSize: +m[4]!, maxEntries: +m[5]! };
  if (m[6] !== undefined) {
    const off = +m[6];
    if (off % 8 || off + 16 > spec.valueSize || (spec.keySize !== 4 && spec.keySize !== 8) || spec.valueSize % 8) {
      throw new Error(`bad map '${v.trim()}': a timer needs key=4|8, an 8-aligned value and timer=OFF 8-aligned with OFF+16 <= value`);
    }
    spec.timerOff = off;
  }
  return spec;
}

const mapLine = (m: MapSpec): string =>
  `${m.name} ${m.type} key=${m.keySize} value=${m.valueSize} max=${m.maxEntries}${m.timerOff !== undefined ? ` timer=${m.timerOff}` : ''}`;

/** A program from `.s` text: header comments plus assembler. */
export function programFromAsm(text: string, file?: string, name?: string): Program {
  const meta: { name?: string; type?: ProgType; flags?: number; maps: MapSpec[]; funcs?: Funcs } = { maps: [] };
  text.split('\n').forEach((line, k) => {
    const h = /^\s*;\s*(name|type|flags|map|funcs)\s*:\s*(.*?)\s*$/.exec(line);
    if (!h) return;
    try {
      if (h[1] === 'name') meta.name = h[2]!;
      else if (h[1] === 'type') meta.type = parseType(h[2]);
      else if (h[1] === 'flags') meta.flags = parseFlags(h[2]);
      else if (h[1] === 'funcs') meta.funcs = parseFuncs(h[2]!);
      else meta.maps.push(parseMapLine(h[2]!));
    } catch (e) {
      throw new IsaError(`${file ?? '<asm>'}:${k + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  const insns = assemble(text, file !== undefined ? { file } : {});
  return makeProgram(insns, {
    name: meta.name ?? name ?? 'prog', progType: meta.type ?? 'socket', flags: meta.flags ?? 0, maps: meta.maps,
    ...(meta.funcs ? { funcs: meta.funcs } : {}),
  });
}

/** Slots one listing line covers (ld_imm64 with its second slot present: 2). */
const width = (insns: Insn[], i: number): number => (isLdImm64(insns[i]!.code) && i + 1 < insns.length ? 2 : 1);

const sameSlots = (a: Insn[], b: Insn[]): boolean =>
  a.length === b.length && a.every((x, k) => {
    const y = b[k]!;
    return x.code === y.code && x.dst === y.dst && x.src === y.src && x.off === y.off && x.imm === y.imm;
  });

const rawLine = (i: Insn): string =>
  `.insn 0x${i.code.toString(16).padStart(2, '0')}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm}`;

/**
 * Instructions as text that assembles back to the same slots: the kernel log
 * form where it is exact, else `.insn` raw slots with the log form as comment.
 */
export function insnsToAsm(insns: Insn[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < insns.length; i += width(insns, i)) {
    const w = width(insns, i);
    const text = disasmInsn(insns, i);
    let exact = false;
    try {
      exact = sameSlots(assemble(text), insns.slice(i, i + w));
    } catch (e) {
      if (!(e instanceof IsaError)) throw e;
    }
    if (exact) {
      out.push(`${i}: ${text}`);
    } else {
      for (let k = 0; k < w; k++) out.push(`${i + k}: ${rawLine(insns[i + k]!)}${k === 0 ? `  // ${text}` : ''}`);
    }
  }
  return out;
}

export function programToAsm(p: Program): string {
  const head = [`; name: ${p.name}`, `; type: ${p.progType}`, `; flags: ${formatFlags(p.flags)}`];
  for (const m of p.maps) head.push(`; map: ${mapLine(m)}`);
  if (p.funcs) head.push(`; funcs: ${funcsLine(p.funcs)}`);
  return [...head, ...insnsToAsm(p.insns)].join('\n') + '\n';
}

export function programToJson(p: Program): ProgramJson {
  const j: ProgramJson = {
    name: p.name,
    type: p.progType,
    flags: formatFlags(p.flags),
    asm: insnsToAsm(p.insns).join('\n'),
    base64: Buffer.from(encodeProgram(p.insns)).toString('base64'),
  };
  if (p.maps.length) j.maps = p.maps;
  if (p.funcs) j.funcs = funcsLine(p.funcs);
  return j;
}

function parseMapSpec(v: unknown): MapSpec {
  if (typeof v === 'string') return parseMapLine(v);
  if (typeof v !== 'object' || v === null) throw new Error(`bad map ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const num = (k: string): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new Error(`map field '${k}' must be a non-negative integer`);
    return x;
  };
  if (typeof o['name'] !== 'string') throw new Error(`map field 'name' must be a string`);
  if (!MAP_TYPES.includes(o['type'] as MapType)) throw new Error(`map type must be one of ${MAP_TYPES.join(', ')}`);
  const spec: MapSpec = { name: o['name'], type: o['type'] as MapType, keySize: num('keySize'), valueSize: num('valueSize'), maxEntries: num('maxEntries') };
  // one validation for both forms
  return o['timerOff'] === undefined ? spec : parseMapLine(`${mapLine(spec)} timer=${num('timerOff')}`);
}

/** A program from parsed JSON (see the header for the shape). */
export function programFromJson(value: unknown, file = '<json>'): Program {
  const fail = (msg: string): IsaError => new IsaError(`${file}: ${msg}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('expected a JSON object');
  const o = value as Record<string, unknown>;
  let insns: Insn[];
  if (typeof o['base64'] === 'string') {
    const bytes = Buffer.from(o['base64'], 'base64');
    try {
      insns = decodeProgram(new Uint8Array(bytes));
    } catch (e) {
      throw fail(e instanceof Error ? e.message : String(e));
    }
  } else if (typeof o['asm'] === 'string') {
    insns = assemble(o['asm'], { file });
  } else {
    throw fail(`needs "asm" or "base64"`);
  }
  try {
    const name = o['name'] === undefined ? 'prog' : o['name'];
    if (typeof name !== 'string') throw new Error(`"name" must be a string`);
    const maps = o['maps'] === undefined ? [] : o['maps'];
    if (!Array.isArray(maps)) throw new Error(`"maps" must be a list`);
    if (o['funcs'] !== undefined && typeof o['funcs'] !== 'string') throw new Error(`"funcs" must be a string like "static/1 global/2"`);
    const funcs = typeof o['funcs'] === 'string' ? parseFuncs(o['funcs']) : undefined;
    return makeProgram(insns, {
      ...(funcs ? { funcs } : {}),
      name,
      progType: o['type'] === undefined ? 'socket' : parseType(o['type']),
      flags: o['flags'] === undefined ? 0 : parseFlags(o['flags']),
      maps: maps.map(parseMapSpec),
    });
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
}

export function readProgramFile(path: string): Program {
  const ext = extname(path).toLowerCase();
  const base = basename(path, extname(path));
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new IsaError(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  switch (ext) {
    case '.bin': {
      try {
        return makeProgram(decodeProgram(new Uint8Array(data)), { name: base });
      } catch (e) {
        throw new IsaError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    case '.s':
    case '.asm':
      return programFromAsm(data.toString('utf8'), path, base);
    case '.json': {
      let v: unknown;
      try {
        v = JSON.parse(data.toString('utf8'));
      } catch (e) {
        throw new IsaError(`${path}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const p = programFromJson(v, path);
      return typeof (v as Record<string, unknown>)['name'] === 'string' ? p : { ...p, name: base };
    }
    default:
      throw new IsaError(`${path}: unknown program file extension '${ext}' (want .bin, .s or .json)`);
  }
}

/** Writes by extension. `.bin` keeps only the instructions. */
export function writeProgramFile(path: string, p: Program): void {
  const ext = extname(path).toLowerCase();
  let bytes: Uint8Array;
  try {
    bytes = encodeProgram(p.insns); // validates every field first
  } catch (e) {
    throw new IsaError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let data: string | Uint8Array;
  if (ext === '.bin') data = bytes;
  else if (ext === '.s' || ext === '.asm') data = programToAsm(p);
  else if (ext === '.json') data = JSON.stringify(programToJson(p), null, 2) + '\n';
  else throw new IsaError(`${path}: unknown program file extension '${ext}' (want .bin, .s or .json)`);
  writeFileSync(path, data);
}
