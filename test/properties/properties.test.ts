// The properties on fixed programs and on a small fixed-seed sample of
// generated ones: equivalence with backedge propagation off, the known
// divergence with it on, and every injected fault caught.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { programArb, renderProgram } from '../../generators/index.js';
import {
  chainShape, checkProperties, historiesAgree, modelMatchesKernel, noClobber, readFidelity, sharedMatchesCopy,
  type PropertyOutcome,
} from '../../properties/index.js';

const STRAIGHT = makeProgram(assemble('r0 = 1\nr0 += 2\nexit'));
// test/conformance/programs/loop_may_goto_branch.s: precision over a may_goto backedge.
const DIVERGENT = makeProgram(assemble(`
call 7
r6 = r0
r7 = 0
l1: may_goto l3
if r6 > 10 goto l2
r7 = 1
goto l1
l2: r7 = 2
goto l1
l3: r1 = r10
r1 += -8
r1 += r7
r0 = 0
exit`));

// Found by `verihist fuzz --backedge on --seed 1` (run 116) and shrunk: precision marks differ.
const SHRUNK = makeProgram(assemble(`
*(u64 *)(r10 -8) = 1
r7 = 8
l0: may_goto out
may_goto back
*(u64 *)(r10 -8) = r7
r1 = r7
r6 = r10
r6 += r1
back: goto l0
out: r0 = 0
exit`));

const failed = (o: PropertyOutcome): boolean => !o.ok;

describe('sharedMatchesCopy / historiesAgree', () => {
  it('agrees on a straight-line program, any pair of kinds', () => {
    expect(sharedMatchesCopy(STRAIGHT)).toEqual({ ok: true });
    expect(historiesAgree(STRAIGHT, 'audited-copy', 'audited', { backedge: false })).toEqual({ ok: true });
  });

  it('agrees on the shrunk program with backedge propagation off, diverges in precision with it on', () => {
    expect(sharedMatchesCopy(SHRUNK, { backedge: false })).toEqual({ ok: true });
    const on = sharedMatchesCopy(SHRUNK, { backedge: true });
    expect(on.ok).toBe(false);
    if (on.ok) return;
    expect(on.diff.summary).toMatch(/copy and shared differ in .*precision/);
    expect(on.diff.fields?.map((f) => f.field)).toContain('precision');
    expect(on.diff.lines.join('\n')).toMatch(/copy\s+state #\d+/);
  });

  it('loop_may_goto_branch.s differs only in the log: caught with fullLog', () => {
    expect(sharedMatchesCopy(DIVERGENT, { backedge: true })).toEqual({ ok: true });
    const on = sharedMatchesCopy(DIVERGENT, { backedge: true, fullLog: true });
    expect(on.ok).toBe(false);
    if (!on.ok) expect(on.diff.fields?.map((f) => f.field)).toEqual(expect.arrayContaining(['log', 'mark_precise']));
  });

  it('a fault goes into the implementation under test only', () => {
    const o = historiesAgree(DIVERGENT, 'copy', 'shared', { backedge: false, fault: 'reset-keeps-start' });
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.diff.lines[0]).toMatch(/copy vs shared!reset-keeps-start/);
  });
});

describe('audit properties', () => {
  it('hold on the may_goto program with backedge off', () => {
    for (const p of [noClobber, readFidelity, chainShape]) expect(p(DIVERGENT, { backedge: false })).toEqual({ ok: true });
  });

  it('readFidelity fails with backedge on (the backedge read sees overwritten entries)', () => {
    const o = readFidelity(DIVERGENT, { backedge: true });
    expect(o.ok).toBe(false);
    if (!o.ok) {
      expect(o.diff.violations?.[0]?.kind).toBe('read-fidelity');
      expect(o.diff.lines.join('\n')).toMatch(/VIOLATION read-fidelity/);
    }
  });

  it('each fault is caught by some audit property; checkProperties shares one audited run', () => {
    const faults = ['child-starts-early', 'reset-forgets-parent-end', 'reset-keeps-start', 'pop-keeps-end'] as const;
    for (const fault of faults) {
      const m = checkProperties(['noClobber', 'readFidelity', 'chainShape'], DIVERGENT, { backedge: false, fault });
      expect([...m.values()].some(failed), fault).toBe(true);
    }
  });

  it('audits copy when it is the implementation under test, and copy passes', () => {
    const m = checkProperties(['noClobber', 'readFidelity', 'chainShape'], DIVERGENT, { backedge: false, b: 'copy' });
    for (const o of m.values()) expect(o).toEqual({ ok: true });
  });
});

describe('fixed-seed generated programs (small budget)', () => {
  const trees = fc.sample(programArb('loops'), { seed: 7, numRuns: 40 });
  const programs = trees.map((t, i) => renderProgram(t, `loops_${i}`));

  it('backedge off: sharedMatchesCopy and the audits hold on 40 loop programs', () => {
    for (const p of programs) {
      const m = checkProperties(['sharedMatchesCopy', 'noClobber', 'readFidelity', 'chainShape'], p, { backedge: false });
      for (const [name, o] of m) expect(o, `${p.name} ${name}`).toMatchObject({ ok: true });
    }
  });

  it('fc.assert over small programs with backedge off', () => {
    fc.assert(fc.property(programArb('small'), (t) => sharedMatchesCopy(renderProgram(t), { backedge: false }).ok), { seed: 3, numRuns: 60 });
  });
});

const kernel = bpfAvailable();
describe.skipIf(!kernel.ok)(`modelMatchesKernel (live kernel${kernel.ok ? '' : `: ${kernel.reason}`})`, () => {
  it('agrees on simple programs', () => {
    expect(modelMatchesKernel(STRAIGHT)).toEqual({ ok: true });
    expect(modelMatchesKernel(DIVERGENT)).toEqual({ ok: true });
  });
  it('reports a rejection on both sides as agreement', () => {
    expect(modelMatchesKernel(makeProgram(assemble('exit')))).toEqual({ ok: true });
  });
});

describe('modelMatchesKernel without a kernel', () => {
  it.skipIf(kernel.ok)('is skipped with the reason', () => {
    const o = modelMatchesKernel(STRAIGHT);
    expect(o.ok).toBe(true);
    if (o.ok) expect(o.skipped).toMatch(/live kernel unavailable/);
  });
});
