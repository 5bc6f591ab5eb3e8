// Renders a block tree to instructions. Rendering is total: any tree gives a
// program the verifier should accept (apart from 'risky' blocks), because the
// renderer tracks which registers and stack bytes are initialized and resolves
// abstract references against them. Writes depend on the tree only (never on
// what is initialized), which is what makes the loop-head fixpoints below sound.
// Calls render their callee into a subprogram of its own (one per call
// block), laid out after the main program; the callee context knows the
// stacks of all caller frames, so reads through pointer arguments only touch
// initialized bytes.

import type { Insn } from '../src/isa/insn.js';
import {
  alu32Imm, alu32Reg, alu64Imm, alu64Reg, call, exit, ja, jmp32Imm, jmp32Reg, jmpImm, jmpReg, ldxMem, mayGoto,
  ldImm64, mov64Imm, mov64Reg, stMem, stxMem, R0, R10, type AluOp,
} from '../src/isa/builder.js';
import { makeProgram, type MapSpec, type Program } from '../src/isa/program.js';
import { BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, isLdImm64 } from '../src/isa/opcode.js';
import type { AluStep, Block, CallArg, DstRef, ProgramTree, SrcRef } from './tree.js';
import { Emitter, type FuncMeta } from './emit.js';

/** Stack bytes the generator uses: 8 slots, r10-64 .. r10-1. */
export const NSLOTS = 8;
const FULL = 0xff;
const HELPER_PRANDOM = 7;
const HELPER_LOOP = 181;
const HELPER_FOR_EACH_MAP_ELEM = 164;
const HELPER_TIMER_INIT = 169;
const HELPER_TIMER_SET_CALLBACK = 170;
const HELPER_TIMER_START = 171;
/**
 * The map every timer block arms: one array element holding a bpf_timer at
 * offset 0 and six data words the callbacks read. Loaded with ld_imm64
 * BPF_PSEUDO_MAP_IDX_VALUE, so no lookup (and no stack) is needed.
 */
export const TIMER_MAP: MapSpec = { name: 'timers', type: 'array', keySize: 4, valueSize: 64, maxEntries: 1, timerOff: 0 };
const TIMER_DATA_WORDS = 6;
/** Map 1 of every program that uses maps: a user ring buffer for bpf_user_ringbuf_drain. */
export const RINGBUF_MAP: MapSpec = { name: 'urb', type: 'user_ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 };
const HELPER_USER_RINGBUF_DRAIN = 209;
const HELPER_GET_CURRENT_TASK_BTF = 158;
const HELPER_FIND_VMA = 180;
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
/**
 * Deepest call level rendered as a call (deeper calls are inlined): frames
 * 0..7 is the kernel's limit, and 8 frames of at most 64 stack bytes each
 * stay within the combined 512.
 */
export const MAX_CALL_LEVEL = 7;
/** Callee-saved registers that hold pointer arguments inside a callee. */
const PTR_HOLDERS = [9, 8];

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
    case 'call': return Math.min(1e9, paths(b.body) * (b.use === 'branch' ? paths(b.then) + 1 : 1));
    default: return 1;
  }
}

/** A register holding a pointer to r10-8*(slot+1) of caller frame `frame`. */
interface PtrReg {
  reg: number;
  frame: number;
  slot: number;
}

interface Ctx {
  readable: number; // bitmask of registers holding initialized scalars
  unknown: number; // heuristic: readable registers that are not known constants
  stack: number[]; // per slot, bitmask of initialized bytes (bit i = byte at slot base + i)
  reserved: number; // loop counters and pointer holders live around the current block
  loops: number; // enclosing loops (callers' included)
  trips: number; // product of enclosing trip counts (may_goto counts as MAYGOTO_TRIPS)
  level: number; // call level = frame number
  outer: number[][]; // stacks of frames 0..level-1, as `stack`
  ptrs: readonly PtrReg[]; // pointer arguments, in reserved registers (never written)
}

/** Structural writes of a block (for may_goto loop heads). */
interface Acc {
  regs: number;
  stack: number[];
  outer: number[][];
}

