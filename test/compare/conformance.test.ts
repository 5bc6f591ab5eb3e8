import { describe, expect, test } from 'vitest';
import { mismatch, observe, parseConformance, updateTable, type Observed } from '../../src/compare/conformance.js';
import type { Comparison } from '../../src/compare/run.js';
import { diffResults } from '../../src/compare/diff.js';
import type { Result } from '../../src/result/result.js';

const r = (over: Partial<Result> = {}): Result => ({
  verdict: 'accept', errno: 0, error: '', insns: 2, total_states: 0, peak_states: 0, max_states_per_insn: 0, markPrecise: [], log: 'a\nb\n', ...over,
});
const cmp = (a: Result, b: Result): Comparison => ({
  name: 'p', a: { side: 'copy', result: a, usec: 1 }, b: { side: 'kernel', result: b, usec: 1 }, status: 'compared', diff: diffResults(a, b),
});

describe('parseConformance', () => {
  test('accepts a well-formed table', () => {
    const t = parseConformance({ entries: [
      { program: 'programs/a.s', status: 'agree' },
      { corpus: 'x.c:f', status: 'disagree', failing: ['log'], reason: 'because' },
      { corpus: 'x.c:g', status: 'unsupported', reason: 'ctx access' },
    ] });
    expect(t.entries).toHaveLength(3);
  });
  test.each([
    [{ entries: [{ status: 'agree' }] }, /exactly one of program, corpus/],
    [{ entries: [{ program: 'a', status: 'maybe' }] }, /bad status/],
    [{ entries: [{ program: 'a', status: 'disagree', reason: 'r' }] }, /needs failing fields/],
    [{ entries: [{ program: 'a', status: 'unsupported' }] }, /needs a reason/],
    [{ entries: [{ program: 'a', status: 'agree' }, { program: 'a', status: 'agree' }] }, /duplicate/],
    [{}, /expected \{ entries/],
  ])('rejects %j', (v, re) => {
    expect(() => parseConformance(v)).toThrow(re);
  });
});

describe('observe / mismatch / updateTable', () => {
  const agreeing = observe(cmp(r(), r()));
  const logOnly = observe(cmp(r(), r({ log: 'a\nc\n' })));
  test('observe reports status, failing fields and the first differing line', () => {
    expect(agreeing).toEqual({ status: 'agree', failing: [], detail: '' });
    expect(logOnly.status).toBe('disagree');
    expect(logOnly.failing).toEqual(['log']);
    expect(logOnly.detail).toBe("log line 2: model 'b' vs kernel 'c'");
    const un: Comparison = { ...cmp(r({ verdict: 'unsupported' }), r()), status: 'unsupported', note: 'model: unsupported at insn 0: x' };
    delete un.diff;
    expect(observe(un)).toEqual({ status: 'unsupported', failing: [], detail: 'model: unsupported at insn 0: x' });
  });
  test('a change in either direction is a mismatch; same status and fields is not', () => {
    expect(mismatch({ program: 'a', status: 'agree' }, agreeing)).toBeUndefined();
    expect(mismatch({ program: 'a', status: 'agree' }, logOnly)).toMatch(/listed as agree, now disagree on log \(regression\)/);
    expect(mismatch({ program: 'a', status: 'disagree', failing: ['log'], reason: 'r' }, agreeing)).toMatch(/fixed: record it as agree/);
    expect(mismatch({ program: 'a', status: 'disagree', failing: ['log'], reason: 'r' }, logOnly)).toBeUndefined();
    expect(mismatch({ program: 'a', status: 'disagree', failing: ['insns', 'log'], reason: 'r' }, logOnly)).toMatch(/failing fields were insns,log, now log/);
  });
  test('updateTable records what was observed and keeps reasons of unchanged entries', () => {
    const t = parseConformance({ entries: [
      { program: 'a', status: 'agree' },
      { program: 'b', status: 'disagree', failing: ['log'], reason: 'known' },
      { program: 'c', status: 'disagree', failing: ['log'], reason: 'old' },
    ] });
    const obs = new Map<string, Observed>([['a', logOnly], ['b', logOnly], ['c', agreeing]]);
    const u = updateTable(t, obs);
    expect(u.entries).toEqual([
      { program: 'a', status: 'disagree', failing: ['log'], reason: "TODO explain: log line 2: model 'b' vs kernel 'c'" },
      { program: 'b', status: 'disagree', failing: ['log'], reason: 'known' },
      { program: 'c', status: 'agree' },
    ]);
  });
});
