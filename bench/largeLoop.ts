// Large loop programs for the history metrics: enough processed instructions
// (tens to hundreds of thousands) to compare copy vs shared at the scale of the
// seed patch's measurement. Both are accepted by the 6.18 kernel.

import { assemble } from '../src/isa/asm.js';
import { makeProgram, type Program } from '../src/isa/program.js';

/**
 * Nested bounded loops (outer < n, inner < m) whose body holds `diamonds`
 * branches on a random value, each side spilling to a different slot and a
 * fill after the join. Exact counters keep the loop heads from pruning, so the
 * model walks n*m iterations and every diamond forks a state.
 */
export function nestedLoopProgram(n: number, m: number, diamonds: number): Program {
  const l = ['r6 = 0', 'r9 = 0', '*(u64 *)(r10 - 8) = r9', '*(u64 *)(r10 - 16) = r9', 'outer: r7 = 0', 'inner: call bpf_get_prandom_u32', 'r8 = r0'];
  for (let d = 0; d < diamonds; d++) {
    l.push(
      `if r8 > ${d * 7 + 3} goto a${d}`, `r1 = ${d}`, '*(u64 *)(r10 - 8) = r1', `goto b${d}`,
      `a${d}: r1 = ${d + 1}`, '*(u64 *)(r10 - 16) = r1',
      `b${d}: r2 = *(u64 *)(r10 - ${d % 2 ? 8 : 16})`, 'r9 += r2', 'r9 &= 0xff',
    );
  }
  l.push(
    'r7 += 1', `if r7 < ${m} goto inner`, 'r6 += 1', `if r6 < ${n} goto outer`,
    'r1 = *(u64 *)(r10 - 8)', 'if r1 > 3 goto out', 'r0 = 0', 'exit', 'out: r0 = 1', 'exit',
  );
  return makeProgram(assemble(l.join('\n')), { name: `nested_loop_${n}x${m}x${diamonds}` });
}

/**
 * A may_goto loop whose body holds `branches` forward branches on a random
 * value, with counters masked so states eventually converge; a precision
 * demand after the loop (fill + branch) makes backtracking walk the loop.
 */
export function mayGotoBranchyProgram(branches: number): Program {
  const l = ['r6 = 0', 'r7 = 0', '*(u64 *)(r10 - 8) = r6', 'l0: may_goto lx', 'call bpf_get_prandom_u32', 'r8 = r0'];
  for (let d = 0; d < branches; d++) {
    l.push(`if r8 > ${d * 5 + 2} goto a${d}`, 'r6 += 1', 'r6 &= 7', '*(u64 *)(r10 - 8) = r6', `a${d}: r7 += r8`, 'r7 &= 3');
  }
  l.push('goto l0', 'lx: r1 = *(u64 *)(r10 - 8)', 'if r1 > 3 goto out', 'if r7 == 1 goto out', 'r0 = 0', 'exit', 'out: r0 = 1', 'exit');
  return makeProgram(assemble(l.join('\n')), { name: `may_goto_${branches}_branches` });
}

/** The programs the history-metrics bench uses, smallest first. */
export function largeLoopPrograms(): Program[] {
  return [nestedLoopProgram(8, 8, 4), mayGotoBranchyProgram(16), mayGotoBranchyProgram(24), nestedLoopProgram(16, 16, 6)];
}

/**
 * Programs of >= 100k processed insns for the speed/memory table: the large
 * loop programs above the threshold plus two that run into the 1M-insn limit
 * (both rejected by model and kernel with "BPF program is too large").
 */
export function largePrograms(): Program[] {
  return [
    mayGotoBranchyProgram(24), mayGotoBranchyProgram(40), nestedLoopProgram(16, 16, 6),
    nestedLoopProgram(32, 32, 6), nestedLoopProgram(64, 64, 6),
  ];
}
