// fast-check arbitraries for block trees. Shrinking is structural (arrays of
// blocks shrink, nested bodies shrink, fields shrink towards 0) and every
// shrunk tree still renders to a valid program.

import fc from 'fast-check';
import type { AluOp, JmpOp } from '../src/isa/builder.js';
import type { AluStep, Block, CallArg, CallUse, ProgramTree, RiskyKind, SpillSize } from './tree.js';
import { RISKY_KINDS } from './tree.js';
import { getPreset, type Preset, type PresetName } from './presets.js';

const ALU_OPS: readonly AluOp[] = ['add', 'mov', 'sub', 'and', 'or', 'xor', 'mul', 'lsh', 'rsh', 'arsh', 'div', 'mod'];
const JMP_OPS: readonly JmpOp[] = ['jgt', 'jeq', 'jne', 'jge', 'jlt', 'jle', 'jset', 'jsgt', 'jslt', 'jsge', 'jsle'];
const SIZES: readonly SpillSize[] = [8, 4, 2, 1];

const ref = fc.nat({ max: 15 });
const smallImm = fc.integer({ min: -16, max: 64 });
const aluImm = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 4 },
  { arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }), weight: 1 },
);

const aluStep: fc.Arbitrary<AluStep> = fc.record({
  op: fc.constantFrom(...ALU_OPS),
  dst: ref,
  src: fc.option(ref, { nil: null, freq: 2 }),
  imm: aluImm,
  w32: fc.nat({ max: 4 }).map((n) => n === 0), // mostly 64-bit
});

type Weights = Preset['weights'];

/** Weights as integers (fast-check wants them); unchanged when already integral, so seeds keep their programs. */
function intWeights(p: Preset): Weights {
  const ws = Object.values(p.weights);
  const k = [1, 2, 4, 10, 100].find((f) => ws.every((x) => Number.isInteger(x * f))) ?? 100;
  if (k === 1) return p.weights;
  return Object.fromEntries(Object.entries(p.weights).map(([n, x]) => [n, Math.round(x * k)])) as unknown as Weights;
}

const leafArbs = (p: Preset, w: Weights, inCallee: boolean): { arbitrary: fc.Arbitrary<Block>; weight: number }[] => {
  const all: { arbitrary: fc.Arbitrary<Block>; weight: number }[] = [
    { weight: w.alu, arbitrary: fc.array(aluStep, { minLength: 1, maxLength: p.maxAluSteps }).map((steps): Block => ({ t: 'alu', steps })) },
    { weight: w.rand, arbitrary: ref.map((dst): Block => ({ t: 'rand', dst })) },
    {
      weight: w.spill,
      arbitrary: fc.record({ src: fc.option(ref, { nil: null, freq: 6 }), slot: fc.nat({ max: 7 }), size: fc.constantFrom(...SIZES), sub: fc.nat({ max: 7 }), imm: smallImm })
        .map((r): Block => ({ t: 'spill', ...r })),
    },
    {
      weight: w.fill,
      arbitrary: fc.record({ dst: ref, slot: fc.nat({ max: 7 }), size: fc.constantFrom(...SIZES), sub: fc.nat({ max: 7 }), imm: smallImm })
        .map((r): Block => ({ t: 'fill', ...r })),
    },
    {
      weight: w.varStack,
      arbitrary: fc.record({ idx: ref, tmp: ref, dst: ref, mask: fc.constantFrom(0x18 as const, 0x8 as const, 0x38 as const) })
        .map((r): Block => ({ t: 'varStack', ...r })),
    },
    {
      weight: w.exit,
      arbitrary: fc.record({ reg: ref, op: fc.constantFrom(...JMP_OPS), imm: smallImm, ret: fc.option(ref, { nil: null }) })
        .map((r): Block => ({ t: 'exit', ...r })),
    },
  ];
  if (inCallee) {
    // Mostly 8 bytes: only full-width spills of registers are tracked (and recorded in the history).
    const loc = { slot: fc.nat({ max: 7 }), size: fc.constantFrom<SpillSize>(8, 8, ...SIZES), sub: fc.nat({ max: 7 }), imm: smallImm, ptr: fc.nat({ max: 3 }) };
    all.push(
      { weight: w.ptrStore, arbitrary: fc.record({ src: fc.option(ref, { nil: null, freq: 6 }), ...loc }).map((r): Block => ({ t: 'ptrStore', ...r })) },
      { weight: w.ptrLoad, arbitrary: fc.record({ dst: ref, ...loc }).map((r): Block => ({ t: 'ptrLoad', ...r })) },
    );
  }
  return all.filter((a) => a.weight > 0);
};

