// Test helper: runs tiny straight-line/branching programs through the scalar
// model (tnum/scalar/alu/branch/regfmt) and through the live kernel, and
// compares the register text the kernel prints with what the model prints.
// Supports: call bpf_get_prandom_u32, ALU/ALU64 (K and X), MOV/MOVSX, NEG,
// END, ld_imm64 (src 0), conditional jumps (K and X), ja, exit. No pruning,
// no linked-register sync, no pointer arithmetic: programs must avoid those.
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_K, BPF_X, BPF_MOV, BPF_NEG, BPF_END, BPF_CALL, BPF_EXIT,
  BPF_JA, BPF_TO_BE, BPF_AND, BPF_OR, opClass, opAlu, opSrc, opJmp, isLdImm64,
} from '../../src/isa/opcode.js';
import { insn as mk, type Insn } from '../../src/isa/insn.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { RegType, type BpfRegState } from '../../src/verifier/state/reg.js';
import { newRegState, cloneReg } from '../../src/verifier/state/regState.js';
import { markRegKnown, markRegNotInit, markRegUnknown, makeScalarConst, regBoundsSanityCheck } from '../../src/verifier/state/index.js';
import { adjustScalarMinMaxVals, scalarForkKind, applyScalarFork } from '../../src/verifier/check/alu.js';
import { scalarIdAfterAlu } from '../../src/verifier/check/aluOp.js';
import { isRegConst, regConstValue } from '../../src/verifier/state/scalar.js';
import { movImm, movImm64, movReg, movSharesId, assignScalarIdBeforeMov } from '../../src/verifier/check/mov.js';
import { isBranchTaken, regSetMinMax } from '../../src/verifier/check/branch.js';
import { formatRegState } from '../../src/verifier/log/regfmt.js';
import { liveProfile } from '../liveProfile.js';

export const kernelOk = (): { ok: boolean; reason: string } => {
  const a = bpfAvailable();
  return a.ok ? { ok: true, reason: '' } : { ok: false, reason: a.reason };
};

// ---- tiny assembler ---------------------------------------------------------

export const A = {
  call: (imm: number): Insn => mk(BPF_JMP | BPF_CALL, 0, 0, 0, imm),
  prandom: (): Insn => mk(BPF_JMP | BPF_CALL, 0, 0, 0, 7),
  exit: (): Insn => mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  alu64K: (op: number, dst: number, imm: number, off = 0): Insn => mk(BPF_ALU64 | op | BPF_K, dst, 0, off, imm),
  alu64X: (op: number, dst: number, src: number, off = 0): Insn => mk(BPF_ALU64 | op | BPF_X, dst, src, off, 0),
  alu32K: (op: number, dst: number, imm: number, off = 0): Insn => mk(BPF_ALU | op | BPF_K, dst, 0, off, imm),
  alu32X: (op: number, dst: number, src: number, off = 0): Insn => mk(BPF_ALU | op | BPF_X, dst, src, off, 0),
  mov64K: (dst: number, imm: number): Insn => mk(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm),
  mov64X: (dst: number, src: number, off = 0): Insn => mk(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, off, 0),
  mov32K: (dst: number, imm: number): Insn => mk(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm),
  mov32X: (dst: number, src: number, off = 0): Insn => mk(BPF_ALU | BPF_MOV | BPF_X, dst, src, off, 0),
  neg64: (dst: number): Insn => mk(BPF_ALU64 | BPF_NEG, dst, 0, 0, 0),
  neg32: (dst: number): Insn => mk(BPF_ALU | BPF_NEG, dst, 0, 0, 0),
  be: (dst: number, bits: number): Insn => mk(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, bits),
  le: (dst: number, bits: number): Insn => mk(BPF_ALU | BPF_END, dst, 0, 0, bits),
  bswap: (dst: number, bits: number): Insn => mk(BPF_ALU64 | BPF_END, dst, 0, 0, bits),
  jK: (op: number, dst: number, imm: number, off: number): Insn => mk(BPF_JMP | op | BPF_K, dst, 0, off, imm),
  jX: (op: number, dst: number, src: number, off: number): Insn => mk(BPF_JMP | op | BPF_X, dst, src, off, 0),
  j32K: (op: number, dst: number, imm: number, off: number): Insn => mk(BPF_JMP32 | op | BPF_K, dst, 0, off, imm),
  j32X: (op: number, dst: number, src: number, off: number): Insn => mk(BPF_JMP32 | op | BPF_X, dst, src, off, 0),
  ja: (off: number): Insn => mk(BPF_JMP | BPF_JA, 0, 0, off, 0),
  ldImm64: (dst: number, v: bigint): Insn[] => {
    const u = BigInt.asUintN(64, v);
    return [mk(0x18, dst, 0, 0, Number(BigInt.asIntN(32, u & 0xffffffffn))), mk(0, 0, 0, 0, Number(BigInt.asIntN(32, u >> 32n)))];
  },
};

// ---- model simulation ---------------------------------------------------------

export interface ModelStep {
  idx: number;
  regs: BpfRegState[];
}

export interface ModelBranch {
  from: number;
  to: number;
  regs: BpfRegState[];
}

