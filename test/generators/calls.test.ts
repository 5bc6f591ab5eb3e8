import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeProgram } from '../../src/isa/encode.js';
import { BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_PSEUDO_CALL, BPF_ST, BPF_STX, opClass, opJmp } from '../../src/isa/opcode.js';
import type { Insn } from '../../src/isa/insn.js';
import type { Program } from '../../src/isa/program.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { compareProgram } from '../../src/compare/run.js';
import {
  CountingHistory, MAX_CALL_LEVEL, coverageFromResult, generatePrograms, programArb, renderProgram, shrinkTree,
  shrinkableProgramArb, treeSize, type Block, type ProgramTree,
} from '../../generators/index.js';
import { liveProfile } from '../liveProfile.js';

const kernel = bpfAvailable();

const isPseudoCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL;
const isJump = (i: Insn): boolean => {
  const c = opClass(i.code);
  return (c === BPF_JMP || c === BPF_JMP32) && opJmp(i.code) !== BPF_CALL && opJmp(i.code) !== BPF_EXIT;
};

/** Subprogram starts (0 first) and, per start, the starts it calls. */
function callGraph(insns: Insn[]): { starts: number[]; callees: Map<number, number[]> } {
  const targets = insns.flatMap((x, i) => (isPseudoCall(x) ? [i + x.imm + 1] : []));
  const starts = [...new Set([0, ...targets])].sort((a, b) => a - b);
  const subOf = (i: number): number => starts.filter((s) => s <= i).pop() ?? 0;
  const callees = new Map<number, number[]>(starts.map((s) => [s, []]));
  insns.forEach((x, i) => { if (isPseudoCall(x)) callees.get(subOf(i))?.push(i + x.imm + 1); });
  return { starts, callees };
}

/** Frames on the deepest static call chain (1 = no calls). */
function frames(p: Program): number {
  const { callees } = callGraph(p.insns);
  const depth = (s: number): number => 1 + Math.max(0, ...(callees.get(s) ?? []).map(depth));
  return depth(0);
}

/** What the kernel's check_subprogs wants: calls land on a subprogram start, jumps stay inside, each ends in exit or goto. */
function checkLayout(p: Program): void {
  const n = p.insns.length;
  const { starts } = callGraph(p.insns);
  const ends = [...starts.slice(1), n];
  starts.forEach((s, k) => {
    const end = ends[k] as number;
    expect(end, `subprog at ${s} is empty`).toBeGreaterThan(s);
    const last = p.insns[end - 1] as Insn;
    expect(last.code === (BPF_JMP | BPF_EXIT) || last.code === (BPF_JMP | BPF_JA), `subprog at ${s} ends in exit or goto`).toBe(true);
    for (let i = s; i < end; i++) {
      const ins = p.insns[i] as Insn;
      if (isPseudoCall(ins)) expect(starts).toContain(i + ins.imm + 1);
      if (!isJump(ins)) continue;
      const t = i + 1 + ins.off;
      expect(t, `jump at ${i} stays in its subprogram`).toBeGreaterThanOrEqual(s);
      expect(t, `jump at ${i} stays in its subprogram`).toBeLessThan(end);
    }
  });
  expect(encodeProgram(p.insns).length).toBe(8 * n);
}

/** A store through a register other than r10 (a callee writing into a caller's stack). */
const storesThroughPointer = (p: Program): boolean =>
  p.insns.some((i) => (opClass(i.code) === BPF_STX || opClass(i.code) === BPF_ST) && i.dst !== 10);

const accepts = (p: Program): boolean => bpfProgLoad(encodeProgram(p.insns), 'socket', 0, 0).fd >= 0;

/** `levels` calls nested in each other, each passing a pointer on and writing through it. */
function nest(levels: number): ProgramTree {
  let body: Block[] = [
    { t: 'ptrStore', ptr: 0, src: 0, slot: 2, size: 8, sub: 0, imm: 5 },
    { t: 'rand', dst: 0 },
    { t: 'loop', n: 2, body: [{ t: 'alu', steps: [{ op: 'add', dst: 1, src: 0, imm: 1, w32: false }] }] },
  ];
  for (let l = 0; l < levels; l++) {
    body = [
      { t: 'ptrLoad', ptr: 0, dst: 1, slot: 1, size: 8, sub: 0, imm: 3 },
      {
        t: 'call', args: [l === levels - 1 ? { k: 'stackPtr', slot: 1 } : { k: 'fwdPtr', ptr: 0 }, { k: 'bounded', src: 0, mask: 7 }],
        body, ret: 0, retImm: 1, retMask: 15, use: 'branch', op: 'jgt', imm: 15, then: [{ t: 'rand', dst: 2 }], mask: 0x18, dst: 0, tmp: 1,
      },
    ];
  }
  return { blocks: [{ t: 'rand', dst: 0 }, { t: 'spill', src: 0, slot: 1, size: 8, sub: 0, imm: 0 }, ...body], ret: 0, maxInsns: 4000 };
}

