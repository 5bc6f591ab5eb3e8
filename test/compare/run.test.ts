import { describe, expect, test } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram } from '../../src/isa/program.js';
import { compareProgram, runSide } from '../../src/compare/run.js';
import { historyAvailable, makeHistoryOf } from '../../src/compare/history.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { liveProfile } from '../liveProfile.js';

const prog = makeProgram(assemble('call 7\nr1 = r0\nr1 &= 7\nif r1 > 3 goto +2\nr2 = r10\nr2 += r1\nr0 = 0\nexit\n'));
const opts = { backedge: true, logLevel: 2, profile: liveProfile() };

describe('model runs', () => {
  test('copy history is always available', async () => {
    expect(await historyAvailable('copy')).toBe(true);
    expect((await makeHistoryOf('copy')).name).toBe('copy');
  });
  test('a model side returns the model Result with its log and history stats', async () => {
    const s = await runSide('copy', prog, opts);
    expect(s.crash).toBeUndefined();
    expect(s.result.verdict).toBe('accept');
    expect(s.result.insns).toBe(10);
    expect(s.result.log).toMatch(/processed 10 insns/);
    expect(s.result.history?.entriesWritten).toBeGreaterThan(0);
  });
  test('copy vs copy agrees on every field including precision', async () => {
    const c = await compareProgram('p', prog, 'copy', 'copy', opts);
    expect(c.status).toBe('compared');
    expect(c.diff?.differing).toEqual([]);
    expect(c.diff?.agree.precision).toBe(true);
  });
  test('a program the model cannot handle is unsupported, not diffed', async () => {
    // ld_imm64 with BPF_PSEUDO_MAP_IDX is not modelled (yet); fall back to any unsupported construct.
    const p = makeProgram(assemble('.insn 0x18, 1, 5, 0, 0\n.insn 0x00, 0, 0, 0, 0\nr0 = 0\nexit\n'));
    const c = await compareProgram('u', p, 'copy', 'copy', opts);
    if (c.a.result.verdict !== 'unsupported') return; // the model learned it: nothing to check here
    expect(c.status).toBe('unsupported');
    expect(c.diff).toBeUndefined();
    expect(c.note).toMatch(/^model: .*insn 0/);
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`model vs kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('a small branching program agrees with the kernel, log included', async () => {
    const c = await compareProgram('p', prog, 'copy', 'kernel', opts);
    expect(c.status).toBe('compared');
    expect(c.diff?.differing).toEqual([]);
    expect(c.b.result.markPrecise).toHaveLength(6);
    expect(c.diff?.agree.precision).toBeUndefined();
  });
});
