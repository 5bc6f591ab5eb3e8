// Structural shrinking of block trees, for counterexamples. fast-check's own
// shrinking (through programArb's records, arrays and maps) removes list
// elements and shrinks fields, but cannot replace a nested block by its body
// or drop a whole nesting level; these are what take a loop-heavy failure
// down to a handful of instructions. Every candidate is still a tree, so it
// still renders to a valid program.

import fc from 'fast-check';
import type { AluStep, Block, CallArg, ProgramTree } from './tree.js';
import { programArb } from './arbitraries.js';
import type { Preset, PresetName } from './presets.js';

/** Lists with element i replaced by each shrink of it. */
function* eachElement<T>(xs: readonly T[], shrinkOne: (x: T) => Iterable<T>): Generator<T[]> {
  for (let i = 0; i < xs.length; i++) {
    for (const y of shrinkOne(xs[i] as T)) {
      const out = xs.slice();
      out[i] = y;
      yield out;
    }
  }
}

/** Lists with contiguous runs removed, largest runs first (down to `min` elements). */
function* removals<T>(xs: readonly T[], min: number): Generator<T[]> {
  const n = xs.length;
  for (let size = n - min; size >= 1; size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
    for (let start = 0; start + size <= n; start += size) yield [...xs.slice(0, start), ...xs.slice(start + size)];
  }
}

function* aluStep(s: AluStep): Generator<AluStep> {
  if (s.src !== null) yield { ...s, src: null };
  if (s.w32) yield { ...s, w32: false };
  if (s.imm !== 0) yield { ...s, imm: 0 };
  if (s.imm !== 0 && s.imm !== 1) yield { ...s, imm: 1 };
  if (s.op !== 'mov') yield { ...s, op: 'mov' };
  if (s.dst !== 0) yield { ...s, dst: 0 };
  if (s.src !== null && s.src !== 0) yield { ...s, src: 0 };
}

/** Bodies a nested block can be replaced by. */
function hoists(b: Block): Block[][] {
  switch (b.t) {
    case 'if': return b.else.length ? [b.then, b.else, [...b.then, ...b.else]] : [b.then];
    case 'linked':
    case 'loop':
    case 'mayGoto': return [b.body];
    // Inlining a callee is still a valid tree: pointer blocks fall back to spills and fills.
    case 'call': return b.then.length ? [b.body, b.then, [...b.body, ...b.then]] : [b.body];
    default: return [];
  }
}

function* callArg(a: CallArg): Generator<CallArg> {
  if (a.k !== 'none') yield { k: 'none' };
  switch (a.k) {
    case 'bounded': yield { k: 'scalar', src: a.src }; if (a.src !== 0) yield { ...a, src: 0 }; return;
    case 'scalar': if (a.src !== 0) yield { ...a, src: 0 }; return;
    case 'const': if (a.imm !== 0) yield { ...a, imm: 0 }; return;
    case 'fwdPtr': yield { k: 'stackPtr', slot: a.ptr }; return;
    case 'stackPtr': if (a.slot !== 0) yield { ...a, slot: 0 }; return;
    case 'none': return;
  }
}

function* block(b: Block): Generator<Block> {
  switch (b.t) {
    case 'alu':
      for (const steps of removals(b.steps, 1)) yield { ...b, steps };
      for (const steps of eachElement(b.steps, aluStep)) yield { ...b, steps };
      return;
    case 'rand':
      if (b.dst !== 0) yield { ...b, dst: 0 };
      return;
    case 'spill':
      if (b.src !== null) yield { ...b, src: null };
      if (b.size !== 8) yield { ...b, size: 8 };
      if (b.sub !== 0) yield { ...b, sub: 0 };
      if (b.slot !== 0) yield { ...b, slot: 0 };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      if (b.src !== null && b.src !== 0) yield { ...b, src: 0 };
      return;
    case 'fill':
      if (b.size !== 8) yield { ...b, size: 8 };
      if (b.sub !== 0) yield { ...b, sub: 0 };
      if (b.slot !== 0) yield { ...b, slot: 0 };
      if (b.dst !== 0) yield { ...b, dst: 0 };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      return;
    case 'varStack':
      if (b.mask !== 0x8) yield { ...b, mask: 0x8 };
      if (b.idx !== 0) yield { ...b, idx: 0 };
      if (b.tmp !== 0) yield { ...b, tmp: 0 };
      if (b.dst !== 0) yield { ...b, dst: 0 };
      return;
    case 'linked':
      for (const body of blocks(b.body, 0)) yield { ...b, body };
      if (b.delta !== 0) yield { ...b, delta: 0 };
      if (b.bound !== 0) yield { ...b, bound: 0 };
      if (b.src !== 0) yield { ...b, src: 0 };
      if (b.dst !== 0) yield { ...b, dst: 0 };
      if (b.tmp !== 0) yield { ...b, tmp: 0 };
      return;
    case 'if':
      if (b.else.length) yield { ...b, else: [] };
      for (const then of blocks(b.then, 0)) yield { ...b, then };
      for (const els of blocks(b.else, 0)) yield { ...b, else: els };
      if (b.reg2 !== null) yield { ...b, reg2: null };
      if (b.w32) yield { ...b, w32: false };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      if (b.reg !== 0) yield { ...b, reg: 0 };
      if (b.reg2 !== null && b.reg2 !== 0) yield { ...b, reg2: 0 };
      return;
    case 'exit':
      if (b.ret !== null) yield { ...b, ret: null };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      if (b.reg !== 0) yield { ...b, reg: 0 };
      return;
    case 'loop':
      for (const body of blocks(b.body, 1)) yield { ...b, body };
      for (let n = 2; n < b.n; n++) yield { ...b, n };
      return;
    case 'mayGoto':
      for (const body of blocks(b.body, 1)) yield { ...b, body };
      return;
    case 'call':
      for (const body of blocks(b.body, 1)) yield { ...b, body };
      if (b.then.length) yield { ...b, then: [] };
      for (const then of blocks(b.then, 0)) yield { ...b, then };
      for (const args of removals(b.args, 0)) yield { ...b, args };
      for (const args of eachElement(b.args, callArg)) yield { ...b, args };
      if (b.use !== 'none') yield { ...b, use: 'none' };
      if (b.retMask !== 0) yield { ...b, retMask: 0 };
      if (b.ret !== null) yield { ...b, ret: null };
      if (b.retImm !== 0) yield { ...b, retImm: 0 };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      if (b.mask !== 0x8) yield { ...b, mask: 0x8 };
      if (b.dst !== 0) yield { ...b, dst: 0 };
      if (b.tmp !== 0) yield { ...b, tmp: 0 };
      return;
    case 'ptrStore':
      if (b.src !== null) yield { ...b, src: null };
      if (b.size !== 8) yield { ...b, size: 8 };
      if (b.sub !== 0) yield { ...b, sub: 0 };
      if (b.slot !== 0) yield { ...b, slot: 0 };
      if (b.ptr !== 0) yield { ...b, ptr: 0 };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      if (b.src !== null && b.src !== 0) yield { ...b, src: 0 };
      return;
    case 'ptrLoad':
      if (b.size !== 8) yield { ...b, size: 8 };
      if (b.sub !== 0) yield { ...b, sub: 0 };
      if (b.slot !== 0) yield { ...b, slot: 0 };
      if (b.ptr !== 0) yield { ...b, ptr: 0 };
      if (b.dst !== 0) yield { ...b, dst: 0 };
      if (b.imm !== 0) yield { ...b, imm: 0 };
      return;
    case 'risky':
      return;
  }
}

