// Instruction-level shrinking: delete runs of instructions, fixing jump
// offsets around them, while a predicate (the property still fails, and the
// reference model still judges the program as before) holds. Used after
// tree shrinking and for counterexamples that carry no tree.
import type { Insn } from '../isa/insn.js';
import {
  BPF_ALU64, BPF_CALL, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_K, BPF_LDX, BPF_MOV, BPF_PSEUDO_CALL, BPF_ALU,
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
 * becomes `goto` (same target), an ALU op or load becomes `dst = 0`. Each
 * step lowers a rank, so repeated simplification ends.
 */
export function simplerInsn(insns: Insn[], i: number): Insn | undefined {
  const x = insns[i]!;
  const cls = opClass(x.code);
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = opJmp(x.code);
    if (op === BPF_JA || op === BPF_CALL || op === BPF_EXIT || op === BPF_JCOND) return undefined;
    return { code: BPF_JMP | BPF_JA, dst: 0, src: 0, off: x.off, imm: 0 };
  }
  if (isLdImm64(x.code)) return undefined;
  if (cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX) {
    if (x.code === MOV0 && x.imm === 0 && x.src === 0 && x.off === 0) return undefined;
    if (x.dst === 10) return undefined;
    return { code: MOV0, dst: x.dst, src: 0, off: 0, imm: 0 };
  }
  return undefined;
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
        const cand: Program = { ...best, insns };
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
      const y = simplerInsn(best.insns, i);
      if (!y) continue;
      const insns = best.insns.slice();
      insns[i] = y;
      tries++;
      const cand: Program = { ...best, insns };
      if (stillFails(cand)) {
        best = cand;
        progress = true;
      }
    }
  }
  return { program: best, tries, interrupted: false };
}
