// Renders a block tree to instructions. Rendering is total: any tree gives a
// program the verifier should accept (apart from 'risky' blocks), because the
// renderer tracks which registers and stack bytes are initialized and resolves
// abstract references against them. Writes depend on the tree only (never on
// what is initialized), which is what makes the loop-head fixpoints below sound.

import type { Insn } from '../src/isa/insn.js';
import {
  alu32Imm, alu32Reg, alu64Imm, alu64Reg, call, exit, ja, jmp32Imm, jmp32Reg, jmpImm, jmpReg, ldxMem, mayGoto,
  mov64Imm, mov64Reg, stMem, stxMem, R0, R10, type AluOp,
} from '../src/isa/builder.js';
import { makeProgram, type Program } from '../src/isa/program.js';
import type { AluStep, Block, DstRef, ProgramTree, SrcRef } from './tree.js';

/** Stack bytes the generator uses: 8 slots, r10-64 .. r10-1. */
export const NSLOTS = 8;
const FULL = 0xff;
const HELPER_PRANDOM = 7;
const CALLER_SAVED = 0b111110; // r1-r5
/** Writable pool; callee-saved first so small refs survive calls. */
const POOL = [6, 7, 8, 9, 0, 2, 3, 4, 5, 1];
const COUNTERS = [9, 8, 7, 6];
// Verification cost grows with the product of nested trip counts (and with
// may_goto forks inside loops); deeper loops render their body once, inline.
const MAX_LOOP_NEST = 2;
const MAX_TRIPS = 16;
const MAYGOTO_TRIPS = 3;
/** Cap on the unpruned path count a loop may multiply (see `paths`). */
const MAX_PATHS = 1024;

/** Paths through blocks when nothing is pruned (saturating), a structural cost estimate. */
function paths(bs: Block[]): number {
  let p = 1;
  for (const b of bs) {
    p *= pathsOf(b);
    if (p > 1e9) return 1e9;
  }
  return p;
}

function pathsOf(b: Block): number {
  switch (b.t) {
    case 'if': return Math.min(1e9, paths(b.then) + paths(b.else));
    case 'linked': return Math.min(1e9, paths(b.body) + 1);
    case 'loop': return Math.min(1e9, paths(b.body) ** Math.max(1, b.n));
    case 'mayGoto': return Math.min(1e9, paths(b.body) ** MAYGOTO_TRIPS + 1);
    case 'exit': return 2;
    default: return 1;
  }
}

interface Ctx {
  readable: number; // bitmask of registers holding initialized scalars
  unknown: number; // heuristic: readable registers that are not known constants
  stack: number[]; // per slot, bitmask of initialized bytes (bit i = byte at slot base + i)
  reserved: number; // loop counters live around the current block
  loops: number; // enclosing loops
  trips: number; // product of enclosing trip counts (may_goto counts as MAYGOTO_TRIPS)
}

/** Structural writes of a block (for may_goto loop heads). */
interface Acc {
  regs: number;
  stack: number[];
}

const cloneCtx = (c: Ctx): Ctx => ({ ...c, stack: [...c.stack] });
const newAcc = (): Acc => ({ regs: 0, stack: new Array<number>(NSLOTS).fill(0) });

class Emitter {
  insns: Insn[] = [];
  private fix: { at: number; label: number; imm: boolean }[] = [];
  private labels: number[] = [];
  private nextLabel = 0;

  label(): number {
    this.labels.push(-1);
    return this.nextLabel++;
  }
  bind(l: number): void {
    this.labels[l] = this.insns.length;
  }
  put(x: Insn[]): void {
    for (const i of x) this.insns.push(i);
  }
  /** A jump whose off is patched to `label`. */
  jump(x: Insn[], label: number): void {
    this.fix.push({ at: this.insns.length, label, imm: false });
    this.put(x);
  }
  mark(): { n: number; f: number } {
    return { n: this.insns.length, f: this.fix.length };
  }
  rollback(m: { n: number; f: number }): void {
    this.insns.length = m.n;
    this.fix.length = m.f;
  }
  finish(): Insn[] {
    for (const f of this.fix) {
      const target = this.labels[f.label];
      const ins = this.insns[f.at];
      if (target === undefined || target < 0 || !ins) throw new Error('generator: unbound label');
      ins.off = target - f.at - 1;
    }
    return this.insns;
  }
}

