import { describe, expect, it } from 'vitest';
import { encodeProgram } from '../../src/isa/encode.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import {
  COVERAGE_KEYS, CountingHistory, addToSummary, coverageFromLog, coverageFromResult, emptySummary, type CoverageSummary,
} from '../../generators/coverage.js';
import { generatePrograms, type PresetName } from '../../generators/index.js';

const kernel = bpfAvailable();

describe('coverageFromLog', () => {
  it('reads each flag from the lines the verifier prints', () => {
    const log = [
      '7: (25) if r0 > 0x17 goto pc+2',
      'mark_precise: frame0: last_idx 20 first_idx 7 subseq_idx -1 ',
      'mark_precise: frame0: regs=r2 stack= before 9: (25) if r1 > 0x3 goto pc+4',
      'mark_precise: frame0: regs=r1,r2 stack= before 8: (07) r2 += 4',
      'mark_precise: frame0: regs= stack=-8 before 7: (79) r1 = *(u64 *)(r10 -8)',
      'mark_precise: frame0: parent state regs=r0 stack=:  R0=Pscalar(id=2) R10=fp0',
      'from 12 to 14: safe',
      'SCC enter (1)',
      'SCC backedge (1)',
      'SCC exit (1)',
      'frame 0: propagating r6',
      'mark_precise: frame0: last_idx 5 first_idx 3 subseq_idx -1 ',
    ].join('\n');
    expect(coverageFromLog(log)).toEqual({
      backtrackAcrossStates: true, pruned: true, sccEnter: true, sccBackedge: true, backedgePropagation: true,
      linkedRegs: true, stackAccess: true, backtrackAcrossCall: false, frameHistory: false, otherFrameStack: false,
      globalSubprog: false, loopCallback: false, mapElemCallback: false, ringbufCallback: false, findVmaCallback: false, asyncCallback: false,
    });
  });

  it('reads the call flags from backtracking through exits, call insns and callee frames', () => {
    // from the kernel's log of a caller branching on what a callee returned
    const log = [
      '8: (25) if r0 > 0xf goto pc+1',
      'mark_precise: frame0: last_idx 8 first_idx 14 subseq_idx -1 ',
      'mark_precise: frame0: regs=r0 stack= before 17: (95) exit',
      'mark_precise: frame1: regs=r0 stack= before 16: (57) r0 &= 15',
      'mark_precise: frame1: regs=r2 stack= before 14: (7b) *(u64 *)(r1 +8) = r2',
      'mark_precise: frame1: regs=r2 stack= before 7: (85) call pc+6',
      'mark_precise: frame0: regs=r2 stack= before 6: (57) r2 &= 7',
    ].join('\n');
    const f = coverageFromLog(log);
    expect([f.backtrackAcrossCall, f.frameHistory, f.otherFrameStack]).toEqual([true, true, true]);
    const entry = coverageFromLog('mark_precise: frame1: regs=r1 stack= before 7: (85) call pc+6\n');
    expect([entry.backtrackAcrossCall, entry.frameHistory, entry.otherFrameStack]).toEqual([true, true, false]);
    // var-offset reads of the own frame (offset 0) and helper calls are not call edges nor other-frame accesses
    const own = coverageFromLog([
      'mark_precise: frame1: regs=r3 stack= before 9: (79) r3 = *(u64 *)(r3 +0)',
      'mark_precise: frame1: regs=r1 stack= before 8: (85) call bpf_get_prandom_u32#7',
    ].join('\n'));
    expect([own.backtrackAcrossCall, own.frameHistory, own.otherFrameStack]).toEqual([false, true, false]);
    expect(coverageFromLog('mark_precise: frame0: regs=r1 stack= before 2: (7b) *(u64 *)(r10 -8) = r1\n').frameHistory).toBe(false);
  });

  it('needs the propagation right after the exit of a visit that had a backedge', () => {
    const none = coverageFromLog('SCC enter (3)\nSCC exit (3)\nframe 0: propagating r1\n');
    expect(none.sccEnter).toBe(true);
    expect(none.backedgePropagation).toBe(false);
    const late = coverageFromLog('SCC enter (3)\nSCC backedge (3)\nSCC exit (3)\n12: (b7) r0 = 0\nframe 0: propagating r1\n');
    expect(late.sccBackedge).toBe(true);
    expect(late.backedgePropagation).toBe(false);
    const plain = coverageFromLog('0: (b7) r0 = 0\n1: (95) exit\n');
    expect(Object.values(plain).every((v) => v === false)).toBe(true);
  });

  it('does not take register growth at an ALU insn or a reg-reg jump as linked registers', () => {
    const alu = coverageFromLog([
      'mark_precise: frame0: regs=r2 stack= before 9: (0f) r2 += r3',
      'mark_precise: frame0: regs=r2,r3 stack= before 8: (07) r2 += 4',
    ].join('\n'));
    expect(alu.linkedRegs).toBe(false);
    const jx = coverageFromLog([
      'mark_precise: frame0: regs=r2 stack= before 9: (2d) if r2 > r3 goto pc+4',
      'mark_precise: frame0: regs=r2,r3 stack= before 8: (07) r2 += 4',
    ].join('\n'));
    expect(jx.linkedRegs).toBe(false);
  });
});

