// bpf_loop programs for the callback tests: each is compared, log line for
// log line, with the live kernel at log level 2.
import { BPF_PSEUDO_FUNC } from '../../src/isa/opcode.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import type { Insn } from '../../src/isa/insn.js';
import * as b from '../../src/isa/builder.js';

const LOOP = 181;

type Item = Insn[] | { label: string } | { ldFunc: [number, string] } | { callSub: string };

/** Lays out items, resolving labels for ld_imm64 of a function and pseudo calls. */
function layout(items: Item[]): Insn[] {
  const at = new Map<string, number>();
  let n = 0;
  for (const it of items) {
    if (Array.isArray(it)) n += it.length;
    else if ('label' in it) at.set(it.label, n);
    else if ('ldFunc' in it) n += 2;
    else n += 1;
  }
  const out: Insn[] = [];
  for (const it of items) {
    if (Array.isArray(it)) out.push(...it);
    else if ('ldFunc' in it) out.push(...b.ldImm64(it.ldFunc[0], BigInt((at.get(it.ldFunc[1]) ?? 0) - out.length - 1), BPF_PSEUDO_FUNC));
    else if ('callSub' in it) out.push(...b.callPseudo((at.get(it.callSub) ?? 0) - out.length - 1));
  }
  return out;
}

const st = (params: number) => ({ linkage: 'static' as const, params });

/** bpf_loop(nr, cb, r3, flags) with r3 set up by `ctx`. */
const loopCall = (nr: Insn[], ctx: Insn[], flags = 0, cb = 'cb'): Item[] => [
  nr, { ldFunc: [b.R2, cb] }, ctx, b.mov64Imm(b.R4, flags), b.call(LOOP),
];
const ctxFp8: Insn[] = b.prog(b.mov64Reg(b.R3, b.R10), b.alu64Imm('add', b.R3, -8));
const nullCtx: Insn[] = b.mov64Imm(b.R3, 0);

export interface CallbackCase { name: string; program: Program }

const mk = (name: string, items: Item[], funcs: number[] = [1, 2]): CallbackCase => ({
  name,
  program: makeProgram(layout(items), { name: name.replace(/-/g, '_').slice(0, 15), funcs: funcs.map(st) }),
});

