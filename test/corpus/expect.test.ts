import { describe, expect, test } from 'vitest';
import { compilePattern, firstUnmatched, matchExpectations } from '../../src/corpus/expect.js';
import type { CorpusExpect } from '../../src/corpus/annotations.js';
import type { Result } from '../../src/result/result.js';

const base: CorpusExpect = { success: true, msgs: [], unprivOnly: false, unpriv: { msgs: [] }, xlated: [], auxiliary: false, arch: [] };
const res = (over: Partial<Result>): Result => ({
  verdict: 'accept', errno: 0, error: '', insns: 1, total_states: 0, peak_states: 0, max_states_per_insn: 0, markPrecise: [], ...over,
});

describe('matchExpectations', () => {
  test('verdicts', () => {
    expect(matchExpectations(base, res({})).ok).toBe(true);
    const m = matchExpectations({ ...base, success: false }, res({}));
    expect(m).toMatchObject({ ok: false, checked: true });
    expect(m.reason).toContain('expected reject, got accept');
    expect(matchExpectations(base, res({ verdict: 'reject', errno: 13, error: 'R0 !read_ok' })).reason).toContain('R0 !read_ok');
  });
  test('unprivileged-only annotations are not checked', () => {
    const m = matchExpectations({ ...base, success: undefined, unprivOnly: true }, res({ verdict: 'reject' }));
    expect(m).toMatchObject({ ok: true, checked: false });
  });
  test('messages match in order, each after the previous match', () => {
    const log = 'a: one\nb: two\nc: three\n';
    expect(firstUnmatched(log, ['one', 'two', 'three'])).toBe(-1);
    expect(firstUnmatched(log, ['two', 'one'])).toBe(1);
    expect(firstUnmatched(log, ['one', 'one'])).toBe(1);
    expect(matchExpectations({ ...base, msgs: ['two'] }, res({})).reason).toContain('no log');
    expect(matchExpectations({ ...base, msgs: ['two'] }, res({ log })).ok).toBe(true);
  });
  test('{{regex}} parts', () => {
    expect(compilePattern('R1=scalar(id={{[0-9]+}})').regex?.test('R1=scalar(id=12)')).toBe(true);
    expect(firstUnmatched('x 5: R0=7\n', ['{{[0-9]+}}: R0={{[[:digit:]]}}'])).toBe(-1);
    // literal parts are escaped, and '.' does not cross lines (REG_NEWLINE)
    expect(firstUnmatched('a+b\n', ['a+b'])).toBe(-1);
    expect(firstUnmatched('ab\ncd', ['b{{.*}}c'])).toBe(0);
  });
});
