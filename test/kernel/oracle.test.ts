import { describe, expect, test } from 'vitest';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram, BPF_F_TEST_STATE_FREQ } from '../../src/isa/program.js';

const avail = bpfAvailable();
const why = avail.ok ? '' : avail.reason;

describe.skipIf(!avail.ok)(`live kernel oracle${why ? ` (skipped: ${why})` : ''}`, () => {
  const prog = (text: string, flags = 0) => makeProgram(assemble(text), { progType: 'raw_tp', flags });
  const loop = `r0 = 0;
l0: r0 += 1;
if r0 < 10 goto l0;
exit;`;

  test('accept with statistics at every log level', () => {
    for (const lvl of [0, 1, 2, 4]) {
      const r = loadInKernel(prog(loop), { logLevel: lvl });
      expect(r.verdict).toBe('accept');
      expect(r.errno).toBe(0);
      expect(r.error).toBe('');
      expect(r.insns).toBeGreaterThan(10);
      expect(r.log).toBeUndefined();
    }
    // Statistics do not depend on the log level.
    const a = loadInKernel(prog(loop), { logLevel: 0 });
    const b = loadInKernel(prog(loop), { logLevel: 2 });
    expect([a.insns, a.total_states, a.peak_states, a.max_states_per_insn]).toEqual([b.insns, b.total_states, b.peak_states, b.max_states_per_insn]);
  });

  test('reject: errno and last meaningful line, also at level 0', () => {
    for (const lvl of [0, 1, 2]) {
      const r = loadInKernel(prog('exit;'), { logLevel: lvl, keepLog: true });
      expect(r).toMatchObject({ verdict: 'reject', errno: 13, error: 'R0 !read_ok', insns: 1 });
      expect(r.log).toContain('processed 1 insns');
    }
  });

  test('mark_precise lines at level 2; BPF_F_TEST_STATE_FREQ adds states', () => {
    const text = 'r2 = 8; r2 = -r2; if r2 != -8 goto l1; r1 = r10; r1 += r2; l1: r0 = 0; exit;';
    const r = loadInKernel(prog(text), { logLevel: 2 });
    expect(r.markPrecise).toContain('mark_precise: frame0: regs=r2 stack= before 0: (b7) r2 = 8');
    const f = loadInKernel(prog(loop, BPF_F_TEST_STATE_FREQ), { logLevel: 0 });
    expect(f.total_states).toBeGreaterThan(loadInKernel(prog(loop), { logLevel: 0 }).total_states);
  });
});
