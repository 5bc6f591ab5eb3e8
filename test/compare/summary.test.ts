import { describe, expect, test } from 'vitest';
import type { ResultDiff } from '../../src/compare/diff.js';
import { diffKind, groupByKind, lineCategory, maskNumbers, splitTokens, tallyAgreement } from '../../src/compare/summary.js';

describe('tallyAgreement', () => {
  test('counts agreement per field and skips fields a diff does not have', () => {
    const ds: ResultDiff[] = [
      { agree: { verdict: true, log: false }, differing: [] },
      { agree: { verdict: true, log: true }, differing: [] },
      { agree: { verdict: false, log: true, precision: true }, differing: [] },
    ];
    const t = tallyAgreement(ds, ['verdict', 'log', 'precision', 'insns']);
    expect(t).toEqual([
      { field: 'verdict', agree: 2, total: 3, pct: 66.7 },
      { field: 'log', agree: 2, total: 3, pct: 66.7 },
      { field: 'precision', agree: 1, total: 1, pct: 100 },
      { field: 'insns', agree: 0, total: 0, pct: 100 },
    ]);
  });
});

describe('line kinds', () => {
  test('categories of kernel log lines', () => {
    expect(lineCategory('5: (bf) r2 = r0                       ; R0=scalar(id=1) R2=scalar(id=1)')).toBe('insn+state');
    expect(lineCategory('7: (95) exit')).toBe('insn');
    expect(lineCategory('6: R0=scalar(id=1) R10=fp0')).toBe('state');
    expect(lineCategory('from 3 to 6: R0=scalar(id=1) R10=fp0')).toBe('branch state');
    expect(lineCategory('mark_precise: frame0: regs=r1 stack= before 4: (bf) r2 = r10')).toBe('mark_precise');
    expect(lineCategory('processed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0')).toBe('stats');
    expect(lineCategory('      3: .1........ (25) if r1 > 0x3 goto pc+2')).toBe('live regs');
    expect(lineCategory('infinite loop detected at insn 3')).toBe('message');
  });
  test('tokens split outside parentheses; numbers masked', () => {
    expect(splitTokens('R1=scalar(smin=0, x) R2=fp0')).toEqual(['R1=scalar(smin=0, x)', 'R2=fp0']);
    expect(maskNumbers('if r1 > 0x3 goto pc-2')).toBe('if rN > N goto pcN');
  });
  test('a register whose bounds differ is described by the differing bound names', () => {
    const k = diffKind({
      line: 29,
      a: 'from 4 to 7: R0=scalar(id=1,smin=umin=0x100000000,smax=umax=0x100000003,smin32=0,smax32=umax32=3,var_off=(0x100000000; 0x3)) R10=fp0',
      b: 'from 4 to 7: R0=scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3)) R10=fp0',
    });
    expect(k).toBe('branch state: Rn scalar bounds differ (64-bit, var_off)');
    const k2 = diffKind({ line: 3, a: '2: (57) r1 &= 7 ; R1=scalar(smin=0,smax=7)', b: '2: (57) r1 &= 7 ; R1=scalar(smin=0,smax=3)' });
    expect(k2).toBe('insn+state: Rn scalar bounds differ (64-bit)');
  });
  test('other shapes: paths diverge, one log ends early, different line kinds, register only on one side', () => {
    expect(diffKind({ line: 9, a: '4: (b7) r0 = 0', b: '6: (b7) r0 = 0' })).toBe('insn: different insn (paths diverge)');
    expect(diffKind({ line: 9, a: undefined, b: 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0' }))
      .toBe('A log ends early (B goes on with stats)');
    expect(diffKind({ line: 9, a: '3: (95) exit', b: 'infinite loop detected at insn 3' })).toBe("A insn / B message 'infinite loop detected at insn N'");
    expect(diffKind({ line: 9, a: '1: (bf) r2 = r0 ; R0=ctx() R2=ctx()', b: '1: (bf) r2 = r0 ; R2=ctx()' })).toBe('insn+state: Rn only in A');
  });
  test('linked-scalar ids and bound classes', () => {
    const k = diffKind({ line: 5, a: '1: (bf) r6 = r9 ; R6=scalar(id=22-3,smin=0)', b: '1: (bf) r6 = r9 ; R6=scalar(id=25,smin=0)' });
    expect(k).toBe('insn+state: Rn scalar id differs');
    expect(diffKind({ line: 5, a: '4: R1=scalar(smin32=-24,smax32=11)', b: '4: R1=scalar(smin32=-24,smax32=-1)' })).toBe('state: Rn scalar bounds differ (32-bit)');
  });
  test('groupByKind counts, orders by frequency and keeps examples', () => {
    const d1 = { line: 2, a: '1: (07) r1 += 1 ; R1=1', b: '1: (07) r1 += 1 ; R1=2' };
    const d2 = { line: 5, a: undefined, b: 'x' };
    const g = groupByKind([{ name: 'p1', diff: d1 }, { name: 'p2', diff: d2 }, { name: 'p3', diff: d1 }]);
    expect(g.map((x) => [x.count, x.examples.map((e) => e.name)])).toEqual([[2, ['p1', 'p3']], [1, ['p2']]]);
  });
});
