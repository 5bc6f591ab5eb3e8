import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { runCfgPasses } from '../../src/verifier/cfg/cfg.js';
import { insnSuccessors } from '../../src/verifier/cfg/scc.js';
import { I, encode, parseLiveRegs } from './cfgAsm.js';

const run = (p: Insn[]) => {
  const r = runCfgPasses(p);
  if (!r.ok) throw new Error(r.error);
  return r;
};
const sccs = (p: Insn[]): number[] => run(p).aux.map((a) => a.scc);

// Hand-built programs with the SCC ids the kernel assigns (checked below against the live kernel).
const CASES: Array<[string, Insn[], number[]]> = [
  ['straight line', [I.mov(0, 0), I.addi(0, 1), I.exit()], [0, 0, 0]],
  ['diamond', [I.jeqi(1, 0, 2), I.mov(0, 1), I.ja(1), I.mov(0, 2), I.exit()], [0, 0, 0, 0, 0]],
  ['simple loop', [I.mov(0, 0), I.addi(0, 1), I.jlti32(0, 10, -2), I.exit()], [0, 1, 1, 0]],
  // Inner loop 2..3 inside outer loop 1..5: one SCC.
  ['nested loops', [I.mov(0, 0), I.mov(1, 0), I.addi(1, 1), I.jlti32(1, 10, -2), I.addi(0, 1), I.jlti32(0, 5, -5), I.exit()],
    [0, 1, 1, 1, 1, 1, 0]],
  // Tarjan completes the later loop first, so it gets id 1.
  ['two loops in sequence', [I.mov(0, 0), I.addi(0, 1), I.jlti32(0, 3, -2), I.addi(0, 1), I.jlti32(0, 9, -2), I.exit()],
    [0, 2, 2, 1, 1, 0]],
  ['may_goto loop', [I.mov(0, 0), I.mayGoto(2), I.addi(0, 1), I.ja(-3), I.exit()], [0, 1, 1, 1, 0]],
  ['self loop (may_goto to itself)', [I.mov(0, 0), I.mayGoto(-1), I.exit()], [0, 1, 0]],
  ['loop inside a diamond arm', [I.mov(0, 0), I.jeqi(1, 0, 3), I.addi(0, 1), I.jlti32(0, 4, -2), I.ja(1), I.mov(0, 7), I.exit()],
    [0, 0, 1, 1, 0, 0, 0]],
  ['loops in main and subprog', [I.mov(0, 0), I.addi(0, 1), I.jlti32(0, 3, -2), I.pcall(1), I.exit(),
    I.mov(0, 0), I.addi(0, 1), I.jlti32(0, 3, -2), I.exit()], [0, 1, 1, 0, 0, 0, 2, 2, 0]],
  // The second ld_imm64 slot is its own (trivial) DFS root: id 0. The kernel does not print it.
  ['loop around ld_imm64', [I.mov(0, 0), ...I.ld64(2, 1), I.addi(0, 1), I.jlti32(0, 3, -4), I.exit()], [0, 1, 0, 1, 1, 0]],
  ['two exits from a loop', [I.mov(0, 0), I.addi(0, 1), I.jeqi(0, 5, 2), I.jlti32(0, 9, -3), I.exit(), I.exit()],
    [0, 1, 1, 1, 0, 0]],
];

describe('compute_scc', () => {
  for (const [name, p, want] of CASES) it(name, () => expect(sccs(p)).toEqual(want));

  it('returns scc_cnt = highest id + 1', () => {
    expect(run(CASES[4]![1]).sccCnt).toBe(3);
    expect(run(CASES[0]![1]).sccCnt).toBe(1);
  });
});

describe('bpf_insn_successors', () => {
  it('follows the 6.18 opcode table', () => {
    const p = [I.jeqi(1, 0, 2), I.ja(-1), I.call(7), I.exit(), I.mayGoto(-4), ...I.ld64(0, 1), I.pcall(-3), I.ja32(-8)];
    expect(p.map((_, i) => insnSuccessors(p, i))).toEqual([
      [1, 3], [1], [3], [], [5, 1], [7], [7], [8], [1],
    ]);
  });
});

describe('compute_postorder', () => {
  it('pushes all successors at once and walks each subprog from its start', () => {
    const p = [I.jeqi(1, 0, 2), I.mov(0, 1), I.ja(1), I.mov(0, 2), I.pcall(1), I.exit(), I.mov(0, 0), I.exit()];
    const r = run(p);
    // From 0 both 1 and 3 are pushed; 3 is popped first: 3 -> 4 -> 5.
    expect(r.postorder).toEqual([5, 4, 3, 2, 1, 0, 7, 6]);
    expect(r.subprogs.info.map((s) => s.postorderStart)).toEqual([0, 6, 8]);
    expect(r.aux.map((a) => a.postorder)).toEqual([5, 4, 3, 2, 1, 0, 7, 6]);
    expect(r.aux.map((a) => a.subprog)).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('leaves the second slot of ld_imm64 out', () => {
    const r = run([...I.ld64(0, 1), I.exit()]);
    expect(r.postorder).toEqual([2, 0]);
    expect(r.aux[1]!.postorder).toBeUndefined();
  });
});

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`kernel agreement on SCC ids ${avail.ok ? '' : avail.reason}`, () => {
  for (const [name, p, want] of CASES) {
    it(name, () => {
      const k = parseLiveRegs(bpfProgLoad(encode(p), 'socket', 0, 2).log);
      expect(k, 'kernel printed live regs').toBeDefined();
      const got = p.map((_, i) => k!.get(i)?.scc ?? 0);
      expect(got).toEqual(want);
    });
  }
});