describe('generators: calls', () => {
  it('calls programs lay out subprograms after main, and most hold nested calls with pointer arguments', () => {
    const { programs } = generatePrograms({ preset: 'calls', count: 300, seed: 1 });
    for (const p of programs) {
      checkLayout(p);
      expect(p.insns.length).toBeLessThanOrEqual(220);
    }
    const withCalls = programs.filter((p) => p.insns.some(isPseudoCall)).length;
    const deep = programs.filter((p) => frames(p) >= 3).length;
    const ptrStores = programs.filter(storesThroughPointer).length;
    console.log(`generators: calls/300 with calls ${withCalls}, >= 3 frames ${deep}, stores through pointers ${ptrStores}`);
    expect(withCalls).toBeGreaterThan(240);
    expect(deep).toBeGreaterThan(120);
    expect(ptrStores).toBeGreaterThan(100);
    expect(Math.max(...programs.map(frames))).toBeLessThanOrEqual(1 + 4);
  });

  it('small, loops and risky stay call-free; medium and deep call at a modest rate', () => {
    for (const preset of ['small', 'loops', 'risky'] as const) {
      expect(generatePrograms({ preset, count: 200, seed: 4 }).programs.some((p) => p.insns.some(isPseudoCall))).toBe(false);
    }
    for (const preset of ['medium', 'deep'] as const) {
      const { programs } = generatePrograms({ preset, count: 200, seed: 4 });
      programs.forEach(checkLayout);
      const n = programs.filter((p) => p.insns.some(isPseudoCall)).length;
      expect(n).toBeGreaterThan(20);
      expect(n).toBeLessThan(100);
    }
  });

  it('is deterministic for a seed', () => {
    const hex = (seed: number): string[] =>
      generatePrograms({ preset: 'calls', count: 30, seed }).programs.map((p) => Buffer.from(encodeProgram(p.insns)).toString('hex'));
    expect(hex(9)).toEqual(hex(9));
    expect(hex(9)).not.toEqual(hex(10));
  });

  it('renders odd call trees: pointer blocks outside callees, empty args, nests beyond the frame limit', () => {
    const odd: ProgramTree[] = [
      { blocks: [{ t: 'ptrStore', ptr: 3, src: 1, slot: 7, size: 2, sub: 3, imm: 1 }, { t: 'ptrLoad', ptr: 0, dst: 1, slot: 7, size: 2, sub: 3, imm: 1 }], ret: 0, maxInsns: 30 },
      { blocks: [{ t: 'call', args: [], body: [], ret: null, retImm: 0, retMask: 0, use: 'index', op: 'jeq', imm: 0, then: [], mask: 0x38, dst: 0, tmp: 0 }], ret: 0, maxInsns: 60 },
      nest(3),
      nest(MAX_CALL_LEVEL + 3),
    ];
    for (const t of odd) checkLayout(renderProgram(t));
    expect(frames(renderProgram(nest(3)))).toBe(4);
    expect(frames(renderProgram(nest(MAX_CALL_LEVEL + 3)))).toBe(MAX_CALL_LEVEL + 1);
    // a tree over budget drops the whole call, subprogram included
    const tiny = { ...nest(2), maxInsns: 12 };
    expect(renderProgram(tiny).insns.some(isPseudoCall)).toBe(false);
  });

  it('structural shrinks of call trees render to well-formed programs', () => {
    const trees = fc.sample(programArb('calls'), { seed: 5, numRuns: 20 });
    let n = 0;
    for (const t of trees) {
      for (const s of shrinkTree(t)) {
        if (++n % 7 !== 0) continue; // a sample keeps this fast
        checkLayout(renderProgram(s));
        expect(treeSize(s)).toBeLessThanOrEqual(treeSize(t));
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('model coverage: history entries in callee frames, other-frame stack entries, backtracking across calls', () => {
    const { programs } = generatePrograms({ preset: 'calls', count: 40, seed: 6 });
    let frame = 0; let other = 0; let across = 0;
    for (const p of programs) {
      const h = new CountingHistory(new CopyHistory());
      const r = verifyProgram(p, { history: h, logLevel: 2, profile: liveProfile() });
      expect(r.verdict).toBe('accept');
      const f = coverageFromResult(r, h.counts);
      if (f.frameHistory) frame++;
      if (f.otherFrameStack) other++;
      if (f.backtrackAcrossCall) across++;
    }
    console.log(`generators: model calls/40 frameHistory ${frame}, otherFrameStack ${other}, backtrackAcrossCall ${across}`);
    expect(frame).toBeGreaterThan(25);
    expect(other).toBeGreaterThan(8);
    expect(across).toBeGreaterThan(25);
  });
});

describe.skipIf(!kernel.ok)(`generators: calls in the live kernel${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
  it('hand-made nests load, up to 8 frames', () => {
    expect(accepts(renderProgram(nest(1)))).toBe(true);
    expect(accepts(renderProgram(nest(MAX_CALL_LEVEL)))).toBe(true);
    expect(accepts(renderProgram(nest(MAX_CALL_LEVEL + 2)))).toBe(true);
  });

  it('model and kernel agree on the full level-2 log of calls programs', async () => {
    const { programs } = generatePrograms({ preset: 'calls', count: 40, seed: 11 });
    for (const p of programs) {
      const c = await compareProgram(p.name ?? 'calls', p, 'copy', 'kernel', { backedge: true, logLevel: 2, profile: liveProfile() });
      expect(c.status, p.name).toBe('compared');
      expect(c.diff?.differing, p.name).toEqual([]);
    }
  });

  it('shrinking a calls counterexample keeps every candidate loadable', () => {
    const holds = (p: Program): boolean => frames(p) < 3;
    const tried: Program[] = [];
    const out = fc.check(fc.property(shrinkableProgramArb('calls'), (t) => {
      const p = renderProgram(t);
      tried.push(p);
      return holds(p);
    }), { seed: 2, numRuns: 100 });
    expect(out.failed).toBe(true);
    const shrunk = renderProgram(out.counterexample?.[0] as ProgramTree);
    expect(frames(shrunk)).toBe(3);
    expect(shrunk.insns.length).toBeLessThan(40);
    const seen = new Set<string>();
    for (const p of tried) {
      const key = Buffer.from(encodeProgram(p.insns)).toString('base64');
      if (seen.has(key)) continue;
      seen.add(key);
      expect(accepts(p), 'shrink candidate').toBe(true);
    }
  });
});
