import { describe, expect, test } from 'vitest';
import { lastErrorLine, markPreciseLines, parseStats, stackDepths, verificationTimeUsec } from '../../src/kernel/logParse.js';
import { toResult } from '../../src/kernel/oracle.js';

// Logs as printed by the 6.18.44 kernel of the testbed machine.
const LEVEL2_ACCEPT = `func#0 @0
Live regs before insn:
      0: .......... (b7) r2 = 8
      1: ..2....... (87) r2 = -r2
0: R1=ctx() R10=fp0
0: (b7) r2 = 8                        ; R2=8
1: (87) r2 = -r2                      ; R2=-8
2: (55) if r2 != 0xfffffff8 goto pc+2
mark_precise: frame0: last_idx 2 first_idx 0 subseq_idx -1 
mark_precise: frame0: regs=r2 stack= before 1: (87) r2 = -r2
mark_precise: frame0: regs=r2 stack= before 0: (b7) r2 = 8
2: R2=-8
6: (95) exit
processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
`;
const LEVEL4_REJECT = `R0 !read_ok
verification time 13 usec
stack depth 0
processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
`;
const LEVEL1_REJECT = `0: R1=ctx() R10=fp0
0: (95) exit
R0 !read_ok
processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
`;

describe('log parsing', () => {
  test('statistics line', () => {
    expect(parseStats(LEVEL2_ACCEPT)).toEqual({ insns: 7, limit: 1000000, max_states_per_insn: 0, total_states: 0, peak_states: 0, mark_read: 0 });
    expect(parseStats('processed 21 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 0\n'))
      .toMatchObject({ insns: 21, max_states_per_insn: 1, total_states: 2, peak_states: 2 });
    expect(parseStats('no stats here')).toBeUndefined();
  });
  test('error line skips the statistics block', () => {
    expect(lastErrorLine(LEVEL4_REJECT)).toBe('R0 !read_ok');
    expect(lastErrorLine(LEVEL1_REJECT)).toBe('R0 !read_ok');
    expect(verificationTimeUsec(LEVEL4_REJECT)).toBe(13);
    expect(stackDepths(LEVEL4_REJECT)).toEqual([0]);
    expect(stackDepths('stack depth 8+16\n')).toEqual([8, 16]);
  });
  test('mark_precise lines (trailing blank trimmed)', () => {
    expect(markPreciseLines(LEVEL2_ACCEPT)).toEqual([
      'mark_precise: frame0: last_idx 2 first_idx 0 subseq_idx -1',
      'mark_precise: frame0: regs=r2 stack= before 1: (87) r2 = -r2',
      'mark_precise: frame0: regs=r2 stack= before 0: (b7) r2 = 8',
    ]);
  });
  test('toResult', () => {
    const r = toResult(false, 13, LEVEL1_REJECT, false);
    expect(r).toEqual({ verdict: 'reject', errno: 13, error: 'R0 !read_ok', insns: 1, total_states: 0, peak_states: 0, max_states_per_insn: 0, markPrecise: [] });
    expect(toResult(true, 0, LEVEL2_ACCEPT, true).log).toBe(LEVEL2_ACCEPT);
  });
});
