// Test support: run one program under two histories and compare, and a small
// random search over may_goto loop programs for copy/shared divergence.
import { assemble } from '../../src/isa/asm.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import type { Result } from '../../src/result/result.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { AuditedHistory } from '../../src/history/audited.js';
import { CopyHistory } from '../../src/history/copy.js';
import { SharedHistory } from '../../src/history/shared.js';

/**
 * A may_goto loop where a backedge state's history is overwritten by a later
 * path before propagate_backedges reads it. Found by searchDivergence(24, 1):
 * genLoopAsm(prng(24)).
 */
export const DIVERGENT = `r6 = 0
r7 = 0
r8 = 0
*(u64 *)(r10 - 8) = r6
*(u64 *)(r10 - 16) = r7
l0: may_goto lx
call bpf_get_prandom_u32
r8 = r0
r8 &= 3
*(u64 *)(r10 - 16) = r6
r8 = 2
call bpf_get_prandom_u32
if r0 > 3 goto t5
*(u64 *)(r10 - 8) = r8
t5: goto l0
lx: r1 = *(u64 *)(r10 - 16)
if r7 == 2 goto done
if r1 == 1 goto done
r0 = 0
exit
done: r0 = 1
exit
`;

/** Result without the history statistics (the only field allowed to differ). */
export function withoutHistory(r: Result): Omit<Result, 'history'> {
  const { history: _h, ...rest } = r;
  return rest;
}

/** First differing log line, or null. */
export function firstLogDiff(a: string | undefined, b: string | undefined): { line: number; a: string; b: string } | null {
  const la = (a ?? '').split('\n');
  const lb = (b ?? '').split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return { line: i + 1, a: la[i] ?? '<end>', b: lb[i] ?? '<end>' };
  }
  return null;
}

export interface PairRun {
  copy: Result;
  shared: Result;
  audit: AuditedHistory;
  same: boolean;
}

/** copy vs audited(shared) on one program. */
export function runPair(p: Program, backedgePropagation: boolean, logLevel = 2, profile?: KernelProfile): PairRun {
  const prof = profile ? { profile } : {};
  const copy = verifyProgram(p, { history: new CopyHistory(), backedgePropagation, logLevel, ...prof });
  const audit = new AuditedHistory(new SharedHistory());
  const shared = verifyProgram(p, { history: audit, backedgePropagation, logLevel, ...prof });
  const same = JSON.stringify(withoutHistory(copy)) === JSON.stringify(withoutHistory(shared));
  return { copy, shared, audit, same };
}

import type { KernelProfile } from '../../src/verifier/profile/index.js';
export { prng } from '../isa/kernelCorpus.js';
import { prng } from '../isa/kernelCorpus.js';

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/**
 * A may_goto loop whose body mixes random values, small constants, spills and
 * fills of r6..r8 and forward branches, followed by a branch that may demand
 * precision after the loop. Registers are masked to keep states converging.
 */
export function genLoopAsm(rnd: () => number): string {
  const regs = [6, 7, 8];
  const slots = [8, 16];
  const lines: string[] = ['r6 = 0', 'r7 = 0', 'r8 = 0', '*(u64 *)(r10 - 8) = r6', '*(u64 *)(r10 - 16) = r7', 'l0: may_goto lx'];
  const n = int(rnd, 3, 9);
  const body: string[][] = [];
  for (let i = 0; i < n; i++) {
    const r = pick(rnd, regs);
    const k = pick(rnd, [0, 1, 2, 3]);
    const op = int(rnd, 0, 8);
    switch (op) {
      case 0: body.push(['call bpf_get_prandom_u32', `r${r} = r0`, `r${r} &= ${pick(rnd, [1, 3, 7])}`]); break;
      case 1: body.push([`r${r} += ${int(rnd, 1, 2)}`, `r${r} &= 3`]); break;
      case 2: body.push([`r${r} = ${k}`]); break;
      case 3: body.push([`r${r} = r${pick(rnd, regs)}`]); break;
      case 4: body.push([`*(u64 *)(r10 - ${pick(rnd, slots)}) = r${r}`]); break;
      case 5: body.push([`r${r} = *(u64 *)(r10 - ${pick(rnd, slots)})`]); break;
      case 6: body.push(['call bpf_get_prandom_u32', `if r0 > ${int(rnd, 0, 9)} goto b${i}`]); break;
      case 7: body.push([`if r${r} ${pick(rnd, ['>', '==', '!=', '<'])} ${k} goto b${i}`]); break;
      default: body.push([`if r${r} > ${k} goto l0`]); break;
    }
  }
  // Forward-branch targets: the start of a later item (or the back jump).
  body.forEach((item, i) => {
    const last = item[item.length - 1] ?? '';
    if (/goto b\d+$/.test(last)) {
      const t = int(rnd, i + 1, n);
      item[item.length - 1] = last.replace(/goto b\d+$/, `goto t${t}`);
    }
  });
  body.forEach((item, i) => {
    lines.push(`t${i}: ${item[0] ?? ''}`, ...item.slice(1));
  });
  lines.push(`t${n}: goto l0`);
  const tr = pick(rnd, regs);
  lines.push(`lx: r1 = *(u64 *)(r10 - ${pick(rnd, slots)})`, `if r${tr} == ${int(rnd, 0, 3)} goto done`, 'if r1 == 1 goto done', 'r0 = 0', 'exit');
  lines.push('done: r0 = 1', 'exit');
  return lines.join('\n');
}

export interface Finding {
  seed: number;
  asm: string;
  copy: Result;
  shared: Result;
  audit: AuditedHistory;
}

/**
 * Tries `tries` programs from `seed`; screens with log level 0 (cheap) and
 * re-runs candidates at level 2. Returns the programs where copy and shared
 * differ or the audit reports an error.
 */
export function searchDivergence(seed: number, tries: number, maxInsns = 20_000, stopAfter = 1): Finding[] {
  const out: Finding[] = [];
  for (let t = 0; t < tries && out.length < stopAfter; t++) {
    const s = seed + t;
    const asm = genLoopAsm(prng(s));
    const p = makeProgram(assemble(asm));
    const probe = verifyProgram(p, { history: new CopyHistory(), backedgePropagation: true, logLevel: 0 });
    if (probe.verdict === 'unsupported' || probe.insns > maxInsns) continue;
    const r = runPair(p, true, 2);
    if (!r.same || r.audit.violations().length > 0) out.push({ seed: s, asm, copy: r.copy, shared: r.shared, audit: r.audit });
  }
  return out;
}