export const callbackCases = (): CallbackCase[] => [
  // the callback increments a counter on the caller's stack through ctx
  mk('ctx-counter', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 4), ctxFp8),
    b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0),
    b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // the caller branches on the counter after the loop: widening keeps it imprecise
  mk('ctx-counter-branch', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 10), ctxFp8),
    b.ldxMem('dw', b.R0, b.R10, -8), b.jmpImm('jgt', b.R0, 5, 1), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0),
    b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  mk('ret-two', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 2), b.exit(),
  ]),
  mk('ret-unknown', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Reg(b.R0, b.R1), b.exit(),
  ]),
  mk('ret-masked', [
    ...loopCall(b.mov64Imm(b.R1, 3), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Reg(b.R0, b.R1), b.alu64Imm('and', b.R0, 1), b.exit(),
  ]),
  mk('ret-pointer', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Reg(b.R0, b.R10), b.alu64Imm('add', b.R0, -8), b.ldxMem('dw', b.R0, b.R0, 0), b.exit(),
  ]),
  mk('ret-stack-ptr', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Reg(b.R0, b.R10), b.exit(),
  ]),
  mk('nr-unknown', [
    b.call(7), b.mov64Reg(b.R1, b.R0),
    ...loopCall([], nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  mk('nr-zero', [
    ...loopCall(b.mov64Imm(b.R1, 0), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  mk('flags-nonzero', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx, 1), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 1), b.exit(),
  ]),
  mk('ctx-scalar', [
    ...loopCall(b.mov64Imm(b.R1, 2), b.mov64Imm(b.R3, 5)), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  mk('fn-not-func', [
    b.mov64Imm(b.R1, 2), b.mov64Reg(b.R2, b.R10), b.mov64Imm(b.R3, 0), b.mov64Imm(b.R4, 0), b.call(LOOP),
    b.mov64Imm(b.R0, 0), b.exit(),
  ], [1]),
  mk('ret-func-ptr', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, { ldFunc: [b.R0, 'cb'] }, b.exit(),
  ]),
  // unknown trip count with a counter in the caller's stack: widening converges
  mk('nr-unknown-counter', [
    b.stMem('dw', b.R10, -8, 0),
    b.call(7), b.mov64Reg(b.R1, b.R0),
    ...loopCall([], ctxFp8),
    b.ldxMem('dw', b.R0, b.R10, -8), b.alu64Imm('and', b.R0, 1), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0),
    b.mov64Reg(b.R0, b.R1), b.alu64Imm('and', b.R0, 1), b.exit(),
  ]),
  // the callback writes through a NULL ctx
  mk('null-ctx-write', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.stMem('dw', b.R2, 0, 1), b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // the callback reads a caller slot the caller never wrote (allowed for root)
  mk('ctx-uninit-read', [
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.ldxMem('dw', b.R0, b.R2, -8), b.alu64Imm('and', b.R0, 1), b.exit(),
  ]),
  // callee index decides precision of a spilled caller value
  mk('spill-precise', [
    b.stMem('dw', b.R10, -8, 1), b.mov64Imm(b.R6, 3),
    ...loopCall(b.mov64Reg(b.R1, b.R6), ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R3, b.R2, 0), b.mov64Reg(b.R4, b.R10), b.alu64Imm('add', b.R4, -16), b.alu64Reg('sub', b.R4, b.R3),
    b.stMem('dw', b.R4, 0, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  mk('cb-global', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 2]),
  // a bounded loop inside the callback
  mk('loop-in-cb', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 3), ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.mov64Imm(b.R6, 0),
    b.alu64Imm('add', b.R6, 1), b.jmpImm('jlt', b.R6, 4, -2),
    b.stxMem('dw', b.R2, b.R6, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // a static call inside the callback
  mk('call-in-cb', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8), b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
    { label: 'cb' },
    b.mov64Reg(b.R6, b.R2), b.mov64Reg(b.R1, b.R2), { callSub: 'inc' }, b.mov64Imm(b.R0, 1), b.exit(),
    { label: 'inc' },
    b.ldxMem('dw', b.R0, b.R1, 0), b.alu64Imm('add', b.R0, 2), b.stxMem('dw', b.R1, b.R0, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 2, 1]),
  // bpf_loop inside the callback; 'nested-func-ctx' passes the function pointer as ctx
  mk('nested-func-ctx', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8), b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
    { label: 'cb' },
    ...loopCall(b.mov64Imm(b.R1, 2), b.mov64Reg(b.R3, b.R2), 0, 'inner'), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'inner' }, b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 2, 2]),
  mk('nested-loop', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8), b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
    { label: 'cb' },
    b.mov64Reg(b.R7, b.R2),
    ...loopCall(b.mov64Imm(b.R1, 2), b.mov64Reg(b.R3, b.R7), 0, 'inner'), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'inner' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 2, 2]),
  // the callback reads an uninitialised slot of its own stack
  mk('cb-own-stack', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.stMem('dw', b.R10, -16, 7), b.ldxMem('dw', b.R0, b.R10, -16), b.alu64Imm('and', b.R0, 1), b.exit(),
  ]),
  // r1 after the call is clobbered
  mk('r1-clobbered', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Reg(b.R0, b.R1), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // callback index used for a bounded stack access in the caller's frame
  mk('index-bounds', [
    b.stMem('dw', b.R10, -8, 0), b.stMem('dw', b.R10, -16, 0),
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.jmpImm('jgt', b.R1, 1, 3), b.alu64Imm('lsh', b.R1, 3), b.alu64Reg('sub', b.R2, b.R1), b.stMem('dw', b.R2, 0, 1),
    b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // bpf_loop called from a static subprog: the caller is frame 1
  mk('loop-in-subprog', [
    b.stMem('dw', b.R10, -8, 0), b.mov64Reg(b.R1, b.R10), b.alu64Imm('add', b.R1, -8), { callSub: 'sub' },
    b.ldxMem('dw', b.R0, b.R10, -8), b.alu64Imm('and', b.R0, 3), b.exit(),
    { label: 'sub' },
    ...loopCall(b.mov64Imm(b.R1, 3), b.mov64Reg(b.R3, b.R1)), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 1, 2]),
  // two call sites share one callback
  mk('two-sites', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 2), ctxFp8),
    ...loopCall(b.mov64Imm(b.R1, 3), ctxFp8),
    b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // a callback prototype with one param: r1 is a scalar, no mismatch
  mk('one-param', [
    ...loopCall(b.mov64Imm(b.R1, 2), nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Imm(b.R0, 0), b.exit(),
  ], [1, 1]),
  // the callback conditionally stops early (returns 1) depending on the index
  mk('early-stop', [
    b.stMem('dw', b.R10, -8, 0),
    ...loopCall(b.mov64Imm(b.R1, 5), ctxFp8), b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
    { label: 'cb' },
    b.mov64Imm(b.R0, 1), b.jmpImm('jgt', b.R1, 2, 2), b.stxMem('dw', b.R2, b.R1, 0), b.mov64Imm(b.R0, 0), b.exit(),
  ]),
  // the loop bound is a range: the callback is explored until umax
  mk('nr-range', [
    b.call(7), b.mov64Reg(b.R1, b.R0), b.alu64Imm('and', b.R1, 3),
    ...loopCall([], nullCtx), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' }, b.mov64Reg(b.R0, b.R1), b.alu64Imm('and', b.R0, 1), b.exit(),
  ]),
  // the returning state's linked zero is widened against the id-less spilled zero (regs_exact)
  mk('widen-linked-zero', [
    b.stMem('dw', b.R10, -8, 0),
    b.call(7), b.mov64Reg(b.R1, b.R0), b.alu64Imm('and', b.R1, 7),
    ...loopCall([], ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
    { label: 'cb' },
    b.mov64Imm(b.R0, 0), b.mov64Reg(b.R0, b.R1), b.stxMem('dw', b.R2, b.R0, 0),
    b.ldxMem('dw', b.R5, b.R2, 0), b.jmpImm('jgt', b.R5, 0, 1), b.mov64Imm(b.R0, 0),
    b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('and', b.R0, 1), b.exit(),
  ], [1, 0]),
];

/** The inner callback is never explored (nr_loops 0): the kernel rejects at JIT time. */
export const deadInnerCallback = (): CallbackCase => mk('dead-inner-cb', [
  b.stMem('dw', b.R10, -8, 0),
  ...loopCall(b.mov64Imm(b.R1, 1), ctxFp8), b.mov64Imm(b.R0, 0), b.exit(),
  { label: 'cb' },
  b.mov64Reg(b.R7, b.R2),
  ...loopCall(b.mov64Imm(b.R1, 0), b.mov64Reg(b.R3, b.R7), 0, 'inner'), b.mov64Imm(b.R0, 0), b.exit(),
  { label: 'inner' }, b.mov64Imm(b.R0, 0), b.exit(),
], [1, 2, 2]);

/** Fix-ups for cases whose funcs differ from the default. */
export function callbackCasesWithFuncs(): CallbackCase[] {
  return callbackCases().map((c) => {
    if (c.name === 'cb-global') return { ...c, program: { ...c.program, funcs: [st(1), { linkage: 'global', params: 2 }] } };
    return c;
  });
}
