// The verifier model under copy and shared: identical Results with backedge
// propagation off; a divergence (found by searchSupport) with it on.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { AuditedHistory } from '../../src/history/audited.js';
import { CopyHistory } from '../../src/history/copy.js';
import { SharedHistory } from '../../src/history/shared.js';
import { HISTORY_KINDS, isHistoryKind, makeHistory } from '../../src/history/index.js';
import { findProfile, type KernelProfile } from '../../src/verifier/profile/index.js';
import { generatePrograms, PRESET_NAMES } from '../../generators/index.js';
import { DIVERGENT, genLoopAsm, prng, runPair, withoutHistory } from './searchSupport.js';

const PROGRAMS: Record<string, string> = {
  'straight line': 'r0 = 1\nr0 += 2\nr0 *= 3\nexit',
  'diamond on a random value': `
    call bpf_get_prandom_u32
    if r0 > 7 goto a
    r0 = 1
    goto b
  a: r0 = 2
  b: exit`,
  'spill, fill and a branch that needs precision': `
    call bpf_get_prandom_u32
    r6 = r0
    *(u64 *)(r10 - 8) = r6
    r1 = 0
  l: r1 += 1
    if r1 < 10 goto l
    r2 = *(u64 *)(r10 - 8)
    if r2 > 5 goto out
    r0 = 1
  out:
    r0 = 0
    exit`,
  'may_goto loop with branches and spills': `
    r6 = 0
    r7 = 0
    *(u64 *)(r10 - 8) = r6
  l: may_goto x
    call bpf_get_prandom_u32
    r6 = r0
    r6 &= 3
    if r0 > 3 goto s
    *(u64 *)(r10 - 8) = r6
  s: r7 = 1
    goto l
  x: r1 = *(u64 *)(r10 - 8)
    if r1 == 2 goto d
    r0 = 0
    exit
  d: r0 = 1
    exit`,
};


describe('copy and shared through the verifier model', () => {
  for (const [name, src] of Object.entries(PROGRAMS)) {
    it(`${name}: identical Results with backedge propagation off, no audit violation`, () => {
      const p = makeProgram(assemble(src));
      const r = runPair(p, false);
      expect(r.copy.verdict).toBe('accept');
      expect(withoutHistory(r.shared)).toEqual(withoutHistory(r.copy));
      expect(r.audit.violations()).toEqual([]);
      expect(r.audit.warnings()).toEqual([]);
      // Shared never copies entries.
      expect(r.shared.history?.entriesCopied).toBe(0);
      expect(r.shared.history?.entriesWritten).toBe(r.copy.history?.entriesWritten);
    });
  }

  it('identical Results on 150 random may_goto loop programs with backedge propagation off', () => {
    let checked = 0;
    for (let s = 1; s <= 150; s++) {
      const p = makeProgram(assemble(genLoopAsm(prng(s))));
      const r = runPair(p, false);
      if (r.copy.verdict === 'unsupported') continue;
      checked++;
      expect(withoutHistory(r.shared), `seed ${s}`).toEqual(withoutHistory(r.copy));
      expect(r.audit.violations(), `seed ${s}`).toEqual([]);
    }
    expect(checked).toBeGreaterThan(140);
  });

  it('diverges with backedge propagation on: a backedge state reads entries a later path overwrote', () => {
    const p = makeProgram(assemble(DIVERGENT));
    const off = runPair(p, false);
    expect(off.same).toBe(true);
    const on = runPair(p, true);
    expect(on.copy.verdict).toBe('accept');
    expect(on.shared.verdict).toBe('accept');
    expect(on.shared.log).not.toEqual(on.copy.log);
    // Checkpoint 3 (insn 14) gets r6 precise under copy only.
    expect(on.copy.precision?.[3]).toEqual({ insnIdx: 14, frames: [{ frameno: 0, regs: [6, 7], stackSlots: [1] }] });
    expect(on.shared.precision?.[3]).toEqual({ insnIdx: 14, frames: [{ frameno: 0, regs: [7], stackSlots: [1] }] });
    const v = on.audit.violations();
    expect(v.length).toBeGreaterThan(0);
    const bad = v[0];
    expect(bad?.kind).toBe('read-fidelity');
    const st = on.audit.states()[bad?.states[0] ?? -1];
    expect(st?.origin).toBe('backedge');
    // The copy holds the spill at insn 13 (fp-8, INSN_F_STACK_ACCESS); shared reads the other branch's 12 -> 14 jump.
    expect(bad?.expected?.map((e) => `${e.idx}<-${e.prevIdx}`)).toEqual(['5<-14', '7<-6', '9<-8', '12<-11', '13<-12', '14<-13']);
    expect(bad?.actual?.map((e) => `${e.idx}<-${e.prevIdx}`)).toEqual(['5<-14', '7<-6', '9<-8', '12<-11', '14<-12', '5<-14']);
    // The audit of copy itself stays clean on the same program.
    const ac = new AuditedHistory(new CopyHistory());
    verifyProgram(p, { history: ac, backedgePropagation: true, logLevel: 2 });
    expect(ac.violations()).toEqual([]);
  });

  // The seed patch's claim, on the verifier it was written for: with no SCCs
  // (6.12 tracks loop entries instead) nothing reads a finished path's slice.
  it('profile 6.12, backedge on: the divergent program and 40 programs per preset are identical, no audit violation', () => {
    const p612 = findProfile('6.12') as KernelProfile;
    const d = runPair(makeProgram(assemble(DIVERGENT)), true, 2, p612);
    expect(d.same).toBe(true);
    expect(d.audit.violations()).toEqual([]);
    for (const preset of PRESET_NAMES) {
      for (const p of generatePrograms({ preset, count: 40, seed: 5 }).programs) {
        const r = runPair(p, true, 2, p612);
        expect(withoutHistory(r.shared), p.name).toEqual(withoutHistory(r.copy));
        expect(r.audit.violations(), p.name).toEqual([]);
      }
    }
  });

  it('an injected fault is caught on a real program', () => {
    const p = makeProgram(assemble(PROGRAMS['may_goto loop with branches and spills'] ?? ''));
    const h = new AuditedHistory(new SharedHistory({ fault: 'child-starts-early' }));
    verifyProgram(p, { history: h, backedgePropagation: false, logLevel: 2 });
    expect(h.violations().map((v) => v.kind)).toContain('chain-shape');
  });
});

describe('makeHistory', () => {
  it('builds every known kind', () => {
    expect(HISTORY_KINDS).toEqual(['copy', 'shared', 'pinned', 'audited', 'audited-copy', 'audited-shared', 'audited-pinned']);
    expect(HISTORY_KINDS.map((k) => makeHistory(k).name)).toEqual(
      ['copy', 'shared', 'pinned', 'audited(shared)', 'audited(copy)', 'audited(shared)', 'audited(pinned)']);
    expect(makeHistory('pinned', { fault: 'reset-keeps-start' }).name).toBe('pinned!reset-keeps-start');
    expect(makeHistory('audited', { fault: 'reset-keeps-start' }).name).toBe('audited(shared!reset-keeps-start)');
    expect(isHistoryKind('audited')).toBe(true);
    expect(isHistoryKind('nope')).toBe(false);
  });
});