export interface ModelRun {
  /** Register state after each processed insn, in DFS order (fall-through first). */
  steps: ModelStep[];
  /** States pushed at conditional jumps and forks, in push order. */
  branches: ModelBranch[];
}

const initRegs = (): BpfRegState[] => {
  const regs: BpfRegState[] = [];
  for (let i = 0; i < 11; i++) {
    const r = newRegState();
    markRegNotInit(r);
    regs.push(r);
  }
  const r1 = regs[1] as BpfRegState;
  r1.type = RegType.PTR_TO_CTX;
  markRegKnown(r1, 0n);
  const r10 = regs[10] as BpfRegState;
  r10.type = RegType.PTR_TO_STACK;
  markRegKnown(r10, 0n);
  return regs;
};

const cloneRegs = (regs: BpfRegState[]): BpfRegState[] => regs.map(cloneReg);

/** Explore the program like do_check: fall-through first, pushed branches later (LIFO). */
export function runModel(prog: Insn[], maxSteps = 1000): ModelRun {
  const steps: ModelStep[] = [];
  const branches: ModelBranch[] = [];
  const stack: { idx: number; regs: BpfRegState[] }[] = [{ idx: 0, regs: initRegs() }];
  let idGen = 0;
  const nextId = (): number => ++idGen;
  while (stack.length > 0) {
    const st = stack.pop() as { idx: number; regs: BpfRegState[] };
    let idx = st.idx;
    const regs = st.regs;
    for (;;) {
      if (steps.length > maxSteps) throw new Error('model: too many steps');
      const ins = prog[idx] as Insn;
      const cls = opClass(ins.code);
      const dst = regs[ins.dst] as BpfRegState;
      let next = idx + 1;
      if (isLdImm64(ins.code)) {
        const hi = BigInt((prog[idx + 1] as Insn).imm >>> 0);
        movImm64(dst, (hi << 32n) | BigInt(ins.imm >>> 0));
        dst.id = 0;
        next = idx + 2;
      } else if (cls === BPF_ALU || cls === BPF_ALU64) {
        const is64 = cls === BPF_ALU64;
        const op = opAlu(ins.code);
        if (op === BPF_MOV) {
          if (opSrc(ins.code) === BPF_K) {
            movImm(dst, ins.imm, is64);
          } else {
            const src = regs[ins.src] as BpfRegState;
            if (src.type === RegType.SCALAR_VALUE && movSharesId(src, is64, ins.off)) assignScalarIdBeforeMov(src, nextId);
            movReg(dst, src, is64, ins.off, idx, false, liveProfile().switches.movsxKeepsRange);
          }
        } else if (op === BPF_NEG || op === BPF_END) {
          adjustScalarMinMaxVals(op, is64, dst, dst, { imm: ins.imm, toBe: opSrc(ins.code) === BPF_TO_BE });
        } else {
          const src = opSrc(ins.code) === BPF_X ? (regs[ins.src] as BpfRegState) : makeScalarConst(BigInt(ins.imm));
          if (op === BPF_AND || op === BPF_OR) {
            const kind = scalarForkKind(op, dst, src);
            if (kind) {
              const other = cloneRegs(regs);
              applyScalarFork(other[ins.dst] as BpfRegState, kind, 0);
              stack.push({ idx, regs: other });
              branches.push({ from: idx, to: idx, regs: cloneRegs(other) });
              applyScalarFork(dst, kind, -1);
            }
          }
          const umaxBefore = dst.umax;
          const srcConst = src !== dst && isRegConst(src, !is64);
          const val = srcConst ? regConstValue(src, !is64) : 0n;
          adjustScalarMinMaxVals(op, is64, dst, src);
          scalarIdAfterAlu(op, !is64, dst, srcConst, val, umaxBefore, { bpfCapable: true, addOnly: false });
        }
        const m = regBoundsSanityCheck(dst, 'alu');
        if (m) throw new Error(`model sanity: ${m}`);
      } else if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = opJmp(ins.code);
        if (op === BPF_EXIT) {
          steps.push({ idx, regs: cloneRegs(regs) });
          break;
        }
        if (op === BPF_CALL) {
          for (let r = 1; r <= 5; r++) markRegNotInit(regs[r] as BpfRegState);
          markRegUnknown(regs[0] as BpfRegState);
        } else if (op === BPF_JA) {
          next = idx + 1 + ins.off;
        } else {
          const is32 = cls === BPF_JMP32;
          const isX = opSrc(ins.code) === BPF_X;
          const src = isX ? (regs[ins.src] as BpfRegState) : makeScalarConst(BigInt(ins.imm));
          const pred = isBranchTaken(dst, src, op, is32);
          if (pred === 1) {
            next = idx + 1 + ins.off;
          } else if (pred === -1) {
            const other = cloneRegs(regs);
            const oDst = other[ins.dst] as BpfRegState;
            const oSrc = isX ? (other[ins.src] as BpfRegState) : makeScalarConst(BigInt(ins.imm));
            const fSrc = isX ? src : makeScalarConst(BigInt(ins.imm));
            const msgs = regSetMinMax(oDst, oSrc, dst, fSrc, op, is32);
            if (msgs.length) throw new Error(`model sanity: ${msgs.join('; ')}`);
            stack.push({ idx: idx + 1 + ins.off, regs: other });
            branches.push({ from: idx, to: idx + 1 + ins.off, regs: cloneRegs(other) });
          }
        }
      } else {
        throw new Error(`model: unsupported insn class ${cls} at ${idx}`);
      }
      steps.push({ idx, regs: cloneRegs(regs) });
      idx = next;
    }
  }
  return { steps, branches };
}