const cloneCtx = (c: Ctx): Ctx => ({ ...c, stack: [...c.stack], outer: c.outer.length ? c.outer.map((s) => [...s]) : c.outer });
const newSlots = (): number[] => new Array<number>(NSLOTS).fill(0);
const newAcc = (): Acc => ({ regs: 0, stack: newSlots(), outer: [] });

/** Byte-mask bookkeeping of `size` bytes at stack offset `off` in one frame's slots. */
function markBytes(slots: number[], off: number, size: number): void {
  for (let b = 0; b < size; b++) {
    const pos = off + b; // negative byte offset from r10
    const slot = Math.floor((-pos - 1) / 8);
    const byte = (pos + 8 * (slot + 1)) & 7;
    slots[slot] = (slots[slot] ?? 0) | (1 << byte);
  }
}
function bytesInit(slots: readonly number[], off: number, size: number): boolean {
  for (let b = 0; b < size; b++) {
    const pos = off + b;
    const slot = Math.floor((-pos - 1) / 8);
    const byte = (pos + 8 * (slot + 1)) & 7;
    if (!((slots[slot] ?? 0) & (1 << byte))) return false;
  }
  return true;
}
const orInto = (into: number[], from: readonly number[] | undefined): void => {
  if (from) from.forEach((v, k) => { into[k] = (into[k] ?? 0) | v; });
};

const bits = (mask: number): number[] => {
  const out: number[] = [];
  for (let r = 0; r <= 9; r++) if (mask & (1 << r)) out.push(r);
  return out;
};

/** A callee's `r0 = ret (or retImm); r0 &= retMask (0: none); exit`. */
function putCalleeReturn(sub: Emitter, v: number | undefined, b: Extract<Block, { t: 'call' }>): void {
  if (v === undefined) sub.put(mov64Imm(R0, b.retImm));
  else if (v !== R0) sub.put(mov64Reg(R0, v));
  if (b.retMask !== 0) sub.put(alu64Imm('and', R0, b.retMask));
  sub.put(exit());
}