const bits = (mask: number): number[] => {
  const out: number[] = [];
  for (let r = 0; r <= 9; r++) if (mask & (1 << r)) out.push(r);
  return out;
};

class Renderer {
  constructor(private em: Emitter, private acc: Acc) {}

  private pool(c: Ctx): number[] {
    return POOL.filter((r) => !(c.reserved & (1 << r)));
  }
  dst(c: Ctx, ref: DstRef): number {
    const p = this.pool(c);
    return p[Math.abs(ref) % p.length] as number;
  }
  /** A second destination distinct from `other`. */
  dst2(c: Ctx, ref: DstRef, other: number): number {
    const p = this.pool(c).filter((r) => r !== other);
    return p[Math.abs(ref) % p.length] as number;
  }
  src(c: Ctx, ref: SrcRef, preferUnknown = false): number | undefined {
    const list = bits(preferUnknown && (c.unknown & c.readable) ? c.unknown & c.readable : c.readable);
    return list.length ? list[Math.abs(ref) % list.length] : undefined;
  }
  write(c: Ctx, r: number, unknown: boolean): void {
    c.readable |= 1 << r;
    c.unknown = unknown ? c.unknown | (1 << r) : c.unknown & ~(1 << r);
    this.acc.regs |= 1 << r;
  }
  writeStack(c: Ctx, off: number, size: number): void {
    for (let b = 0; b < size; b++) {
      const pos = off + b; // negative byte offset from r10
      const slot = Math.floor((-pos - 1) / 8);
      const byte = (pos + 8 * (slot + 1)) & 7;
      c.stack[slot] = (c.stack[slot] ?? 0) | (1 << byte);
      this.acc.stack[slot] = (this.acc.stack[slot] ?? 0) | (1 << byte);
    }
  }
  stackInit(c: Ctx, off: number, size: number): boolean {
    for (let b = 0; b < size; b++) {
      const pos = off + b;
      const slot = Math.floor((-pos - 1) / 8);
      const byte = (pos + 8 * (slot + 1)) & 7;
      if (!((c.stack[slot] ?? 0) & (1 << byte))) return false;
    }
    return true;
  }
  /** Make sure slots [0, n) hold initialized bytes; records the writes whether or not they are emitted. */
  initWindow(c: Ctx, n: number, ref: number): void {
    for (let s = 0; s < n; s++) {
      const off = -8 * (s + 1);
      if ((c.stack[s] ?? 0) !== FULL) {
        const r = this.src(c, ref + s);
        this.em.put(r === undefined ? stMem('dw', R10, off, s + 1) : stxMem('dw', R10, r, off));
      }
      this.writeStack(c, off, 8);
    }
  }

  blocks(c: Ctx, bs: Block[]): void {
    for (const b of bs) this.block(c, b);
  }

