// Instruction-level shrinking: delete runs of instructions, fixing jump
// offsets around them, while a predicate (the property still fails, and the
// reference model still judges the program as before) holds. Used after
// tree shrinking and for counterexamples that carry no tree.
import type { Insn } from '../isa/insn.js';
import {
  BPF_ALU64, BPF_CALL, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_K, BPF_LDX, BPF_MOV, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_ALU,
  isJmpClass, isLdImm64, opClass, opJmp,
} from '../isa/opcode.js';
import type { Program } from '../isa/program.js';

/** Slots each unit covers: ld_imm64 is one unit of two slots. */
function units(insns: Insn[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i < insns.length; i += isLdImm64(insns[i]!.code) && i + 1 < insns.length ? 2 : 1) starts.push(i);
  return starts;
}

type Target = { kind: 'off' | 'imm'; to: number } | undefined;

function targetOf(insns: Insn[], i: number): Target {
  const x = insns[i]!;
  // ld_imm64 of a callback: imm is relative to the insn, like a call's.
  if (isLdImm64(x.code) && x.src === BPF_PSEUDO_FUNC) return { kind: 'imm', to: i + x.imm + 1 };
  if (!isJmpClass(x.code)) return undefined;
  const op = opJmp(x.code);
  if (op === BPF_EXIT) return undefined;
  if (op === BPF_CALL) return x.src === BPF_PSEUDO_CALL ? { kind: 'imm', to: i + x.imm + 1 } : undefined;
  // gotol: BPF_JMP32 | BPF_JA carries its offset in imm.
  if (op === BPF_JA && opClass(x.code) === BPF_JMP32) return { kind: 'imm', to: i + x.imm + 1 };
  return { kind: 'off', to: i + x.off + 1 };
}

/** insns without slots [from, to); jumps into the hole land after it. Undefined if an offset no longer fits. */
export function deleteSlots(insns: Insn[], from: number, to: number): Insn[] | undefined {
  const n = to - from;
  const map = (k: number): number => (k < from ? k : k < to ? from : k - n);
  const out: Insn[] = [];
  for (let i = 0; i < insns.length; i++) {
    if (i >= from && i < to) continue;
    const x = { ...insns[i]! };
    const t = targetOf(insns, i);
    if (t) {
      const rel = map(t.to) - map(i) - 1;
      if (t.kind === 'off') {
        if (rel < -32768 || rel > 32767) return undefined;
        x.off = rel;
      } else {
        x.imm = rel;
      }
    }
    out.push(x);
  }
  return out;
}

const MOV0 = BPF_ALU64 | BPF_MOV | BPF_K;

/**
 * A simpler instruction in place of slot i, or undefined: a conditional jump
 * becomes `goto` (same target), an ALU op or load becomes `dst = 0`, a
 * register store becomes a store of 0. Each
 * step lowers a rank, so repeated simplification ends.
 */
export function simplerInsn(insns: Insn[], i: number): Insn | undefined {
  const x = insns[i]!;
  const cls = opClass(x.code);
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = opJmp(x.code);
    // A helper call becomes `r0 = 0` (its result, minus the r1-r5 clobbering).
    if (op === BPF_CALL && x.src === 0 && cls === BPF_JMP) return { code: MOV0, dst: 0, src: 0, off: 0, imm: 0 };
    if (op === BPF_JA || op === BPF_CALL || op === BPF_EXIT || op === BPF_JCOND) return undefined;
    return { code: BPF_JMP | BPF_JA, dst: 0, src: 0, off: x.off, imm: 0 };
  }
  if (isLdImm64(x.code)) return undefined;
  // A register store becomes a store of the constant 0 (BPF_ST, same size).
  if (cls === 0x03 /* STX */ && (x.code & 0xe0) === 0x60 /* BPF_MEM */) {
    return { code: (x.code & ~0x07) | 0x02, dst: x.dst, src: 0, off: x.off, imm: 0 };
  }
  if (cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX) {
    if (x.code === MOV0 && x.imm === 0 && x.src === 0 && x.off === 0) return undefined;
    if (x.dst === 10) return undefined;
    return { code: MOV0, dst: x.dst, src: 0, off: 0, imm: 0 };
  }
  return undefined;
}

const ADD64K = BPF_ALU64 | 0x00 | BPF_K; // BPF_ADD is 0
const MOV64X = BPF_ALU64 | BPF_MOV | 0x08;

/**
 * Address folding: `rA = r10; rA += K; ... *(rA + off)` becomes an access
 * through `r10 + K + off`, so the deletion pass can drop the address setup.
 */
