// Lexical helpers for the selftests' C files: comment masking, C string
// literals, top-level function discovery and `asm volatile (...)` splitting.
// Offsets always index the original text so line numbers stay exact.

export class ScanError extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
  }
}

/** Replaces comments by spaces (keeping newlines); strings are kept intact. */
export function maskComments(text: string): string {
  const out = text.split('');
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (out[k] !== '\n') out[k] = ' ';
      i = stop;
      continue;
    }
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
      continue;
    }
    i++;
  }
  return out.join('');
}

/** Index just past the quoted literal starting at `start`. */
export function skipQuoted(text: string, start: number): number {
  const q = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== q) {
    if (text[i] === '\\') i++;
    else if (text[i] === '\n') throw new ScanError(start, 'unterminated literal');
    i++;
  }
  if (i >= text.length) throw new ScanError(start, 'unterminated literal');
  return i + 1;
}

/** A decoded piece of a string literal: text plus the offset it came from. */
export interface StrChunk {
  text: string;
  offset: number;
}

/** Marker decodeString puts where a backslash-newline (line splice) was. */
export const SPLICE = '\u0000';

/**
 * Decodes the C string literal at `start`. A backslash-newline (line splice)
 * becomes `splice` (default: nothing, as in C) so callers can keep source lines apart.
 */
export function decodeString(text: string, start: number, splice = ''): { value: string; end: number } {
  if (text[start] !== '"') throw new ScanError(start, 'expected a string literal');
  let v = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new ScanError(start, 'unterminated string');
    const ch = text[i]!;
    if (ch === '"') break;
    if (ch === '\n') throw new ScanError(start, 'newline in string');
    if (ch !== '\\') { v += ch; i++; continue; }
    const e = text[i + 1] ?? '';
    i += 2;
    switch (e) {
      case '\n': v += splice; break; // line splice
      case 'n': v += '\n'; break;
      case 't': v += '\t'; break;
      case 'r': v += '\r'; break;
      case '0': v += '\0'; break;
      case '\\': v += '\\'; break;
      case '"': v += '"'; break;
      case "'": v += "'"; break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i));
        if (!m) throw new ScanError(i, 'bad \\x escape');
        v += String.fromCharCode(parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      default: v += e;
    }
  }
  return { value: v, end: i + 1 };
}

/** Concatenation of adjacent string literals in `src` (comments already masked), or undefined. */
export function stringConcat(src: string): string | undefined {
  let i = 0;
  let v = '';
  let any = false;
  while (i < src.length) {
    if (/\s/.test(src[i]!)) { i++; continue; }
    if (src[i] !== '"') return undefined;
    const d = decodeString(src, i);
    v += d.value;
    i = d.end;
    any = true;
  }
  return any ? v : undefined;
}

/** Index of the bracket matching the one at `open` (skipping literals). */
export function matchBracket(text: string, open: number): number {
  const o = text[open]!;
  const c = o === '(' ? ')' : o === '{' ? '}' : ']';
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") { i = skipQuoted(text, i) - 1; continue; }
    if (ch === o) depth++;
    else if (ch === c && --depth === 0) return i;
  }
  throw new ScanError(open, `unbalanced '${o}'`);
}

/** Splits at `sep` outside brackets and literals; returns [start, end) ranges. */
export function splitTopLevel(text: string, start: number, end: number, sep: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") { i = skipQuoted(text, i) - 1; continue; }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === sep && depth === 0) { out.push([from, i]); from = i + 1; }
  }
  out.push([from, end]);
  return out;
}

export interface TopFunction {
  name: string;
  /** Declaration head (attributes, return type, name, params), comments masked. */
  head: string;
  headOffset: number;
  nameOffset: number;
  /** Body between the braces (exclusive), comments masked. */
  bodyStart: number;
  bodyEnd: number;
}

/** Functions defined at file scope, in source order. `masked` = maskComments(text). */
export function topLevelFunctions(masked: string): TopFunction[] {
  const fns: TopFunction[] = [];
  let headStart = 0;
  let i = 0;
  while (i < masked.length) {
    const ch = masked[i]!;
    if (ch === '"' || ch === "'") { i = skipQuoted(masked, i); continue; }
    if (ch === '(' || ch === '[') { i = matchBracket(masked, i) + 1; continue; }
    if (ch === ';') { headStart = ++i; continue; }
    if (ch === '{') {
      const close = matchBracket(masked, i);
      const head = masked.slice(headStart, i);
      const fm = /([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$/.exec(head);
      // `struct { ... } name SEC(".maps");` is a declaration, not a function.
      if (fm && !/=\s*$/.test(head.slice(0, fm.index))) {
        fns.push({
          name: fm[1]!,
          head,
          headOffset: headStart,
          nameOffset: headStart + fm.index,
          bodyStart: i + 1,
          bodyEnd: close,
        });
        headStart = close + 1;
      }
      i = close + 1;
      continue;
    }
    i++;
  }
  return fns;
}

/** Offset -> 1-based line number. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

export interface AsmStatement {
  /** Template string pieces, in order, each with its source offset. */
  template: StrChunk[];
  /** Raw text of the input operand list (may be empty). */
  inputs: string;
  inputsOffset: number;
  outputs: string;
  clobbers: string;
}

/**
 * Finds the body's single `asm volatile (...)`. Returns undefined when the
 * body holds anything but that statement (a C body).
 */
export function parseAsmBody(masked: string, start: number, end: number): AsmStatement | undefined {
  const body = masked.slice(start, end);
  const m = /^\s*(?:asm|__asm__)\s*(?:volatile|__volatile__)?\s*\(/.exec(body);
  if (!m) return undefined;
  const open = start + m[0].length - 1;
  const close = matchBracket(masked, open);
  if (!/^\s*;?\s*$/.test(masked.slice(close + 1, end))) return undefined;
  const parts = splitTopLevel(masked, open + 1, close, ':');
  const [tpl, outs, ins, clob] = parts;
  const template: StrChunk[] = [];
  let i = tpl![0];
  while (i < tpl![1]) {
    const ch = masked[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (ch !== '"') throw new ScanError(i, 'asm template is not a string literal (macro?)');
    const d = decodeString(masked, i, SPLICE);
    template.push({ text: d.value, offset: i + 1 });
    i = d.end;
  }
  const slice = (r: [number, number] | undefined): string => (r ? masked.slice(r[0], r[1]) : '');
  return {
    template,
    outputs: slice(outs),
    inputs: slice(ins),
    inputsOffset: ins ? ins[0] : close,
    clobbers: slice(clob),
  };
}
