// Global (BTF_FUNC_GLOBAL) subprograms: calls are checked against the BTF
// prototype and return an unknown scalar; each called global subprog is then
// verified on its own. Offline checks of the model, then the same programs
// against the live kernel at log levels 1, 2 and stats (skipped without bpf()).
import { describe, expect, test } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram, type ProgType, type Program } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { liveProfile } from '../liveProfile.js';
import { describeAgainstLiveKernel } from './liveKernel.js';

type Funcs = NonNullable<Program['funcs']>;
const S = (params: number): Funcs[number] => ({ linkage: 'static', params });
const G = (params: number): Funcs[number] => ({ linkage: 'global', params });

const C = (params: number): Funcs[number] => ({ linkage: 'global', params, ctx: true });

const CASES: Array<{ name: string; src: string; funcs: Funcs; type?: ProgType }> = [
  {
    name: 'the context passed to a global subprog that reads it',
    funcs: [S(1), C(2)],
    src: `r6 = r1
      call bpf_get_prandom_u32
      r2 = r0
      r1 = r6
      call f1
      r0 = 0
      exit
    f1: r0 = *(u32 *)(r1 + 0)
      r0 += r2
      r0 &= 1
      exit`,
  },
  {
    name: 'a scalar passed for the context',
    funcs: [S(1), C(1)],
    src: `r1 = 0
      call f1
      r0 = 0
      exit
    f1: r0 = *(u32 *)(r1 + 0)
      exit`,
  },
  {
    name: 'an xdp context passed on, through a static subprog that expects it',
    type: 'xdp',
    funcs: [S(1), { linkage: 'static', params: 1, ctx: true }, C(1)],
    src: `r6 = r1
      r1 = 5
      call f1
      r1 = r6
      call f2
      r0 = 2
      exit
    f1: r0 = r1
      exit
    f2: r2 = *(u32 *)(r1 + 4)
      r3 = *(u32 *)(r1 + 0)
      r0 = 1
      exit`,
  },
  {
    name: 'scalar args, a branch in the global subprog',
    funcs: [S(1), G(2)],
    src: `call bpf_get_prandom_u32
      r1 = r0
      r2 = 5
      call f1
      r0 = 0
      exit
    f1: r0 = r1
      if r1 > 10 goto l
      r0 += r2
    l: r0 &= 1
      exit`,
  },
  {
    name: 'global calls global and a static subprog; verified in order, twice over',
    funcs: [S(1), G(2), G(1), S(0)],
    src: `call bpf_get_prandom_u32
      r6 = r0
      r1 = r0
      call f2
      if r0 > 3 goto out
      r1 = r6
      r2 = r0
      call f1
    out: r0 = 0
      exit
    f1: r0 = r1
      r0 += r2
      call f3
      r0 = 1
      exit
    f2: r0 = r1
      r0 &= 7
      r1 = 1
      r2 = 2
      r6 = r0
      call f1
      r0 = r6
      r0 &= 3
      exit
    f3: r0 = 0
      exit`,
  },
  {
    name: 'a pointer passed for a scalar parameter',
    funcs: [S(1), G(1)],
    src: `r1 = r10
      call f1
      r0 = 0
      exit
    f1: r0 = 0
      exit`,
  },
  {
    name: 'a global subprog returning a pointer',
    funcs: [S(1), G(1)],
    src: `r1 = 3
      call f1
      r0 = 0
      exit
    f1: r0 = r10
      exit`,
  },
  {
    name: 'precision from a stack access back to the argument at entry',
    funcs: [S(1), G(1)],
    src: `call bpf_get_prandom_u32
      r1 = r0
      r1 &= 7
      call f1
      r0 = 0
      exit
    f1: r2 = r1
      if r2 > 7 goto bad
      r3 = r10
      r3 += -8
      r3 += r2
      r3 += -8
      *(u8 *)(r3 + 0) = 1
      r0 = 0
      exit
    bad: r0 = 1
      exit`,
  },
  {
    name: 'a global call inside a bounded loop',
    funcs: [S(1), G(1)],
    src: `r6 = 0
    loop: r1 = r6
      call f1
      r6 += 1
      if r6 < 5 goto loop
      r0 = 0
      exit
    f1: r0 = r1
      r0 *= 2
      exit`,
  },
];

const program = (c: (typeof CASES)[number]): Program => makeProgram(assemble(c.src), { name: c.name, funcs: c.funcs, progType: c.type ?? 'socket' });
const model = (p: Program, logLevel: number) => verifyProgram(p, { history: new CopyHistory(), logLevel, profile: liveProfile() });

describe('global subprograms in the model', () => {
  test('the call is assumed valid, the subprog is validated after main with unknown scalar args', () => {
    const r = model(program(CASES[3]!), 2);
    expect(r.verdict).toBe('accept');
    const log = r.log ?? '';
    expect(log).toContain("Func#1 ('func1') is global and assumed valid.\n4: R0=scalar()\n");
    expect(log).toContain('Validating func1() func#1...\n6: R1=scalar() R2=scalar() R10=fp0\n');
    expect(log.indexOf('Validating')).toBeGreaterThan(log.indexOf('5: (95) exit'));
    expect(log).toMatch(/Func#1 \('func1'\) is safe for any args that match its prototype\nprocessed 13 insns/);
  });

  test('every global subprog reached is verified once, in index order', () => {
    const log = model(program(CASES[4]!), 2).log ?? '';
    expect(log.match(/Validating func\d\(\)/g)).toEqual(['Validating func1()', 'Validating func2()']);
  });

  test('a ctx parameter takes the context and starts as PTR_TO_CTX', () => {
    const log = model(program(CASES[0]!), 2).log ?? '';
    expect(log).toContain('Validating func1() func#1...\n7: R1=ctx() R2=scalar() R10=fp0\n');
    expect(model(program(CASES[1]!), 0)).toMatchObject({ verdict: 'reject', errno: 22, error: "Caller passes invalid args into func#1 ('func1')" });
    expect(model(program(CASES[1]!), 2).log).toContain('arg#0 expects pointer to ctx\n');
  });

  test('bad arguments and a non-scalar return are rejected with the kernel messages', () => {
    expect(model(program(CASES[5]!), 0)).toMatchObject({ verdict: 'reject', errno: 22, error: "Caller passes invalid args into func#1 ('func1')" });
    expect(model(program(CASES[6]!), 0)).toMatchObject({ verdict: 'reject', errno: 22, error: 'At subprogram exit the register R0 is not a scalar value (fp)' });
  });

  test('backtracking stops at the global entry and marks the argument precise', () => {
    const log = model(program(CASES[7]!), 2).log ?? '';
    expect(log).toMatch(/mark_precise: frame0: last_idx -?\d+ first_idx 6/);
  });
});

describeAgainstLiveKernel('global subprograms', CASES.map(program), model);