export function foldFrameAddress(insns: Insn[], i: number): Insn | undefined {
  const x = insns[i]!;
  const cls = opClass(x.code);
  const isMem = cls === BPF_LDX || cls === 0x02 /* ST */ || cls === 0x03 /* STX */;
  if (!isMem || (x.code & 0xe0) !== 0x60 /* BPF_MEM */) return undefined;
  const base = cls === BPF_LDX ? x.src : x.dst;
  if (base === 10 || i < 2) return undefined;
  const add = insns[i - 1]!;
  const mov = insns[i - 2]!;
  if (add.code !== ADD64K || add.dst !== base || mov.code !== MOV64X || mov.dst !== base || mov.src !== 10) return undefined;
  const off = x.off + add.imm;
  if (off < -32768 || off > 32767) return undefined;
  return cls === BPF_LDX ? { ...x, src: 10, off } : { ...x, dst: 10, off };
}

export interface InsnShrinkOptions {
  /** Stop trying new candidates after this time (ms since epoch). */
  deadline?: number;
  /** Checked before each candidate; true = stop. */
  stopped?: () => boolean;
}

export interface InsnShrinkResult {
  program: Program;
  /** Candidates tried. */
  tries: number;
  interrupted: boolean;
}

/** Subprogram starts: 0, every bpf-to-bpf call target and every callback loaded by ld_imm64, ascending. */
function subprogStarts(insns: Insn[]): number[] {
  const s = new Set<number>([0]);
  insns.forEach((x, i) => {
    if ((x.code === (BPF_JMP | BPF_CALL) && x.src === BPF_PSEUDO_CALL) || (isLdImm64(x.code) && x.src === BPF_PSEUDO_FUNC)) s.add(i + x.imm + 1);
  });
  return [...s].sort((a, b) => a - b);
}

/**
 * The candidate with slots [from, to) of `p` replaced by `insns`, its BTF
 * func info following the subprograms that are left (a subprogram deleted
 * whole, or no longer called, drops out); undefined when they cannot be
 * matched up.
 */
function candidate(p: Program, insns: Insn[], from: number, to: number): Program | undefined {
  if (!p.funcs) return { ...p, insns };
  const n = to - from;
  const map = (k: number): number => (k < from ? k : k < to ? from : k - n);
  const old = subprogStarts(p.insns);
  const now = new Set(subprogStarts(insns));
  const byStart = new Map<number, NonNullable<Program['funcs']>[number]>();
  old.forEach((s, i) => {
    const f = p.funcs?.[i];
    // A later subprogram mapped onto the same start owns the code there.
    if (f && now.has(map(s))) byStart.set(map(s), f);
  });
  if (byStart.size !== now.size) return undefined;
  return { ...p, insns, funcs: [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f) };
}

/**
 * Greedy delta debugging over instruction units: remove runs of n/2, n/4, ...,
 * 1 units while `stillFails` holds; repeat until a full pass removes nothing.
 */
export function shrinkInsns(program: Program, stillFails: (p: Program) => boolean, o: InsnShrinkOptions = {}): InsnShrinkResult {
  let best = program;
  let tries = 0;
  const out = (): boolean => (o.stopped?.() ?? false) || (o.deadline !== undefined && Date.now() > o.deadline);
  let progress = true;
  while (progress) {
    progress = false;
    const starts = units(best.insns);
    for (let size = Math.max(1, Math.floor(starts.length / 2)); size >= 1; size = size === 1 ? 0 : Math.floor(size / 2)) {
      // Walk from the end so earlier unit starts stay valid after a removal.
      for (let u = starts.length - size; u >= 0; u--) {
        if (out()) return { program: best, tries, interrupted: true };
        const cur = units(best.insns);
        if (u + size > cur.length) continue;
        const from = cur[u]!;
        const to = u + size < cur.length ? cur[u + size]! : best.insns.length;
        const insns = deleteSlots(best.insns, from, to);
        if (!insns || insns.length === 0) continue;
        const cand = candidate(best, insns, from, to);
        if (!cand) continue;
        tries++;
        if (stillFails(cand)) {
          best = cand;
          progress = true;
        }
      }
    }
    if (progress) continue;
    // Nothing more to delete: simplify one instruction, then try deleting again.
    for (const i of units(best.insns)) {
      if (out()) return { program: best, tries, interrupted: true };
      for (const y of [foldFrameAddress(best.insns, i), simplerInsn(best.insns, i)]) {
        if (!y) continue;
        const insns = best.insns.slice();
        insns[i] = y;
        const cand = candidate(best, insns, i, i);
        if (!cand) continue;
        tries++;
        if (stillFails(cand)) {
          best = cand;
          progress = true;
          break;
        }
      }
    }
  }
  return { program: best, tries, interrupted: false };
}