class Renderer {
  /**
   * `exits` collects the caller frames' stacks at each early exit of a callee (null: not collected);
   * `exitMask`: in a callback, early exits AND r0 with it (its return range is [0, mask]); null elsewhere.
   */
  constructor(private em: Emitter, private acc: Acc, private exits: number[][][] | null = null, private exitMask: number | null = null) {}

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
  /** The register now holds a pointer: not a readable scalar. */
  writePtr(c: Ctx, r: number): void {
    c.readable &= ~(1 << r);
    c.unknown &= ~(1 << r);
    this.acc.regs |= 1 << r;
  }
  writeStack(c: Ctx, off: number, size: number): void {
    markBytes(c.stack, off, size);
    markBytes(this.acc.stack, off, size);
  }
  /** A write into caller frame `frame` through a pointer argument. */
  writeOuter(c: Ctx, frame: number, off: number, size: number): void {
    const slots = c.outer[frame];
    if (slots) markBytes(slots, off, size);
    const acc = (this.acc.outer[frame] ??= newSlots());
    markBytes(acc, off, size);
  }
  stackInit(c: Ctx, off: number, size: number): boolean {
    return bytesInit(c.stack, off, size);
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
        if (this.exitMask !== null) this.em.put(alu64Imm('and', R0, this.exitMask));
        this.em.put(exit());
        this.em.bind(cont);
        if (this.exits) this.exits.push(c.outer.map((s) => [...s]));
        return;
      }
      case 'loop': return this.loop(c, b.n, b.body);
      case 'mayGoto': return this.mayGotoLoop(c, b.body);
      case 'call': return this.call(c, b);
      case 'ptrStore': return this.ptrStore(c, b);
      case 'ptrLoad': return this.ptrLoad(c, b);
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
    this.initWindow(c, (b.mask + 8) / 8, b.idx);
    this.varRead(c, this.src(c, b.idx, true), b.mask, b.tmp, b.dst);
  }

  /** d = *(u64 *)(r10 - (mask+8) + (idx & mask)); the window must be initialized. */
  private varRead(c: Ctx, idx: number | undefined, mask: number, tmp: DstRef, dst: DstRef): void {
    const d = this.dst(c, dst);
    const t = this.dst2(c, tmp, d);
    this.em.put(idx === undefined ? mov64Imm(t, 8) : mov64Reg(t, idx));
    this.em.put(alu64Imm('and', t, mask));
    this.em.put(mov64Reg(d, R10));
    this.em.put(alu64Imm('add', d, -(mask + 8)));
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
      if (next.readable === inner.readable && sameSlots(next.stack, inner.stack)
        && next.outer.every((s, f) => sameSlots(s, inner.outer[f] ?? []))) break;
      inner.readable = next.readable;
      inner.unknown = next.unknown;
      inner.stack = next.stack;
      inner.outer = next.outer;
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
    head.outer = head.outer.map((s, f) => s.map((v, k) => v & ~(acc.outer[f]?.[k] ?? 0)));
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
    orInto(this.acc.stack, acc.stack);
    acc.outer.forEach((s, f) => orInto((this.acc.outer[f] ??= newSlots()), s));
    Object.assign(c, head);
  }

  /** The pointer argument a block names, if this frame holds any. */
  private ptrOf(c: Ctx, ref: number): PtrReg | undefined {
    return c.ptrs.length ? c.ptrs[Math.abs(ref) % c.ptrs.length] : undefined;
  }

  private ptrStore(c: Ctx, b: Extract<Block, { t: 'ptrStore' }>): void {
    const p = this.ptrOf(c, b.ptr);
    if (!p) return this.block(c, { t: 'spill', src: b.src, slot: b.slot, size: b.size, sub: b.sub, imm: b.imm });
    const target = spillOff(b.slot, b.size, b.sub);
    const off = target + 8 * (p.slot + 1);
    const r = b.src === null ? undefined : this.src(c, b.src);
    this.em.put(r === undefined ? stMem(b.size, p.reg, off, b.imm) : stxMem(b.size, p.reg, r, off));
    this.writeOuter(c, p.frame, target, b.size);
  }

  private ptrLoad(c: Ctx, b: Extract<Block, { t: 'ptrLoad' }>): void {
    const p = this.ptrOf(c, b.ptr);
    if (!p) return this.block(c, { t: 'fill', dst: b.dst, slot: b.slot, size: b.size, sub: b.sub, imm: b.imm });
    const target = spillOff(b.slot, b.size, b.sub);
    const d = this.dst(c, b.dst);
    if (bytesInit(c.outer[p.frame] ?? [], target, b.size)) {
      this.em.put(ldxMem(b.size, d, p.reg, target + 8 * (p.slot + 1)));
      this.write(c, d, true);
    } else {
      this.em.put(mov64Imm(d, b.imm));
      this.write(c, d, false);
    }
  }

  /** r{i+1} = args[i]; returns the pointer arguments. */
  private callArgs(c: Ctx, args: readonly CallArg[]): PtrReg[] {
    const ptrs: PtrReg[] = [];
    const stackPtr = (r: number, slot: number): void => {
      const s = Math.abs(slot) % NSLOTS;
      this.em.put(mov64Reg(r, R10));
      this.em.put(alu64Imm('add', r, -8 * (s + 1)));
      this.writePtr(c, r);
      ptrs.push({ reg: r, frame: c.level, slot: s });
    };
    for (let i = 0; i < Math.min(5, args.length); i++) {
      const a = args[i] as CallArg;
      const r = i + 1;
      switch (a.k) {
        case 'none': break;
        case 'const':
          this.em.put(mov64Imm(r, a.imm));
          this.write(c, r, false);
          break;
        case 'scalar':
        case 'bounded': {
          const s = this.src(c, a.src, true);
          const unknown = s !== undefined && (c.unknown & (1 << s)) !== 0;
          if (s === undefined) this.em.put(mov64Imm(r, a.k === 'bounded' ? a.mask : 0));
          else if (s !== r) this.em.put(mov64Reg(r, s));
          if (s !== undefined && a.k === 'bounded') this.em.put(alu64Imm('and', r, a.mask));
          this.write(c, r, unknown);
          break;
        }
        case 'stackPtr': stackPtr(r, a.slot); break;
        case 'fwdPtr': {
          const p = this.ptrOf(c, a.ptr);
          if (!p) {
            stackPtr(r, a.ptr);
            break;
          }
          this.em.put(mov64Reg(r, p.reg));
          this.writePtr(c, r);
          ptrs.push({ ...p, reg: r });
          break;
        }
      }
    }
    return ptrs;
  }

  private call(c: Ctx, b: Extract<Block, { t: 'call' }>): void {
    if (c.level >= MAX_CALL_LEVEL) {
      this.blocks(c, b.body);
      return;
    }
    if (b.kind === 'global') {
      this.globalCall(c, b);
      return;
    }
    if (b.kind === 'loop') {
      this.loopCallback(c, b);
      return;
    }
    if (b.kind === 'timer') {
      this.timerCallback(c, b);
      return;
    }
    if (b.kind === 'forEach' || b.kind === 'ringbuf' || b.kind === 'findVma') {
      this.mapCallback(c, b, b.kind);
      return;
    }
    const ptrArgs = this.callArgs(c, b.args);
    // The callee: r1-r5 as set up, a fresh stack, the callers' stacks reachable through pointers.
    const sub = new Emitter();
    const subAcc = newAcc();
    const exits: number[][][] = [];
    const holders = ptrArgs.slice(0, PTR_HOLDERS.length).map((p, i): PtrReg => {
      const reg = PTR_HOLDERS[i] as number;
      sub.put(mov64Reg(reg, p.reg));
      return { ...p, reg };
    });
    const cc: Ctx = {
      readable: c.readable & CALLER_SAVED, unknown: c.unknown & CALLER_SAVED,
      stack: newSlots(), reserved: holders.reduce((m, p) => m | (1 << p.reg), 0),
      loops: c.loops, trips: c.trips, level: c.level + 1, outer: [...c.outer.map((s) => [...s]), [...c.stack]], ptrs: holders,
    };
    const rr = new Renderer(sub, subAcc, exits);
    rr.blocks(cc, b.body);
    const v = b.ret === null ? undefined : rr.src(cc, b.ret);
    putCalleeReturn(sub, v, b);
    const nested = sub.funcs();
    this.em.callSub(sub.finish(), [{ linkage: 'static', params: 0 }, ...nested]);
    // Back in the caller: its frames as the callee left them on every return path.
    let outer = cc.outer;
    for (const e of exits) outer = outer.map((s, f) => s.map((x, k) => x & (e[f]?.[k] ?? 0)));
    c.stack = outer[c.level] ?? c.stack;
    c.outer = outer.slice(0, c.level);
    orInto(this.acc.stack, subAcc.outer[c.level]);
    for (let f = 0; f < c.level; f++) if (subAcc.outer[f]) orInto((this.acc.outer[f] ??= newSlots()), subAcc.outer[f]);
    this.clobberCallerSaved(c);
    this.write(c, R0, exits.length > 0 || (v !== undefined && (cc.unknown & (1 << v)) !== 0));
    this.useResult(c, b);
  }

  /**
   * A call of a global subprogram: scalar arguments only (its BTF parameters
   * are `long`), verified by the kernel on its own, from unknown scalars and a
   * fresh frame 0; the caller gets an unknown scalar back and keeps its stack.
   */
  private globalCall(c: Ctx, b: Extract<Block, { t: 'call' }>): void {
    const args = b.args.slice(0, 5).map((a, i): CallArg => (a.k === 'scalar' || a.k === 'bounded' || a.k === 'const' ? a : { k: 'const', imm: i }));
    this.callArgs(c, args);
    const argRegs = ((1 << (args.length + 1)) - 1) & ~1;
    const sub = new Emitter();
    const cc: Ctx = { ...initialCtx(), readable: argRegs, unknown: argRegs };
    const rr = new Renderer(sub, newAcc(), []);
    rr.blocks(cc, b.body);
    const v = b.ret === null ? undefined : rr.src(cc, b.ret);
    putCalleeReturn(sub, v, b);
    const nested = sub.funcs();
    this.em.callSub(sub.finish(), [{ linkage: 'global', params: args.length }, ...nested]);
    this.clobberCallerSaved(c);
    this.write(c, R0, true);
    this.useResult(c, b);
  }

  /**
   * bpf_loop(nr, callback, NULL, 0): the body runs in a new frame with r1 =
   * the iteration index and r2 = the NULL ctx, and returns 0 or 1; r0 after
   * the call is the number of iterations run (or an error).
   */
  private loopCallback(c: Ctx, b: Extract<Block, { t: 'call' }>): void {
    const sub = new Emitter();
    const exits: number[][][] = [];
    const cc: Ctx = {
      readable: (1 << 1) | (1 << 2), unknown: 1 << 1, stack: newSlots(), reserved: 0,
      loops: c.loops + 1, trips: c.trips * Math.max(1, b.nr), level: c.level + 1, outer: [...c.outer.map((s) => [...s]), [...c.stack]], ptrs: [],
    };
    const rr = new Renderer(sub, newAcc(), exits, 1);
    rr.blocks(cc, b.body);
    const v = b.ret === null ? undefined : rr.src(cc, b.ret);
    putCallbackExit(sub, v, b.retImm, 1);
    const nested = sub.funcs();
    this.em.put(mov64Imm(1, Math.max(1, b.nr)));
    this.em.loadFunc(2, sub.finish(), [{ linkage: 'static', params: 0 }, ...nested]);
    this.em.put(mov64Imm(3, 0));
    this.em.put(mov64Imm(4, 0));
    this.em.put(call(HELPER_LOOP));
    this.clobberCallerSaved(c);
    this.write(c, R0, true);
    this.useResult(c, b);
  }

  /**
   * bpf_timer_init(&v->timer, map, 0); bpf_timer_set_callback(&v->timer, cb);
   * then bpf_timer_start unless `nr` is 1. The body runs later, from a fresh
   * frame 0 of its own (push_async_cb): r1-r3 = map, key, value, nothing of
   * the caller is reachable; it starts from a data word of the value and
   * returns 0 (r0 = result & 0, so the exit's precision walks the body).
   */
  private timerCallback(c: Ctx, b: Extract<Block, { t: 'call' }>): void {
    const sub = new Emitter();
    const cc: Ctx = { ...initialCtx(), loops: c.loops, trips: c.trips };
    sub.put(ldxMem('dw', 6, 3, 16 + 8 * (Math.abs(b.retImm) % TIMER_DATA_WORDS)));
    const rr = new Renderer(sub, newAcc(), [], 0);
    rr.write(cc, 6, true);
    rr.blocks(cc, b.body);
    const v = b.ret === null ? undefined : rr.src(cc, b.ret);
    putCallbackExit(sub, v, b.retImm, 0);
    const nested = sub.funcs();
    const timer = (): Insn[] => ldImm64(1, 0n, BPF_PSEUDO_MAP_IDX_VALUE);
    this.em.put(timer());
    this.em.put(ldImm64(2, 0n, BPF_PSEUDO_MAP_IDX));
    this.em.put(mov64Imm(3, 0));
    this.em.put(call(HELPER_TIMER_INIT));
    this.em.put(timer());
    this.em.loadFunc(2, sub.finish(), [{ linkage: 'static', params: 0 }, ...nested]);
    this.em.put(call(HELPER_TIMER_SET_CALLBACK));
    if (b.nr !== 1) {
      this.em.put(timer());
      this.em.put(mov64Imm(2, 1000 * b.nr));
      this.em.put(mov64Imm(3, 0));
      this.em.put(call(HELPER_TIMER_START));
    }
    this.clobberCallerSaved(c);
    this.write(c, R0, true);
    this.useResult(c, b);
  }

  /**
   * bpf_for_each_map_elem(&timers, callback, NULL, 0): the body runs in a new
   * frame with r1-r3 = map, key, value and r4 = the NULL ctx, and starts from
   * a data word of the value; bpf_user_ringbuf_drain(&urb, callback, NULL, 0):
   * r1 = a dynptr, r2 = the NULL ctx; bpf_find_vma(current task, 0, callback,
   * NULL, 0): r1 = the task, r2 = a vma, r3 = the NULL ctx. All return 0 or 1.
   */
  private mapCallback(c: Ctx, b: Extract<Block, { t: 'call' }>, kind: 'forEach' | 'ringbuf' | 'findVma'): void {
    const sub = new Emitter();
    const exits: number[][][] = [];
    const ctxReg = kind === 'forEach' ? 4 : kind === 'ringbuf' ? 2 : 3;
    const cc: Ctx = {
      readable: 1 << ctxReg, unknown: 0, stack: newSlots(), reserved: 0,
      loops: c.loops + 1, trips: c.trips * 2, level: c.level + 1, outer: [...c.outer.map((s) => [...s]), [...c.stack]], ptrs: [],
    };
    const rr = new Renderer(sub, newAcc(), exits, 1);
    if (kind === 'forEach') {
      sub.put(ldxMem('dw', 6, 3, 16 + 8 * (Math.abs(b.retImm) % TIMER_DATA_WORDS)));
      rr.write(cc, 6, true);
    }
    rr.blocks(cc, b.body);
    const v = b.ret === null ? undefined : rr.src(cc, b.ret);
    putCallbackExit(sub, v, b.retImm, 1);
    const nested = sub.funcs();
    if (kind === 'findVma') {
      this.em.put(call(HELPER_GET_CURRENT_TASK_BTF));
      this.em.put(mov64Reg(1, R0));
      this.em.put(mov64Imm(2, 0));
      this.em.loadFunc(3, sub.finish(), [{ linkage: 'static', params: 0 }, ...nested]);
      this.em.put(mov64Imm(4, 0));
      this.em.put(mov64Imm(5, 0));
      this.em.put(call(HELPER_FIND_VMA));
    } else {
      this.em.put(ldImm64(1, kind === 'ringbuf' ? 1n : 0n, BPF_PSEUDO_MAP_IDX));
      this.em.loadFunc(2, sub.finish(), [{ linkage: 'static', params: 0 }, ...nested]);
      this.em.put(mov64Imm(3, 0));
      this.em.put(mov64Imm(4, 0));
      this.em.put(call(kind === 'ringbuf' ? HELPER_USER_RINGBUF_DRAIN : HELPER_FOR_EACH_MAP_ELEM));
    }
    this.clobberCallerSaved(c);
    this.write(c, R0, true);
    this.useResult(c, b);
  }

  /** r0-r5 are scratch after any call. */
  private clobberCallerSaved(c: Ctx): void {
    c.readable &= ~CALLER_SAVED;
    c.unknown &= ~CALLER_SAVED;
    this.acc.regs |= CALLER_SAVED;
  }

  /** The caller's use of r0 after a call. */
  private useResult(c: Ctx, b: Extract<Block, { t: 'call' }>): void {
    switch (b.use) {
      case 'branch': {
        const skip = this.em.label();
        this.em.jump(jmpImm(b.op, R0, b.imm, 0), skip);
        const inner = cloneCtx(c);
        this.blocks(inner, b.then);
        this.em.bind(skip);
        join(c, c, inner);
        return;
      }
      case 'index':
        this.initWindow(c, (b.mask + 8) / 8, b.tmp);
        this.varRead(c, R0, b.mask, b.tmp, b.dst);
        return;
      case 'none': {
        const d = this.dst(c, b.dst);
        if (d === R0) return;
        this.em.put(mov64Reg(d, R0));
        this.write(c, d, (c.unknown & 1) !== 0);
        return;
      }
    }
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

/** A callback's exit: r0 = v & mask (or retImm & mask without a source), inside its [0, mask] return range. */
function putCallbackExit(sub: Emitter, v: number | undefined, retImm: number, mask: number): void {
  if (v === undefined) sub.put(mov64Imm(R0, retImm & mask));
  else {
    if (v !== R0) sub.put(mov64Reg(R0, v));
    sub.put(alu64Imm('and', R0, mask));
  }
  sub.put(exit());
}

/** Stack offset of a spill/fill: inside slot `slot`, aligned to `size`. */
export function spillOff(slot: number, size: number, sub: number): number {
  const s = Math.abs(slot) % NSLOTS;
  const within = size >= 8 ? 0 : (Math.abs(sub) % (8 / size)) * size;
  return -8 * (s + 1) + within;
}

const sameSlots = (a: readonly number[], b: readonly number[]): boolean => a.every((v, k) => v === b[k]);

function meet(a: Ctx, b: Ctx): Ctx {
  return {
    readable: a.readable & b.readable,
    unknown: (a.unknown | b.unknown) & a.readable & b.readable,
    stack: a.stack.map((v, k) => v & (b.stack[k] ?? 0)),
    reserved: a.reserved,
    loops: a.loops,
    trips: a.trips,
    level: a.level,
    outer: a.outer.length ? a.outer.map((s, f) => s.map((v, k) => v & (b.outer[f]?.[k] ?? 0))) : a.outer,
    ptrs: a.ptrs,
  };
}

function join(into: Ctx, a: Ctx, b: Ctx): void {
  const m = meet(a, b);
  into.readable = m.readable;
  into.unknown = m.unknown;
  into.stack = m.stack;
  into.outer = m.outer;
}

const NO_FRAMES: number[][] = [];
const initialCtx = (): Ctx => ({
  readable: 0, unknown: 0, stack: newSlots(), reserved: 0, loops: 0, trips: 1, level: 0, outer: NO_FRAMES, ptrs: [],
});

/** Render a tree to instructions; top-level blocks that would exceed maxInsns are dropped. */
export function renderInsns(tree: ProgramTree): Insn[] {
  return renderWithFuncs(tree).insns;
}

/** Instructions and, when a global subprogram is among them, the BTF func info of every subprogram. */
function renderWithFuncs(tree: ProgramTree): { insns: Insn[]; funcs?: FuncMeta[] } {
  const em = new Emitter();
  const r = new Renderer(em, newAcc());
  const c = initialCtx();
  const budget = Math.max(2, tree.maxInsns) - 2; // room for `r0 = x; exit`
  for (const b of tree.blocks) {
    const m = em.mark();
    const saved = cloneCtx(c);
    r.block(c, b);
    if (em.size() > budget) {
      em.rollback(m);
      Object.assign(c, saved);
    }
  }
  const ret = tree.ret === null ? undefined : r.src(c, tree.ret);
  em.put(ret === undefined ? mov64Imm(R0, 0) : mov64Reg(R0, ret));
  em.put(exit());
  const subs = em.funcs();
  const insns = em.finish();
  // Without a global subprogram or a callback no BTF is needed: programs stay as they were.
  const callback = insns.some((i) => isLdImm64(i.code) && i.src === BPF_PSEUDO_FUNC);
  if (!callback && !subs.some((f) => f.linkage === 'global')) return { insns };
  return { insns, funcs: [{ linkage: 'static', params: 1 }, ...subs] };
}

export function renderProgram(tree: ProgramTree, name = 'gen'): Program {
  const { insns, funcs } = renderWithFuncs(tree);
  // only timer, for-each and ring buffer blocks load a map; programs that do get both maps
  const maps = insns.some((i) => isLdImm64(i.code) && (i.src === BPF_PSEUDO_MAP_IDX || i.src === BPF_PSEUDO_MAP_IDX_VALUE));
  return makeProgram(insns, { name, progType: 'socket', ...(funcs ? { funcs } : {}), ...(maps ? { maps: [TIMER_MAP, RINGBUF_MAP] } : {}) });
}