describe('model coverage', () => {
  it('counts history entries through the seam and tallies verdicts, unsupported included', () => {
    const { programs } = generatePrograms({ preset: 'small', count: 30, seed: 5 });
    const s = emptySummary();
    for (const p of programs) {
      const h = new CountingHistory(new CopyHistory());
      const r = verifyProgram(p, { history: h, logLevel: 2 });
      addToSummary(s, r.verdict, r.verdict === 'unsupported' ? undefined : coverageFromResult(r, h.counts));
      if (r.verdict !== 'unsupported') expect(r.log).toContain('processed ');
    }
    expect(s.programs).toBe(30);
    expect(s.accept + s.reject + s.unsupported).toBe(30);
    // every small program spills, fills or reads the stack through a variable offset
    expect(s.flags.stackAccess).toBeGreaterThan(10);
    // small has no calls
    expect(s.flags.frameHistory + s.flags.otherFrameStack + s.flags.backtrackAcrossCall).toBe(0);
    console.log(`generators: model small/30 ${fmt(s)}`);
  });
});

const fmt = (s: CoverageSummary): string =>
  `accept ${s.accept} reject ${s.reject} unsupported ${s.unsupported} | ` +
  COVERAGE_KEYS.map((k) => `${k} ${Math.round((100 * s.flags[k]) / s.programs)}%`).join(', ');

describe.skipIf(!kernel.ok)(`kernel coverage${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
  const run = (preset: PresetName, n: number): CoverageSummary => {
    const s = emptySummary();
    for (const p of generatePrograms({ preset, count: n, seed: 77 }).programs) {
      const r = bpfProgLoad(encodeProgram(p.insns), 'socket', 0, 2);
      addToSummary(s, r.fd >= 0 ? 'accept' : 'reject', coverageFromLog(r.log));
    }
    console.log(`generators: kernel ${preset}/${n} ${fmt(s)}`);
    return s;
  };

  it('small: >= 50% backtrack across states, >= 30% prune', () => {
    const s = run('small', 200);
    expect(s.flags.backtrackAcrossStates / s.programs).toBeGreaterThanOrEqual(0.5);
    expect(s.flags.pruned / s.programs).toBeGreaterThanOrEqual(0.3);
  });

  it('calls: >= 50% backtrack across a call, >= 20% backtrack through a callee access into a caller stack', () => {
    const s = run('calls', 150);
    expect(s.flags.backtrackAcrossCall / s.programs).toBeGreaterThanOrEqual(0.5);
    expect(s.flags.frameHistory / s.programs).toBeGreaterThanOrEqual(0.5);
    expect(s.flags.otherFrameStack / s.programs).toBeGreaterThanOrEqual(0.2);
  });

  it('loops: >= 50% enter an SCC, >= 20% propagate over a backedge', () => {
    const s = run('loops', 150);
    expect(s.flags.sccEnter / s.programs).toBeGreaterThanOrEqual(0.5);
    expect(s.flags.backedgePropagation / s.programs).toBeGreaterThanOrEqual(0.2);
  });
});
