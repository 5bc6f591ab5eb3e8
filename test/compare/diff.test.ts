import { describe, expect, test } from 'vitest';
import type { Result } from '../../src/result/result.js';
import { diffResults, differingFields, firstDifferingLine, firstPrecisionDiff, normalizeLines } from '../../src/compare/diff.js';

const base = (over: Partial<Result> = {}): Result => ({
  verdict: 'accept', errno: 0, error: '', insns: 5, total_states: 1, peak_states: 1, max_states_per_insn: 0,
  markPrecise: ['mark_precise: frame0: last_idx 3 first_idx 0 subseq_idx -1 '],
  log: '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0 ; R0=0\n1: (95) exit\nprocessed 2 insns\n',
  ...over,
});

describe('normalizeLines / firstDifferingLine', () => {
  test('trailing blanks and trailing empty lines do not count', () => {
    expect(normalizeLines('a \nb\n\n\n')).toEqual(['a', 'b']);
    expect(normalizeLines(undefined)).toEqual([]);
    expect(firstDifferingLine(normalizeLines('a \nb\n'), normalizeLines('a\nb'))).toBeUndefined();
  });
  test('reports the 1-based line and both texts; a missing line is undefined', () => {
    expect(firstDifferingLine(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual({ line: 2, a: 'b', b: 'x' });
    expect(firstDifferingLine(['a'], ['a', 'more'])).toEqual({ line: 2, a: undefined, b: 'more' });
  });
});

describe('diffResults', () => {
  test('identical results agree on every field', () => {
    const d = diffResults(base(), base());
    expect(differingFields(d)).toEqual([]);
    expect(Object.values(d.agree).every((v) => v)).toBe(true);
    expect(d.agree.precision).toBeUndefined();
  });
  test('mark_precise lines compare without trailing blanks (the oracle trims them)', () => {
    const k = base({ markPrecise: ['mark_precise: frame0: last_idx 3 first_idx 0 subseq_idx -1'] });
    expect(diffResults(base(), k).agree.mark_precise).toBe(true);
  });
  test('each differing field is listed in report order with both values', () => {
    const b = base({ verdict: 'reject', errno: 13, error: 'R0 !read_ok', insns: 7, log: '0: R1=ctx() R10=fp0\n0: (b7) r0 = 1 ; R0=1\n' });
    const d = diffResults(base(), b);
    expect(differingFields(d)).toEqual(['verdict', 'errno', 'error', 'insns', 'log']);
    expect(d.differing[3]).toEqual({ field: 'insns', a: '5', b: '7' });
    expect(d.firstLogDiff).toEqual({ line: 2, a: '0: (b7) r0 = 0 ; R0=0', b: '0: (b7) r0 = 1 ; R0=1' });
  });
  test('precision is compared only when asked, and names the first differing state', () => {
    const pa = [{ insnIdx: 3, frames: [{ frameno: 0, regs: [1], stackSlots: [] }] }];
    const pb = [{ insnIdx: 3, frames: [{ frameno: 0, regs: [1, 2], stackSlots: [] }] }];
    expect(firstPrecisionDiff(pa, pa)).toBe(-1);
    expect(firstPrecisionDiff(pa, pb)).toBe(0);
    expect(firstPrecisionDiff(pa, [])).toBe(0);
    expect(diffResults(base({ precision: pa }), base({ precision: pb })).agree.precision).toBeUndefined();
    const d = diffResults(base({ precision: pa }), base({ precision: pb }), { precision: true });
    expect(d.agree.precision).toBe(false);
    expect(d.firstPrecisionDiff).toBe(0);
    expect(differingFields(d)).toEqual(['precision']);
  });
});