// ---- kernel log parsing ------------------------------------------------------------

export interface KernelLine {
  idx: number;
  regs: Map<number, string>;
}

/** Split a state dump on spaces outside parentheses and keep the `Rn=` items. */
const parseRegs = (text: string): Map<number, string> => {
  const m = new Map<number, string>();
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ' ' && depth === 0) {
      if (cur) items.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) items.push(cur);
  for (const it of items) {
    const x = /^R(\d+)=(.*)$/.exec(it);
    if (x) m.set(Number(x[1]), x[2] as string);
  }
  return m;
};

export interface KernelRun {
  ok: boolean;
  errno: number;
  log: string;
  /** `N: (..) insn ; Rx=...` lines, in log order (every processed insn prints one with log_level 2). */
  lines: KernelLine[];
  /** `from X to Y: R..` lines, in log order. */
  branches: { from: number; to: number; regs: Map<number, string> }[];
}

export function runKernel(prog: Insn[]): KernelRun {
  const r = bpfProgLoad(encodeProgram(prog), 'socket', 0, 2);
  const lines: KernelLine[] = [];
  const branches: KernelRun['branches'] = [];
  for (const line of r.log.split('\n')) {
    const ins = /^(\d+): \([0-9a-f]{2}\) .*?; (.*)$/.exec(line);
    if (ins) {
      lines.push({ idx: Number(ins[1]), regs: parseRegs(ins[2] as string) });
      continue;
    }
    const insNoState = /^(\d+): \([0-9a-f]{2}\) /.exec(line);
    if (insNoState) {
      lines.push({ idx: Number(insNoState[1]), regs: new Map() });
      continue;
    }
    const fr = /^from (\d+) to (\d+): (.*)$/.exec(line);
    if (fr) branches.push({ from: Number(fr[1]), to: Number(fr[2]), regs: parseRegs(fr[3] as string) });
  }
  return { ok: r.fd >= 0, errno: r.errno, log: r.log, lines, branches };
}

export interface Mismatch {
  where: string;
  reg: number;
  kernel: string;
  model: string;
}

/**
 * Compare every register the kernel printed (after each insn and at each
 * `from X to Y`) with the model's text for the same register. Returns the
 * mismatches and how many register texts were compared.
 */
export function compareRuns(prog: Insn[]): { mismatches: Mismatch[]; compared: number; kernel: KernelRun } {
  const k = runKernel(prog);
  const m = runModel(prog);
  const mismatches: Mismatch[] = [];
  let compared = 0;
  if (!k.ok) throw new Error(`kernel rejected the program:\n${k.log}`);
  if (k.lines.length !== m.steps.length) {
    mismatches.push({ where: 'step count', reg: -1, kernel: String(k.lines.length), model: String(m.steps.length) });
  }
  const n = Math.min(k.lines.length, m.steps.length);
  for (let i = 0; i < n; i++) {
    const kl = k.lines[i] as KernelLine;
    const ms = m.steps[i] as ModelStep;
    if (kl.idx !== ms.idx) {
      mismatches.push({ where: `step ${i}`, reg: -1, kernel: `insn ${kl.idx}`, model: `insn ${ms.idx}` });
      break;
    }
    for (const [reg, text] of kl.regs) {
      compared++;
      const mt = formatRegState(ms.regs[reg] as BpfRegState, { stateFrameno: 0 });
      if (mt !== text) mismatches.push({ where: `after insn ${kl.idx} (step ${i})`, reg, kernel: text, model: mt });
    }
  }
  if (k.branches.length !== m.branches.length) {
    mismatches.push({ where: 'branch count', reg: -1, kernel: String(k.branches.length), model: String(m.branches.length) });
  }
  // the kernel prints pushed states when it pops them (LIFO); match by (from, to) in order of appearance
  const pending = [...m.branches];
  for (const kb of k.branches) {
    const j = pending.findIndex((b) => b.from === kb.from && b.to === kb.to);
    if (j < 0) {
      mismatches.push({ where: `from ${kb.from} to ${kb.to}`, reg: -1, kernel: 'present', model: 'absent' });
      continue;
    }
    const mb = (pending.splice(j, 1)[0]) as ModelBranch;
    for (const [reg, text] of kb.regs) {
      compared++;
      const mt = formatRegState(mb.regs[reg] as BpfRegState, { stateFrameno: 0 });
      if (mt !== text) mismatches.push({ where: `from ${kb.from} to ${kb.to}`, reg, kernel: text, model: mt });
    }
  }
  return { mismatches, compared, kernel: k };
}
