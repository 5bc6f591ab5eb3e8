import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeProgram } from '../../src/isa/encode.js';
import { BPF_CALL, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_PSEUDO_CALL, opClass, opJmp } from '../../src/isa/opcode.js';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import {
  PRESET_NAMES, generatePrograms, programArb, renderProgram, type PresetName, type ProgramTree,
} from '../../generators/index.js';
import type { Program } from '../../src/isa/program.js';

const kernel = bpfAvailable();
const kernelReason = kernel.ok ? '' : kernel.reason;

const isJump = (i: Insn): boolean => {
  const c = opClass(i.code);
  return (c === BPF_JMP || c === BPF_JMP32) && opJmp(i.code) !== BPF_CALL && opJmp(i.code) !== BPF_EXIT;
};

/** Structural checks the renderer promises: jumps and calls land inside, the last insn is exit. */
function checkShape(p: Program): void {
  const n = p.insns.length;
  expect(n).toBeGreaterThanOrEqual(2);
  const last = p.insns[n - 1] as Insn;
  expect(last.code).toBe(BPF_JMP | BPF_EXIT);
  p.insns.forEach((ins, i) => {
    if (ins.code === (BPF_JMP | BPF_CALL) && ins.src === BPF_PSEUDO_CALL) {
      expect(i + 1 + ins.imm, `call at ${i}`).toBeGreaterThan(i);
      expect(i + 1 + ins.imm, `call at ${i}`).toBeLessThan(n);
    }
    if (!isJump(ins)) return;
    const t = i + 1 + ins.off;
    expect(t, `jump at ${i}`).toBeGreaterThanOrEqual(0);
    expect(t, `jump at ${i}`).toBeLessThan(n);
  });
  expect(encodeProgram(p.insns).length).toBe(8 * n);
}

// Programs with BTF func info (callbacks, global subprogs) go through the oracle, which loads the BTF too.
const accepts = (p: Program): boolean =>
  p.funcs ? loadInKernel(p, { logLevel: 0 }).verdict === 'accept' : bpfProgLoad(encodeProgram(p.insns), 'socket', 0, 0).fd >= 0;

describe('generators: rendering', () => {
  it.each(PRESET_NAMES)('every %s program renders, encodes and respects its size cap', (preset) => {
    const { programs } = generatePrograms({ preset, count: 150, seed: 1 });
    expect(programs).toHaveLength(150);
    const cap = { small: 30, medium: 200, loops: 160, deep: 200, risky: 120, calls: 220, callbacks: 220 }[preset];
    for (const p of programs) {
      checkShape(p);
      expect(p.insns.length).toBeLessThanOrEqual(cap);
      expect(p.progType).toBe('socket');
    }
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const bytes = (seed: number): string[] =>
      generatePrograms({ preset: 'medium', count: 40, seed }).programs.map((p) => Buffer.from(encodeProgram(p.insns)).toString('hex'));
    expect(bytes(1234)).toEqual(bytes(1234));
    expect(bytes(1234)).not.toEqual(bytes(1235));
    const g = generatePrograms({ preset: 'small', count: 3 });
    expect(Number.isInteger(g.seed)).toBe(true);
    expect(generatePrograms({ preset: 'small', count: 3, seed: g.seed }).programs).toEqual(g.programs);
  });

  it('loop presets produce backedges and may_goto; deep produces many branches', () => {
    const back = (p: Program): boolean => p.insns.some((ins) => isJump(ins) && ins.off < 0 && opJmp(ins.code) !== BPF_JA);
    const mayGoto = (p: Program): boolean => p.insns.some((ins) => ins.code === (BPF_JMP | BPF_JCOND));
    const loops = generatePrograms({ preset: 'loops', count: 200, seed: 3 }).programs;
    expect(loops.filter(back).length).toBeGreaterThan(100);
    expect(loops.filter(mayGoto).length).toBeGreaterThan(80);
    const deep = generatePrograms({ preset: 'deep', count: 100, seed: 3 }).programs;
    const branches = deep.map((p) => p.insns.filter((i) => isJump(i) && opJmp(i.code) !== BPF_JA).length);
    expect(branches.reduce((a, b) => a + b, 0) / branches.length).toBeGreaterThan(8);
  });

  it('renders any tree, including empty and hand-made odd ones', () => {
    const odd: ProgramTree[] = [
      { blocks: [], ret: null, maxInsns: 30 },
      { blocks: [{ t: 'if', reg: 3, op: 'jeq', imm: 1, reg2: null, w32: false, then: [{ t: 'rand', dst: 1 }], else: [] }], ret: 5, maxInsns: 30 },
      { blocks: [{ t: 'fill', dst: 0, slot: 3, size: 8, sub: 0, imm: 7 }], ret: 0, maxInsns: 30 },
      { blocks: [{ t: 'loop', n: 3, body: [{ t: 'mayGoto', body: [{ t: 'alu', steps: [{ op: 'add', dst: 2, src: 1, imm: 1, w32: false }] }] }] }], ret: 2, maxInsns: 100 },
    ];
    for (const t of odd) checkShape(renderProgram(t));
  });

  it('generator speed (reported, not asserted)', () => {
    generatePrograms({ preset: 'small', count: 200, seed: 9 }); // warm-up
    const n = 3000;
    const t0 = performance.now();
    generatePrograms({ preset: 'small', count: n, seed: 10 });
    const s = (performance.now() - t0) / 1000;
    console.log(`generators: small ${Math.round(n / s)} programs/s`);
    expect(s).toBeGreaterThan(0);
  });
});

