// Test support: full level-2 log differential between the model
// (verifyProgram) and the live kernel (loadInKernel), plus a generator of
// small scalar-heavy programs (ALU32/ALU64, MOVSX, BPF_END, JMP/JMP32 with
// constants and registers, bounded and unbounded scalars).
import seedrandom from 'seedrandom';
import {
  BPF_ALU, BPF_ALU64, BPF_K, BPF_X, BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH,
  BPF_XOR, BPF_ARSH, BPF_MOV, BPF_NEG, BPF_END, BPF_DIV, BPF_MOD, BPF_TO_BE, BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE,
  BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JMP, BPF_JMP32,
} from '../../src/isa/opcode.js';
import { insn as mk, type Insn } from '../../src/isa/insn.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { generatePrograms, type PresetName } from '../../generators/index.js';
import { liveProfile } from '../liveProfile.js';

export interface LogDiff {
  identical: boolean;
  /** 1-based line number of the first difference. */
  line: number;
  kernel: string;
  model: string;
  /** A few lines before the difference (kernel side). */
  context: string[];
}

/** Lines that depend on the machine, not on verification (none so far; kept as a hook). */
const normalize = (log: string): string[] => log.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));

export function diffLogs(kernelLog: string, modelLog: string): LogDiff {
  const k = normalize(kernelLog);
  const m = normalize(modelLog);
  const n = Math.max(k.length, m.length);
  for (let i = 0; i < n; i++) {
    if (k[i] !== m[i]) {
      return {
        identical: false, line: i + 1, kernel: k[i] ?? '<end>', model: m[i] ?? '<end>',
        context: k.slice(Math.max(0, i - 4), i),
      };
    }
  }
  return { identical: true, line: 0, kernel: '', model: '', context: [] };
}

export interface ProgramDiff extends LogDiff {
  name: string;
  modelVerdict: string;
  kernelVerdict: string;
  /** Model reported 'unsupported' (the log comparison is then meaningless). */
  unsupported: boolean;
  kernelLog: string;
}

export function compareProgram(p: Program): ProgramDiff {
  const k = loadInKernel(p, { logLevel: 2, keepLog: true });
  const m = verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: liveProfile() });
  const d = diffLogs(k.log ?? '', m.log ?? '');
  return {
    ...d, name: p.name, modelVerdict: m.verdict, kernelVerdict: k.verdict, unsupported: m.verdict === 'unsupported',
    kernelLog: k.log ?? '',
  };
}

export interface DiffSummary {
  total: number;
  identical: number;
  unsupported: number;
  verdictDiffers: number;
  diffs: ProgramDiff[];
}

export function compareMany(programs: Program[]): DiffSummary {
  const s: DiffSummary = { total: 0, identical: 0, unsupported: 0, verdictDiffers: 0, diffs: [] };
  for (const p of programs) {
    const d = compareProgram(p);
    s.total++;
    if (d.unsupported) s.unsupported++;
    if (d.modelVerdict !== d.kernelVerdict) s.verdictDiffers++;
    if (d.identical) s.identical++;
    else s.diffs.push(d);
  }
  return s;
}

export const presetPrograms = (preset: PresetName, count: number, seed: number): Program[] =>
  generatePrograms({ preset, count, seed }).programs;

// ---- scalar-heavy generator -------------------------------------------------------

const ALU_OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_XOR, BPF_ARSH] as const;
const JMP_OPS = [BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE] as const;

/** Interesting immediates: small, edges of s8/s16/s32, powers of two, random. */
function pickImm(rnd: () => number): number {
  const edges = [0, 1, -1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, -128, -129, 0x7f, 0x80,
    0xff, 0x7fff, 0x8000, 0xffff, -0x8000, 0x7fffffff, -0x80000000, 0x10000, 0x1000, -2, -3, 0x40000000];
  const r = rnd();
  if (r < 0.6) return edges[Math.floor(rnd() * edges.length)] as number;
  if (r < 0.85) return Math.floor(rnd() * 512) - 256;
  return (Math.floor(rnd() * 0x100000000) | 0);
}

/**
 * A small program over r6..r9 (random u32 from bpf_get_prandom_u32 shifted,
 * sign-extended or bounded) mixing ALU32/ALU64, MOVSX, BPF_END and forward
 * conditional jumps that skip 1..3 insns. Always ends with `r0 = 0; exit`.
 */
