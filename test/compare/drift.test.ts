import { describe, expect, it } from 'vitest';
import { driftMarkdown, driftTable, insnAtLogLine, type DriftOracle } from '../../src/compare/drift.js';
import { makeHistory } from '../../src/history/index.js';
import { makeProgram } from '../../src/isa/program.js';
import { assemble } from '../../src/isa/asm.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { PROFILES } from '../../src/verifier/profile/index.js';
import type { Result } from '../../src/result/result.js';

const prog = (name: string, src: string) => ({ name, program: makeProgram(assemble(src), { name }) });

describe('drift table', () => {
  it('finds the instruction a log line is about', () => {
    const log = 'func#0 @0\n0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n1: (95) exit\nprocessed 2 insns';
    expect(insnAtLogLine(log, 1)).toBeUndefined();
    expect(insnAtLogLine(log, 3)).toBe(0);
    expect(insnAtLogLine(log, 5)).toBe(1);
  });

  it('counts agreement per profile and groups differing logs by instruction', async () => {
    const programs = [prog('a', 'r0 = 0\nexit'), prog('b', 'r0 = 1\nexit'), prog('c', 'r1 = 2\nr0 = r1\nexit')];
    const profile = PROFILES[PROFILES.length - 1]!;
    const model = (p: (typeof programs)[number]): Result => verifyProgram(p.program, { history: makeHistory('copy'), backedgePropagation: true, logLevel: 2, profile });
    // a fake kernel: agrees on a, differs in one log line of b at insn 1, crashes on c
    const oracle: DriftOracle = {
      name: 'fake', release: '9.9',
      loadAll: async (ps) => ps.map((p) => {
        if (p.name === 'c') return undefined;
        const r = model(p);
        if (p.name === 'b') r.log = r.log!.replace('1: (95) exit', '1: (95) exit ; odd');
        return r;
      }),
    };
    const rep = await driftTable(programs, [oracle], [profile], { seed: 1, perPreset: 0, backedge: true });
    const k = rep.kernels[0]!;
    expect(k.cells[0]).toMatchObject({ profile: profile.name, compared: 2, excluded: 1, verdict: 2, statistics: 2, markPrecise: 2, log: 1 });
    expect(k.groups).toEqual([expect.objectContaining({ at: '(N) exit', count: 1, examples: ['b'] })]);
    const md = driftMarkdown(rep, '# t');
    expect(md).toContain('| fake | 9.9 | 2/3 | **' + profile.name + '** | 2 | 100.0% | 100.0% | 100.0% | 50.0% |');
  });
});
