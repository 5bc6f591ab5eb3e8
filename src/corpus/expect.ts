// Checking a load Result against a selftest's annotations, the way
// test_loader.c does: verdict first, then every `__msg` pattern must be
// found in the log, in order, each search starting where the last match ended.

import type { Result } from '../result/result.js';
import type { CorpusExpect } from './annotations.js';

export interface ExpectMatch {
  ok: boolean;
  /** false when the annotations say nothing about privileged loads. */
  checked: boolean;
  reason?: string;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  '[:digit:]': '0-9', '[:alpha:]': 'A-Za-z', '[:alnum:]': 'A-Za-z0-9', '[:space:]': '\\s',
  '[:upper:]': 'A-Z', '[:lower:]': 'a-z', '[:xdigit:]': '0-9A-Fa-f', '[:punct:]': '!-/:-@[-`{-~',
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * A `__msg` pattern as a matcher. Plain text is a substring; `{{re}}` parts
 * are POSIX extended regexes (compiled with REG_NEWLINE, like the selftests).
 */
export function compilePattern(pattern: string): { regex?: RegExp; substr?: string } {
  if (!pattern.includes('{{')) return { substr: pattern };
  let src = '';
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('{{', i);
    if (open < 0) { src += escapeRe(pattern.slice(i)); break; }
    src += escapeRe(pattern.slice(i, open));
    const close = pattern.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`unterminated {{ in pattern '${pattern}'`);
    let re = pattern.slice(open + 2, close);
    for (const [k, v] of Object.entries(POSIX_CLASSES)) re = re.split(k).join(v);
    src += `(?:${re})`;
    i = close + 2;
  }
  return { regex: new RegExp(src, 'm') };
}

/** Index of the first pattern not found in order, or -1 when all are found. */
export function firstUnmatched(log: string, patterns: string[]): number {
  let rest = log;
  for (let k = 0; k < patterns.length; k++) {
    const p = compilePattern(patterns[k]!);
    if (p.substr !== undefined) {
      const at = rest.indexOf(p.substr);
      if (at < 0) return k;
      rest = rest.slice(at + p.substr.length);
    } else {
      const m = p.regex!.exec(rest);
      if (!m) return k;
      rest = rest.slice(m.index + m[0].length);
    }
  }
  return -1;
}

export function matchExpectations(expect: CorpusExpect, result: Result): ExpectMatch {
  if (expect.unprivOnly || expect.success === undefined) {
    return { ok: true, checked: false, reason: 'unprivileged-only annotations (we load privileged)' };
  }
  if (result.verdict === 'unsupported') return { ok: false, checked: true, reason: 'verdict unsupported' };
  const want = expect.success ? 'accept' : 'reject';
  if (result.verdict !== want) {
    const why = result.verdict === 'reject' ? `: ${result.error}` : '';
    return { ok: false, checked: true, reason: `expected ${want}, got ${result.verdict}${why}` };
  }
  if (expect.msgs.length === 0) return { ok: true, checked: true };
  if (result.log === undefined) return { ok: false, checked: true, reason: '__msg expected but no log was kept' };
  const miss = firstUnmatched(result.log, expect.msgs);
  if (miss >= 0) {
    return { ok: false, checked: true, reason: `__msg #${miss + 1} not found in order: '${expect.msgs[miss]}'` };
  }
  return { ok: true, checked: true };
}