const BOUND_MASKS = [1, 3, 7, 15, 63, 255, 0xffff] as const;
const RET_MASKS = [0, 0, 1, 7, 15, 63, 255] as const;

const callArg: fc.Arbitrary<CallArg> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<CallArg>({ k: 'none' }) },
  { weight: 3, arbitrary: ref.map((src): CallArg => ({ k: 'scalar', src })) },
  { weight: 3, arbitrary: fc.record({ src: ref, mask: fc.constantFrom(...BOUND_MASKS) }).map((r): CallArg => ({ k: 'bounded', ...r })) },
  { weight: 2, arbitrary: smallImm.map((imm): CallArg => ({ k: 'const', imm })) },
  { weight: 3, arbitrary: fc.nat({ max: 7 }).map((slot): CallArg => ({ k: 'stackPtr', slot })) },
  { weight: 2, arbitrary: fc.nat({ max: 3 }).map((ptr): CallArg => ({ k: 'fwdPtr', ptr })) },
);

const callUse: fc.Arbitrary<CallUse> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<CallUse>('branch') },
  { weight: 3, arbitrary: fc.constant<CallUse>('index') },
  { weight: 1, arbitrary: fc.constant<CallUse>('none') },
);

/** A call block; `then` is the caller-side body, the callee body is one call level deeper. */
function callArb(p: Preset, then: fc.Arbitrary<Block[]>, callee: fc.Arbitrary<Block>): fc.Arbitrary<Block> {
  const rec = fc.record({
    args: fc.array(callArg, { minLength: 0, maxLength: 5 }),
    body: fc.array(callee, { minLength: 1, maxLength: Math.max(1, p.maxCalleeBody) }),
    ret: fc.option(ref, { nil: null, freq: 6 }),
    retImm: smallImm,
    retMask: fc.constantFrom(...RET_MASKS),
    use: callUse,
    op: fc.constantFrom(...JMP_OPS),
    imm: fc.integer({ min: -2, max: 70 }),
    then,
    mask: fc.constantFrom(0x18 as const, 0x8 as const, 0x38 as const),
    dst: ref,
    tmp: ref,
  });
  // Presets without global calls or callbacks draw exactly what they drew before those existed.
  if (p.globalCalls <= 0 && p.loopCallbacks <= 0 && p.timerCallbacks <= 0 && p.forEachCallbacks <= 0 && p.ringbufCallbacks <= 0 && p.findVmaCallbacks <= 0) return rec.map((r): Block => ({ t: 'call', ...r, kind: 'static', nr: 1 }));
  const g = Math.round(p.globalCalls * 100);
  const l = g + Math.round(p.loopCallbacks * 100);
  const t = l + Math.round(p.timerCallbacks * 100);
  const e = t + Math.round(p.forEachCallbacks * 100);
  const u = e + Math.round(p.ringbufCallbacks * 100);
  const v = u + Math.round(p.findVmaCallbacks * 100);
  return fc.tuple(rec, fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: Math.max(1, p.maxTrip) })).map(([r, x, nr]): Block => (
    { t: 'call', ...r, kind: x < g ? 'global' : x < l ? 'loop' : x < t ? 'timer' : x < e ? 'forEach' : x < u ? 'ringbuf' : x < v ? 'findVma' : 'static', nr }));
}

/**
 * Arbitrary of one block with at most `depth` levels of nesting below it, at
 * call level `level` (0: the main program, n: a subprogram n calls deep).
 */