  block(c: Ctx, b: Block): void {
    switch (b.t) {
      case 'alu': for (const s of b.steps) this.alu(c, s); return;
      case 'rand': {
        const d = this.dst(c, b.dst);
        this.em.put(call(HELPER_PRANDOM));
        c.readable &= ~CALLER_SAVED;
        c.unknown &= ~CALLER_SAVED;
        this.acc.regs |= CALLER_SAVED;
        this.write(c, R0, true);
        if (d !== R0) {
          this.em.put(mov64Reg(d, R0));
          this.write(c, d, true);
        }
        return;
      }
      case 'spill': {
        const off = spillOff(b.slot, b.size, b.sub);
        const r = b.src === null ? undefined : this.src(c, b.src);
        this.em.put(r === undefined ? stMem(b.size, R10, off, b.imm) : stxMem(b.size, R10, r, off));
        this.writeStack(c, off, b.size);
        return;
      }
      case 'fill': {
        const off = spillOff(b.slot, b.size, b.sub);
        const d = this.dst(c, b.dst);
        if (this.stackInit(c, off, b.size)) {
          this.em.put(ldxMem(b.size, d, R10, off));
          this.write(c, d, true);
        } else {
          this.em.put(mov64Imm(d, b.imm));
          this.write(c, d, false);
        }
        return;
      }
      case 'varStack': return this.varStack(c, b);
      case 'linked': return this.linked(c, b);
      case 'if': return this.ifElse(c, b);
      case 'exit': {
        const r = this.src(c, b.reg, true);
        if (r === undefined) return;
        const cont = this.em.label();
        this.em.jump(jmpImm(b.op, r, b.imm, 0), cont);
        const v = b.ret === null ? undefined : this.src(c, b.ret);
        this.em.put(v === undefined ? mov64Imm(R0, 0) : mov64Reg(R0, v));
        this.em.put(exit());
        this.em.bind(cont);
        return;
      }
      case 'loop': return this.loop(c, b.n, b.body);
      case 'mayGoto': return this.mayGotoLoop(c, b.body);
      case 'risky': return this.risky(c, b.kind);
    }
  }

  private alu(c: Ctx, s: AluStep): void {
    const d = this.dst(c, s.dst);
    const r = s.src === null ? undefined : this.src(c, s.src);
    const init = (c.readable & (1 << d)) !== 0;
    let op: AluOp = init ? s.op : 'mov';
    const unknownIn = (init && op !== 'mov' && (c.unknown & (1 << d)) !== 0) || (r !== undefined && (c.unknown & (1 << r)) !== 0);
    if (r === undefined) {
      let imm = s.imm;
      if (op === 'lsh' || op === 'rsh' || op === 'arsh') imm = Math.abs(imm) % (s.w32 ? 32 : 64);
      if ((op === 'div' || op === 'mod') && imm === 0) imm = 1;
      this.em.put(s.w32 ? alu32Imm(op, d, imm) : alu64Imm(op, d, imm));
      this.write(c, d, unknownIn && op !== 'mov');
    } else {
      if (op === 'mov' && s.w32 === false && r === d) op = 'add';
      if (!init && op !== 'mov') op = 'mov';
      this.em.put(s.w32 ? alu32Reg(op, d, r) : alu64Reg(op, d, r));
      this.write(c, d, unknownIn);
    }
  }

  private varStack(c: Ctx, b: Extract<Block, { t: 'varStack' }>): void {
    const n = (b.mask + 8) / 8;
    this.initWindow(c, n, b.idx);
    const idx = this.src(c, b.idx, true);
    const d = this.dst(c, b.dst);
    const t = this.dst2(c, b.tmp, d);
    this.em.put(idx === undefined ? mov64Imm(t, 8) : mov64Reg(t, idx));
    this.em.put(alu64Imm('and', t, b.mask));
    this.em.put(mov64Reg(d, R10));
    this.em.put(alu64Imm('add', d, -(b.mask + 8)));
    this.em.put(alu64Reg('add', d, t));
    this.em.put(ldxMem('dw', d, d, 0));
    this.write(c, t, idx !== undefined);
    this.write(c, d, true);
  }

  private linked(c: Ctx, b: Extract<Block, { t: 'linked' }>): void {
    const bound = Math.min(Math.abs(b.bound) % 16, 31);
    const delta = Math.abs(b.delta) % (32 - bound);
    this.initWindow(c, 4, b.src);
    let s = this.src(c, b.src, true);
    const d = this.dst(c, b.dst);
    const t = this.dst2(c, b.tmp, d);
    if (s === undefined) {
      this.em.put(mov64Imm(d, 0));
      s = d;
    } else {
      this.em.put(mov64Reg(d, s));
    }
    this.em.put(alu64Imm('add', d, delta));
    this.write(c, d, (c.unknown & (1 << s)) !== 0);
    const skip = this.em.label();
    // If s and d are the same register the test bounds d itself.
    this.em.jump(jmpImm('jgt', s, s === d ? bound + delta : bound, 0), skip);
    const inner = cloneCtx(c);
    this.em.put(mov64Reg(t, R10));
    this.em.put(alu64Imm('add', t, -32));
    this.em.put(alu64Reg('add', t, d));
    this.em.put(ldxMem('b', t, t, 0));
    this.write(inner, t, true);
    this.blocks(inner, b.body);
    this.em.bind(skip);
    join(c, c, inner);
  }