/** Shrinks of a block list: remove runs, hoist nested bodies, then shrink one block. */
function* blocks(bs: readonly Block[], min: number): Generator<Block[]> {
  yield* removals(bs, min);
  for (let i = 0; i < bs.length; i++) {
    for (const h of hoists(bs[i] as Block)) {
      const out = [...bs.slice(0, i), ...h, ...bs.slice(i + 1)];
      if (out.length >= min) yield out;
    }
  }
  yield* eachElement(bs, block);
}

/** Context-free structural shrinks of a tree, most aggressive first. */
export function* shrinkTree(t: ProgramTree): Generator<ProgramTree> {
  for (const bs of blocks(t.blocks, 0)) yield { ...t, blocks: bs };
  if (t.ret !== null) yield { ...t, ret: null };
}

/** Number of blocks in a tree, nested ones included (a size measure for reports). */
export function treeSize(t: ProgramTree): number {
  const count = (bs: readonly Block[]): number => bs.reduce((n, b) => {
    switch (b.t) {
      case 'if': return n + 1 + count(b.then) + count(b.else);
      case 'linked':
      case 'loop':
      case 'mayGoto': return n + 1 + count(b.body);
      case 'call': return n + 1 + count(b.body) + count(b.then);
      default: return n + 1;
    }
  }, 0);
  return count(t.blocks);
}

export const isProgramTree = (v: unknown): v is ProgramTree =>
  typeof v === 'object' && v !== null && Array.isArray((v as { blocks?: unknown }).blocks) && typeof (v as { maxInsns?: unknown }).maxInsns === 'number';

interface Ctx {
  inner: unknown;
}
const isCtx = (c: unknown): c is Ctx => typeof c === 'object' && c !== null && 'inner' in c;

/**
 * programArb with structural shrinking in front of fast-check's own: generates
 * exactly what programArb generates (same seed, same trees), and shrinks by
 * shrinkTree first, then by programArb's shrinker while its context lasts.
 */
class ShrinkableTreeArb extends fc.Arbitrary<ProgramTree> {
  constructor(private readonly inner: fc.Arbitrary<ProgramTree>) {
    super();
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<ProgramTree> {
    const v = this.inner.generate(mrng, biasFactor);
    return new fc.Value(v.value_, { inner: v.context });
  }
  canShrinkWithoutContext(value: unknown): value is ProgramTree {
    return isProgramTree(value);
  }
  shrink(value: ProgramTree, context: unknown): fc.Stream<fc.Value<ProgramTree>> {
    const structural = fc.stream(shrinkTree(value)).map((t) => new fc.Value(t, undefined));
    if (!isCtx(context)) return structural;
    const own = this.inner.shrink(value, context.inner).map((v) => new fc.Value(v.value_, { inner: v.context }));
    return structural.join(own);
  }
}

const shrinkableCache = new Map<string, fc.Arbitrary<ProgramTree>>();

/** Same trees as programArb(preset, opts), with shrinkTree's structural shrinks. */
export function shrinkableProgramArb(preset: PresetName | Preset, opts: { risky?: number } = {}): fc.Arbitrary<ProgramTree> {
  const key = typeof preset === 'string' ? `${preset}:${opts.risky ?? ''}` : undefined;
  const hit = key ? shrinkableCache.get(key) : undefined;
  if (hit) return hit;
  const arb = new ShrinkableTreeArb(programArb(preset, opts));
  if (key) shrinkableCache.set(key, arb);
  return arb;
}