function blockArbAt(p: Preset, w: Weights, depth: number, level: number, memo: Map<number, fc.Arbitrary<Block>>): fc.Arbitrary<Block> {
  const key = level * 64 + depth;
  const hit = memo.get(key);
  if (hit) return hit;
  const leaves = leafArbs(p, w, level > 0);
  let arb: fc.Arbitrary<Block>;
  if (depth <= 0) {
    arb = fc.oneof(...leaves);
  } else {
    const inner = blockArbAt(p, w, depth - 1, level, memo);
    const body = fc.array(inner, { minLength: 0, maxLength: p.maxBody });
    const body1 = fc.array(inner, { minLength: 1, maxLength: p.maxBody });
    const nested: { arbitrary: fc.Arbitrary<Block>; weight: number }[] = [
      {
        weight: w.if,
        arbitrary: fc.record({
          reg: ref, op: fc.constantFrom(...JMP_OPS), imm: smallImm, reg2: fc.option(ref, { nil: null, freq: 4 }),
          w32: fc.nat({ max: 5 }).map((n) => n === 0), then: body1, else: body,
        }).map((r): Block => ({ t: 'if', ...r })),
      },
      {
        weight: w.linked,
        arbitrary: fc.record({ src: ref, dst: ref, tmp: ref, delta: fc.nat({ max: 31 }), bound: fc.nat({ max: 15 }), body })
          .map((r): Block => ({ t: 'linked', ...r })),
      },
      {
        weight: w.loop,
        arbitrary: fc.record({ n: fc.integer({ min: 2, max: Math.max(2, p.maxTrip) }), body: body1 })
          .map((r): Block => ({ t: 'loop', ...r })),
      },
      { weight: w.mayGoto, arbitrary: body1.map((b): Block => ({ t: 'mayGoto', body: b })) },
    ];
    if (w.call > 0 && level < p.maxCallDepth) {
      // Deeper levels call less often, so that nests stay within the size budget.
      const weight = Math.max(1, Math.floor(w.call / 2 ** level));
      nested.push({ weight, arbitrary: callArb(p, body, blockArbAt(p, w, Math.max(1, p.calleeDepth), level + 1, memo)) });
    }
    // Leaves first so that fast-check's oneof shrinks towards them.
    arb = fc.oneof({ depthSize: 'small' }, ...leaves, ...nested.filter((a) => a.weight > 0));
  }
  memo.set(depth, arb);
  return arb;
}

const riskyBlock: fc.Arbitrary<Block> = fc.constantFrom(...RISKY_KINDS).map((kind: RiskyKind): Block => ({ t: 'risky', kind }));

const arbCache = new Map<string, fc.Arbitrary<ProgramTree>>();

/** Arbitrary block tree for a preset; `risky` overrides the preset's fraction. */
export function programArb(preset: PresetName | Preset, opts: { risky?: number } = {}): fc.Arbitrary<ProgramTree> {
  const p = getPreset(preset);
  const risky = Math.min(1, Math.max(0, opts.risky ?? p.risky));
  const key = typeof preset === 'string' ? `${preset}:${risky}` : undefined;
  const cached = key ? arbCache.get(key) : undefined;
  if (cached) return cached;
  const block = blockArbAt(p, intWeights(p), p.maxDepth, 0, new Map());
  const blocks = fc.array(block, { minLength: p.minBlocks, maxLength: p.maxBlocks });
  const riskyPart: fc.Arbitrary<{ at: number; b: Block } | null> = risky <= 0
    ? fc.constant(null)
    : fc.oneof(
      { weight: Math.round((1 - risky) * 1000), arbitrary: fc.constant(null) },
      { weight: Math.round(risky * 1000), arbitrary: fc.record({ at: fc.nat({ max: 64 }), b: riskyBlock }) },
    );
  const arb = fc.record({ blocks, ret: fc.option(ref, { nil: null, freq: 8 }), risk: riskyPart }).map(({ blocks: bs, ret, risk }): ProgramTree => {
    const all: Block[] = [];
    for (let i = 0; i < p.prologueRand; i++) all.push({ t: 'rand', dst: i });
    all.push(...bs);
    if (risk) all.splice(p.prologueRand + (risk.at % (bs.length + 1)), 0, risk.b);
    return { blocks: all, ret, maxInsns: p.maxInsns };
  });
  if (key) arbCache.set(key, arb);
  return arb;
}