  private ifElse(c: Ctx, b: Extract<Block, { t: 'if' }>): void {
    const r = this.src(c, b.reg, true);
    if (r === undefined) {
      this.blocks(c, b.then);
      return;
    }
    const r2 = b.reg2 === null ? undefined : this.src(c, b.reg2);
    const elseL = this.em.label();
    const endL = this.em.label();
    const hasElse = b.else.length > 0;
    const target = hasElse ? elseL : endL;
    if (r2 === undefined) this.em.jump(b.w32 ? jmp32Imm(b.op, r, b.imm, 0) : jmpImm(b.op, r, b.imm, 0), target);
    else this.em.jump(b.w32 ? jmp32Reg(b.op, r, r2, 0) : jmpReg(b.op, r, r2, 0), target);
    const thenC = cloneCtx(c);
    this.blocks(thenC, b.then);
    const elseC = cloneCtx(c);
    if (hasElse) {
      this.em.jump(ja(0), endL);
      this.em.bind(elseL);
      this.blocks(elseC, b.else);
    }
    this.em.bind(endL);
    join(c, thenC, elseC);
  }

  /** Output context of `body` from `c`, rendered into a scratch emitter. */
  private dry(c: Ctx, body: Block[]): { out: Ctx; acc: Acc } {
    const acc = newAcc();
    const out = cloneCtx(c);
    new Renderer(new Emitter(), acc).blocks(out, body);
    return { out, acc };
  }

  private loop(c: Ctx, n: number, body: Block[]): void {
    const ctr = COUNTERS.find((r) => !(c.reserved & (1 << r)));
    if (ctr === undefined || c.loops >= MAX_LOOP_NEST || c.trips * n > MAX_TRIPS
      || c.trips * pathsOf({ t: 'loop', n, body }) > MAX_PATHS) {
      this.blocks(c, body);
      return;
    }
    this.em.put(mov64Imm(ctr, 0));
    this.write(c, ctr, false);
    const inner = cloneCtx(c);
    inner.reserved |= 1 << ctr;
    inner.loops++;
    inner.trips *= n;
    // Loop head: what is initialized both on entry and after any iteration.
    for (let i = 0; i < 4; i++) {
      const { out } = this.dry(inner, body);
      const next = meet(inner, out);
      if (next.readable === inner.readable && next.stack.every((v, k) => v === inner.stack[k])) break;
      inner.readable = next.readable;
      inner.unknown = next.unknown;
      inner.stack = next.stack;
    }
    const head = this.em.label();
    this.em.bind(head);
    this.blocks(inner, body);
    this.em.put(alu64Imm('add', ctr, 1));
    this.em.jump(jmpImm('jlt', ctr, Math.max(1, n), 0), head);
    inner.reserved = c.reserved;
    inner.loops = c.loops;
    inner.trips = c.trips;
    Object.assign(c, inner);
    this.write(c, ctr, false);
  }

