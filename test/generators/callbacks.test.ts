// The callbacks preset: global subprograms (BTF func_info, verified on their
// own), bpf_loop callbacks and bpf_timer (async) callbacks mixed with static calls. Programs carry func info for every subprogram
// exactly when one is global; the kernel loads them and the model agrees with
// it; shrinking keeps every candidate loadable.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPF_CALL, BPF_JMP, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '../../src/isa/opcode.js';
import type { Program } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { compareProgram } from '../../src/compare/run.js';
import { coverageFromResult, generatePrograms, renderProgram, shrinkableProgramArb, type ProgramTree } from '../../generators/index.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { liveProfile } from '../liveProfile.js';

const kernel = bpfAvailable();
/** Subprogram starts: 0, bpf-to-bpf call targets and callbacks loaded with ld_imm64. */
const subprogStarts = (p: Program): number[] => [...new Set([0, ...p.insns.flatMap((x, i) =>
  (x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL) || (x.code === 0x18 && x.src === BPF_PSEUDO_FUNC) ? [i + x.imm + 1] : [])])];
const globals = (p: Program): number => p.funcs?.filter((f) => f.linkage === 'global').length ?? 0;
const loopCallbacks = (p: Program): number => p.insns.filter((x) => x.code === 0x18 && x.src === BPF_PSEUDO_FUNC).length;
const helperCalls = (p: Program, id: number): number => p.insns.filter((x) => x.code === (BPF_JMP | BPF_CALL) && x.src === 0 && x.imm === id).length;
const timerCalls = (p: Program): number => helperCalls(p, 170);
const forEachCalls = (p: Program): number => helperCalls(p, 164);
const ringbufCalls = (p: Program): number => helperCalls(p, 209);

describe('callbacks preset', () => {
  const { programs } = generatePrograms({ preset: 'callbacks', count: 200, seed: 3 });

  it('most programs call a global subprog or run a bpf_loop callback; func info covers every subprogram', () => {
    expect(programs.filter((p) => globals(p) > 0).length).toBeGreaterThanOrEqual(100);
    expect(programs.filter((p) => loopCallbacks(p) > 0).length).toBeGreaterThanOrEqual(80);
    for (const p of programs) if (loopCallbacks(p) > 0 || globals(p) > 0) expect(p.funcs, p.name).toBeDefined();
    for (const p of programs) {
      if (!p.funcs) continue;
      expect(p.funcs, p.name).toHaveLength(subprogStarts(p).length);
      expect(p.funcs[0]?.linkage).toBe('static');
      expect(p.funcs.every((f) => f.params >= 0 && f.params <= 5)).toBe(true);
    }
  });

  it('coverage: >= 20% of programs verify a global subprog, explore a bpf_loop callback, an async callback (model log)', () => {
    let g = 0, l = 0, a = 0, e = 0, u = 0, v = 0;
    for (const p of programs) {
      const f = coverageFromResult(verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: liveProfile() }));
      if (f.globalSubprog) g++;
      if (f.loopCallback) l++;
      if (f.asyncCallback) a++;
      if (f.mapElemCallback) e++;
      if (f.ringbufCallback) u++;
      if (f.findVmaCallback) v++;
    }
    expect(v / programs.length).toBeGreaterThanOrEqual(0.05);
    expect(e / programs.length).toBeGreaterThanOrEqual(0.1);
    expect(u / programs.length).toBeGreaterThanOrEqual(0.05);
    expect(g / programs.length).toBeGreaterThanOrEqual(0.2);
    expect(l / programs.length).toBeGreaterThanOrEqual(0.2);
    expect(a / programs.length).toBeGreaterThanOrEqual(0.2);
  });

  it('timer, for-each and ring buffer programs carry the timer map and the ring buffer; timers are initialized first', () => {
    const mapped = programs.filter((p) => timerCalls(p) + forEachCalls(p) + ringbufCalls(p) > 0);
    expect(programs.filter((p) => timerCalls(p) > 0).length).toBeGreaterThanOrEqual(40);
    for (const p of programs) expect(p.maps.length, p.name).toBe(mapped.includes(p) ? 2 : 0);
    for (const p of mapped) expect([p.maps[0]?.timerOff, p.maps[1]?.type], p.name).toEqual([0, 'user_ringbuf']);
    for (const p of programs) expect(helperCalls(p, 169), p.name).toBeGreaterThanOrEqual(timerCalls(p));
  });

  it('presets without global calls still load without BTF', () => {
    for (const preset of ['calls', 'medium', 'deep'] as const) {
      expect(generatePrograms({ preset, count: 50, seed: 3 }).programs.every((p) => p.funcs === undefined)).toBe(true);
    }
  });

  it.skipIf(!kernel.ok)('model and kernel agree on the full level-2 log', async () => {
    for (const p of programs.slice(0, 40)) {
      const c = await compareProgram(p.name, p, 'copy', 'kernel', { backedge: true, logLevel: 2, profile: liveProfile() });
      expect(c.status, p.name).toBe('compared');
      expect(c.diff?.differing, p.name).toEqual([]);
    }
  });

  it.skipIf(!kernel.ok)('shrinking keeps every candidate loadable: two bpf_loop callbacks', () => {
    const tried: Program[] = [];
    const out = fc.check(fc.property(shrinkableProgramArb('callbacks'), (t) => {
      const p = renderProgram(t);
      tried.push(p);
      return loopCallbacks(p) < 2;
    }), { seed: 4, numRuns: 100 });
    expect(out.failed).toBe(true);
    const shrunk = renderProgram(out.counterexample?.[0] as ProgramTree);
    expect(loopCallbacks(shrunk)).toBe(2);
    expect(shrunk.insns.length).toBeLessThan(40);
    for (const p of new Map(tried.map((q) => [JSON.stringify(q.insns), q])).values()) {
      expect(loadInKernel(p, { logLevel: 0 }).verdict, 'shrink candidate').toBe('accept');
    }
  });

  it.skipIf(!kernel.ok)('shrinking a callbacks counterexample keeps every candidate loadable', () => {
    const tried: Program[] = [];
    const out = fc.check(fc.property(shrinkableProgramArb('callbacks'), (t) => {
      const p = renderProgram(t);
      tried.push(p);
      return globals(p) < 2;
    }), { seed: 4, numRuns: 100 });
    expect(out.failed).toBe(true);
    const shrunk = renderProgram(out.counterexample?.[0] as ProgramTree);
    expect(globals(shrunk)).toBe(2);
    expect(shrunk.insns.length).toBeLessThan(40);
    const seen = new Set<string>();
    for (const p of tried) {
      const key = JSON.stringify(p.insns);
      if (seen.has(key)) continue;
      seen.add(key);
      expect(loadInKernel(p, { logLevel: 0 }).verdict, 'shrink candidate').toBe('accept');
    }
  });
});