export function scalarProgram(seed: string, len = 14): Program {
  const rnd = seedrandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const regs = [6, 7, 8, 9];
  const out: Insn[] = [];
  // prologue: unknown scalars of various shapes
  for (const r of regs) {
    out.push(mk(0x85, 0, 0, 0, 7)); // call bpf_get_prandom_u32
    const shape = Math.floor(rnd() * 10);
    if (shape === 0) out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
    else if (shape === 1) out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 32, 0)); // (s32)
    else if (shape === 2) out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, pick([8, 16]), 0));
    else if (shape === 3) {
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
      out.push(mk(BPF_ALU64 | BPF_LSH | BPF_K, r, 0, 0, 32));
      out.push(mk(BPF_ALU64 | BPF_ARSH | BPF_K, r, 0, 0, pick([0, 8, 20, 32, 40])));
    } else if (shape === 4) {
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
      out.push(mk(BPF_ALU64 | BPF_AND | BPF_K, r, 0, 0, pick([0xff, 0xfff, 0x7f, 0xffff, 0xf0])));
      out.push(mk(BPF_ALU64 | BPF_ADD | BPF_K, r, 0, 0, pickImm(rnd)));
    } else if (shape === 5) {
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
      out.push(mk(BPF_ALU64 | BPF_LSH | BPF_K, r, 0, 0, 32));
      out.push(mk(BPF_ALU64 | BPF_OR | BPF_X, r, 0, 0, 0));
    } else if (shape === 6) {
      // a range learnt from a guard: the jump skips the rest of the prologue's reg
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, pick([0, 32]), 0));
      const jop = pick(JMP_OPS);
      out.push(mk((rnd() < 0.5 ? BPF_JMP : BPF_JMP32) | jop | BPF_K, r, 0, 1, pickImm(rnd)));
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, pickImm(rnd)));
    } else if (shape === 7) {
      const v = BigInt.asUintN(64, (BigInt(pickImm(rnd)) << 32n) | BigInt(pickImm(rnd) >>> 0));
      out.push(mk(0x18, r, 0, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))));
      out.push(mk(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))));
    } else if (shape === 8) {
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
      out.push(mk(BPF_ALU64 | pick([BPF_SUB, BPF_XOR, BPF_MUL]) | BPF_K, r, 0, 0, pickImm(rnd)));
    } else {
      // [-1, 0] in 64 or 32 bits (the maybe_fork_scalars pattern)
      const w = rnd() < 0.5;
      out.push(mk(BPF_ALU64 | BPF_MOV | BPF_X, r, 0, 0, 0));
      out.push(mk((w ? BPF_ALU : BPF_ALU64) | BPF_LSH | BPF_K, r, 0, 0, w ? 31 : 63));
      out.push(mk((w ? BPF_ALU : BPF_ALU64) | BPF_ARSH | BPF_K, r, 0, 0, w ? 31 : 63));
    }
  }
  const body: Insn[] = [];
  let pendingJumps: { at: number; target: number }[] = [];
  for (let i = 0; i < len; i++) {
    const k = rnd();
    const dst = pick(regs);
    const src = pick(regs);
    const is64 = rnd() < 0.5;
    const cls = is64 ? BPF_ALU64 : BPF_ALU;
    if (k < 0.03) {
      body.push(mk(cls | pick([BPF_DIV, BPF_MOD]) | (rnd() < 0.5 ? BPF_X : BPF_K), dst, rnd() < 0.5 ? src : 0, 0, 1 + Math.floor(rnd() * 100)));
      const last = body[body.length - 1] as Insn;
      if ((last.code & BPF_X) === 0) body[body.length - 1] = { ...last, src: 0 };
      else body[body.length - 1] = { ...last, imm: 0 };
    } else if (k < 0.06) {
      const op = pick([BPF_LSH, BPF_RSH, BPF_ARSH]);
      body.push(mk(cls | op | BPF_X, dst, src, 0, 0));
    } else if (k < 0.4) {
      const op = pick(ALU_OPS);
      const shift = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH;
      if (shift) body.push(mk(cls | op | BPF_K, dst, 0, 0, Math.floor(rnd() * (is64 ? 64 : 32))));
      else if (rnd() < 0.5) body.push(mk(cls | op | BPF_K, dst, 0, 0, pickImm(rnd)));
      else body.push(mk(cls | op | BPF_X, dst, src, 0, 0));
    } else if (k < 0.5) {
      const off = is64 ? pick([0, 8, 16, 32]) : pick([0, 8, 16]);
      body.push(mk(cls | BPF_MOV | BPF_X, dst, src, off, 0));
    } else if (k < 0.55) {
      body.push(mk(cls | BPF_NEG, dst, 0, 0, 0));
    } else if (k < 0.62) {
      const which = Math.floor(rnd() * 3);
      const bits = pick([16, 32, 64]);
      if (which === 0) body.push(mk(BPF_ALU64 | BPF_END, dst, 0, 0, bits));
      else if (which === 1) body.push(mk(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, bits));
      else body.push(mk(BPF_ALU | BPF_END, dst, 0, 0, bits));
    } else if (k < 0.66) {
      body.push(mk((is64 ? BPF_ALU64 : BPF_ALU) | BPF_MOV | BPF_K, dst, 0, 0, pickImm(rnd)));
    } else {
      const op = pick(JMP_OPS);
      const jcls = rnd() < 0.5 ? BPF_JMP : BPF_JMP32;
      const skip = 1 + Math.floor(rnd() * 3);
      const at = body.length;
      if (rnd() < 0.7) body.push(mk(jcls | op | BPF_K, dst, 0, skip, pickImm(rnd)));
      else body.push(mk(jcls | op | BPF_X, dst, src, skip, 0));
      pendingJumps.push({ at, target: at + 1 + skip });
    }
  }
  // clamp jumps that run past the body onto the final `r0 = 0`
  for (const j of pendingJumps) {
    if (j.target > body.length) {
      const ins = body[j.at] as Insn;
      body[j.at] = { ...ins, off: body.length - j.at - 1 };
    }
  }
  pendingJumps = [];
  out.push(...body);
  out.push(mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
  out.push(mk(0x95, 0, 0, 0, 0));
  return makeProgram(out, { name: `scalar_${seed}` });
}

export const scalarPrograms = (count: number, seed: number, len = 14): Program[] =>
  Array.from({ length: count }, (_, i) => scalarProgram(`${seed}:${i}`, len));