  private mayGotoLoop(c: Ctx, body: Block[]): void {
    if (c.loops >= MAX_LOOP_NEST || c.trips * MAYGOTO_TRIPS > MAX_TRIPS
      || c.trips * pathsOf({ t: 'mayGoto', body }) > MAX_PATHS) {
      this.blocks(c, body);
      return;
    }
    // Anything the body writes is treated as unwritten at the head, so every
    // iteration recomputes it from loop invariants and states converge.
    const { acc } = this.dry(c, body);
    const head = cloneCtx(c);
    head.readable &= ~acc.regs;
    head.unknown &= ~acc.regs;
    head.stack = head.stack.map((v, k) => v & ~(acc.stack[k] ?? 0));
    const top = this.em.label();
    const out = this.em.label();
    this.em.bind(top);
    this.em.jump(mayGoto(0), out);
    const inner = cloneCtx(head);
    inner.loops++;
    inner.trips *= MAYGOTO_TRIPS;
    this.blocks(inner, body);
    this.em.jump(ja(0), top);
    this.em.bind(out);
    this.acc.regs |= acc.regs;
    acc.stack.forEach((v, k) => { this.acc.stack[k] = (this.acc.stack[k] ?? 0) | v; });
    Object.assign(c, head);
  }

  private risky(c: Ctx, kind: Extract<Block, { t: 'risky' }>['kind']): void {
    switch (kind) {
      case 'unboundedVarOff':
        // r2 = r10 + [0, 2^32): no bound on the offset.
        this.em.put(call(HELPER_PRANDOM));
        this.em.put(mov64Reg(2, R10));
        this.em.put(alu64Reg('add', 2, R0));
        this.em.put(ldxMem('dw', R0, 2, -8));
        c.readable &= ~CALLER_SAVED;
        c.unknown &= ~CALLER_SAVED;
        this.acc.regs |= CALLER_SAVED;
        this.write(c, R0, true);
        return;
      case 'stackOutOfRange':
        this.em.put(stMem('dw', R10, -520, 0));
        return;
      case 'infiniteLoop': {
        // The counter never advances: identical states at the loop head.
        const ctr = this.dst(c, 0);
        this.em.put(mov64Imm(ctr, 0));
        const head = this.em.label();
        this.em.bind(head);
        this.em.put(alu64Imm('add', ctr, 0));
        this.em.jump(jmpImm('jlt', ctr, 10, 0), head);
        this.write(c, ctr, false);
        return;
      }
    }
  }
}

/** Stack offset of a spill/fill: inside slot `slot`, aligned to `size`. */
export function spillOff(slot: number, size: number, sub: number): number {
  const s = Math.abs(slot) % NSLOTS;
  const within = size >= 8 ? 0 : (Math.abs(sub) % (8 / size)) * size;
  return -8 * (s + 1) + within;
}

function meet(a: Ctx, b: Ctx): Ctx {
  return {
    readable: a.readable & b.readable,
    unknown: (a.unknown | b.unknown) & a.readable & b.readable,
    stack: a.stack.map((v, k) => v & (b.stack[k] ?? 0)),
    reserved: a.reserved,
    loops: a.loops,
    trips: a.trips,
  };
}

function join(into: Ctx, a: Ctx, b: Ctx): void {
  const m = meet(a, b);
  into.readable = m.readable;
  into.unknown = m.unknown;
  into.stack = m.stack;
}

const initialCtx = (): Ctx => ({
  readable: 0, unknown: 0, stack: new Array<number>(NSLOTS).fill(0), reserved: 0, loops: 0, trips: 1,
});

/** Render a tree to instructions; top-level blocks that would exceed maxInsns are dropped. */
export function renderInsns(tree: ProgramTree): Insn[] {
  const em = new Emitter();
  const r = new Renderer(em, newAcc());
  const c = initialCtx();
  const budget = Math.max(2, tree.maxInsns) - 2; // room for `r0 = x; exit`
  for (const b of tree.blocks) {
    const m = em.mark();
    const saved = cloneCtx(c);
    r.block(c, b);
    if (em.insns.length > budget) {
      em.rollback(m);
      Object.assign(c, saved);
    }
  }
  const ret = tree.ret === null ? undefined : r.src(c, tree.ret);
  em.put(ret === undefined ? mov64Imm(R0, 0) : mov64Reg(R0, ret));
  em.put(exit());
  return em.finish();
}

export function renderProgram(tree: ProgramTree, name = 'gen'): Program {
  return makeProgram(renderInsns(tree), { name, progType: 'socket' });
}