describe.skipIf(!kernel.ok)(`generators: live kernel${kernelReason ? ` (skipped: ${kernelReason})` : ''}`, () => {
  const N = 200;
  it.each(PRESET_NAMES.filter((p) => p !== 'risky'))(`%s: kernel accepts >= 99 percent of ${N} programs`, (preset) => {
    const { programs } = generatePrograms({ preset, count: N, seed: 2024 });
    const ok = programs.filter(accepts).length;
    console.log(`generators: ${preset} kernel acceptance ${ok}/${N}`);
    expect(ok / N).toBeGreaterThanOrEqual(0.99);
  });

  it('risky preset makes the kernel reject some programs and accept most', () => {
    const { programs } = generatePrograms({ preset: 'risky', count: N, seed: 2024 });
    const ok = programs.filter(accepts).length;
    console.log(`generators: risky kernel acceptance ${ok}/${N}`);
    expect(ok).toBeLessThan(N * 0.9);
    expect(ok).toBeGreaterThan(N * 0.5);
    // risky: 0 turns the same preset back into an always-valid one
    const safe = generatePrograms({ preset: 'risky', count: 100, seed: 2024, risky: 0 }).programs;
    expect(safe.filter(accepts).length).toBeGreaterThanOrEqual(99);
  });

  // A structural predicate fails; fast-check shrinks the block tree. Every
  // program tried during shrinking, and the final counterexample, must load.
  const predicates: { name: string; preset: PresetName; holds: (p: Program) => boolean }[] = [
    { name: 'fewer than 8 insns', preset: 'small', holds: (p) => p.insns.length < 8 },
    { name: 'no backward conditional jump', preset: 'loops', holds: (p) => !p.insns.some((i) => isJump(i) && i.off < 0 && opJmp(i.code) !== BPF_JA) },
    { name: 'at most 3 conditional jumps', preset: 'deep', holds: (p) => p.insns.filter((i) => isJump(i) && opJmp(i.code) !== BPF_JA).length <= 3 },
    { name: 'no may_goto', preset: 'medium', holds: (p) => !p.insns.some((i) => i.code === (BPF_JMP | BPF_JCOND)) },
    { name: 'no subprogram call', preset: 'calls', holds: (p) => !p.insns.some((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL) },
  ];
  it.each(predicates)('shrunk counterexamples for "$name" ($preset) still load', ({ preset, holds }) => {
    for (const seed of [1, 2, 3]) {
      const tried: Program[] = [];
      const out = fc.check(fc.property(programArb(preset), (t) => {
        const p = renderProgram(t);
        tried.push(p);
        return holds(p);
      }), { seed, numRuns: 200 });
      expect(out.failed).toBe(true);
      const cx = out.counterexample?.[0];
      expect(cx).toBeDefined();
      const shrunk = renderProgram(cx as ProgramTree);
      expect(holds(shrunk)).toBe(false);
      expect(accepts(shrunk)).toBe(true);
      const seen = new Set<string>();
      let loaded = 0;
      for (const p of tried) {
        const key = Buffer.from(encodeProgram(p.insns)).toString('base64');
        if (seen.has(key)) continue;
        seen.add(key);
        loaded++;
        expect(accepts(p), `shrink candidate (seed ${seed})`).toBe(true);
      }
      expect(loaded).toBeGreaterThan(1);
    }
  });
});
