// The block tree that generators produce and fast-check shrinks. Register and
// slot fields are abstract references, resolved by the renderer against what
// is initialized at that point, so every tree (including every shrunk one)
// renders to a valid program.

import type { AluOp, JmpOp } from '../src/isa/builder.js';

/** Destination reference: index into the writable register pool (mod its size). */
export type DstRef = number;
/** Source reference: index into the currently readable scalar registers (mod their count). */
export type SrcRef = number;

export interface AluStep {
  op: AluOp;
  dst: DstRef;
  /** Register source; null means the immediate form. */
  src: SrcRef | null;
  imm: number;
  w32: boolean;
}

export type SpillSize = 1 | 2 | 4 | 8;

export type Block =
  /** Straight-line ALU over initialized registers. */
  | { t: 'alu'; steps: AluStep[] }
  /** call bpf_get_prandom_u32 (helper 7) for an unknown scalar; clobbers r1-r5. */
  | { t: 'rand'; dst: DstRef }
  /** Store a scalar (or an immediate when none is readable) at r10-8*(slot+1)+sub. */
  | { t: 'spill'; src: SrcRef | null; slot: number; size: SpillSize; sub: number; imm: number }
  /** Load back from the stack; an unwritten location renders as `dst = imm`. */
  | { t: 'fill'; dst: DstRef; slot: number; size: SpillSize; sub: number; imm: number }
  /** Variable-offset stack read through a masked scalar: window of (mask+8) bytes below r10. */
  | { t: 'varStack'; idx: SrcRef; tmp: DstRef; dst: DstRef; mask: 0x8 | 0x18 | 0x38 }
  /** dst = src; dst += delta; if src > bound skip {var-offset read through dst; body}. */
  | { t: 'linked'; src: SrcRef; dst: DstRef; tmp: DstRef; delta: number; bound: number; body: Block[] }
  /** if/else diamond (else may be empty). */
  | { t: 'if'; reg: SrcRef; op: JmpOp; imm: number; reg2: SrcRef | null; w32: boolean; then: Block[]; else: Block[] }
  /** Guarded early exit: if cond { r0 = scalar; exit }. */
  | { t: 'exit'; reg: SrcRef; op: JmpOp; imm: number; ret: SrcRef | null }
  /** Bounded loop on an exact counter: c = 0; do { body; c += 1 } while (c < n). */
  | { t: 'loop'; n: number; body: Block[] }
  /** may_goto loop: L: may_goto out; body; goto L; out: */
  | { t: 'mayGoto'; body: Block[] }
  /**
   * bpf-to-bpf call of a subprogram generated for this call site (laid out
   * after the main program): r1-r5 = args; callee = body, then
   * `r0 = ret (or retImm); r0 &= retMask (0: none); exit`. The caller then
   * uses r0 per `use`: a branch `if r0 op imm` over `then`, a var-offset
   * stack index (window mask+8 below r10), or nothing.
   */
  | {
    t: 'call'; args: CallArg[]; body: Block[]; ret: SrcRef | null; retImm: number; retMask: number;
    use: CallUse; op: JmpOp; imm: number; then: Block[]; mask: 0x8 | 0x18 | 0x38; dst: DstRef; tmp: DstRef;
    /**
     * static: a bpf-to-bpf call; global: a BTF_FUNC_GLOBAL subprogram (scalar
     * arguments only, verified on its own); loop: the body is a bpf_loop
     * callback run `nr` times (r1 = index, ctx NULL, returns 0 or 1); timer:
     * the body is a bpf_timer callback (an async callback: r1-r3 = map, key,
     * value, returns 0), armed with bpf_timer_init / set_callback / start;
     * forEach: the body is a bpf_for_each_map_elem callback over the timer
     * map (r1-r4 = map, key, value, NULL ctx; returns 0 or 1); ringbuf: the
     * body is a bpf_user_ringbuf_drain callback (r1 = a local dynptr, r2 =
     * the NULL ctx; returns 0 or 1); findVma: the body is a bpf_find_vma
     * callback on the current task (r1 = task, r2 = vma, r3 = the NULL ctx;
     * returns 0 or 1).
     */
    kind: CallKind;
    nr: number;
  }
  /** In a callee: store through a pointer argument into a caller's stack slot (a spill when there is none). */
  | { t: 'ptrStore'; ptr: number; src: SrcRef | null; slot: number; size: SpillSize; sub: number; imm: number }
  /** In a callee: load through a pointer argument (unwritten bytes render as `dst = imm`; a fill when there is none). */
  | { t: 'ptrLoad'; ptr: number; dst: DstRef; slot: number; size: SpillSize; sub: number; imm: number }
  /** Deliberately risky construct, expected to make the kernel reject. */
  | { t: 'risky'; kind: RiskyKind };

/**
 * How the caller sets one argument register: leave it as is, copy a scalar,
 * copy it masked (bounded), a constant, a pointer to its own stack slot
 * (r10-8*(slot+1)), or forward a pointer it received (index into the
 * pointers it holds; without any, renders as `stackPtr`).
 */
export type CallArg =
  | { k: 'none' }
  | { k: 'scalar'; src: SrcRef }
  | { k: 'bounded'; src: SrcRef; mask: number }
  | { k: 'const'; imm: number }
  | { k: 'stackPtr'; slot: number }
  | { k: 'fwdPtr'; ptr: number };

export type CallUse = 'none' | 'branch' | 'index';

export type CallKind = 'static' | 'global' | 'loop' | 'timer' | 'forEach' | 'ringbuf' | 'findVma';

export type RiskyKind = 'unboundedVarOff' | 'stackOutOfRange' | 'infiniteLoop';
export const RISKY_KINDS: readonly RiskyKind[] = ['unboundedVarOff', 'stackOutOfRange', 'infiniteLoop'];

export interface ProgramTree {
  blocks: Block[];
  /** Source of the final r0 (null: immediate 0). */
  ret: SrcRef | null;
  /** Upper bound on rendered instructions (blocks that do not fit are dropped). */
  maxInsns: number;
}

export type BlockKind = Block['t'];
