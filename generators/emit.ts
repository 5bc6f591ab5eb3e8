// Instruction buffer for the renderer: labels with patched jump offsets, and
// subprograms. A subprogram is rendered into its own Emitter and handed over
// finished; finish() lays subprograms out after this buffer's own code (so
// after the main program's exit) and patches each `call pc+N` to its start.
// Nested subprograms are flattened the same way, one level at a time.

import type { Insn } from '../src/isa/insn.js';
import type { Program } from '../src/isa/program.js';
import { callPseudo, ldImm64 } from '../src/isa/builder.js';
import { BPF_PSEUDO_FUNC } from '../src/isa/opcode.js';

/** BTF func_info of one subprogram, as Program.funcs holds it. */
export type FuncMeta = NonNullable<Program['funcs']>[number];

export interface EmitMark {
  n: number;
  f: number;
  s: number;
  c: number;
  sub: number;
}

export class Emitter {
  insns: Insn[] = [];
  private fix: { at: number; label: number }[] = [];
  private labels: number[] = [];
  private nextLabel = 0;
  private subs: Insn[][] = [];
  private calls: { at: number; sub: number }[] = [];
  /** Per sub: its own func info, then its nested subprograms' in layout order. */
  private subFuncs: FuncMeta[][] = [];
  private subInsns = 0;

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
    this.fix.push({ at: this.insns.length, label });
    this.put(x);
  }
  /**
   * `call pc+N` to a finished subprogram body, laid out by finish(); `funcs`:
   * the body's func info, its own first, then its nested subprograms' (the
   * body emitter's funcs()).
   */
  callSub(body: Insn[], funcs: FuncMeta[]): void {
    this.calls.push({ at: this.insns.length, sub: this.subs.length });
    this.subs.push(body);
    this.subFuncs.push(funcs);
    this.subInsns += body.length;
    this.put(callPseudo(0));
  }
  /** `dst = <subprogram>` (ld_imm64 of BPF_PSEUDO_FUNC) for a callback body, laid out like callSub's. */
  loadFunc(dst: number, body: Insn[], funcs: FuncMeta[]): void {
    this.calls.push({ at: this.insns.length, sub: this.subs.length });
    this.subs.push(body);
    this.subFuncs.push(funcs);
    this.subInsns += body.length;
    this.put(ldImm64(dst, 0n, BPF_PSEUDO_FUNC));
  }
  /** Instructions so far, subprograms included. */
  size(): number {
    return this.insns.length + this.subInsns;
  }
  mark(): EmitMark {
    return { n: this.insns.length, f: this.fix.length, s: this.subs.length, c: this.calls.length, sub: this.subInsns };
  }
  rollback(m: EmitMark): void {
    this.insns.length = m.n;
    this.fix.length = m.f;
    this.subs.length = m.s;
    this.subFuncs.length = m.s;
    this.calls.length = m.c;
    this.subInsns = m.sub;
  }
  /** Func info of the subprograms finish() lays out after this buffer's code, in layout order. */
  funcs(): FuncMeta[] {
    return this.subFuncs.flat();
  }

  finish(): Insn[] {
    for (const f of this.fix) {
      const target = this.labels[f.label];
      const ins = this.insns[f.at];
      if (target === undefined || target < 0 || !ins) throw new Error('generator: unbound label');
      ins.off = target - f.at - 1;
    }
    const starts: number[] = [];
    for (const s of this.subs) {
      starts.push(this.insns.length);
      for (const i of s) this.insns.push(i);
    }
    for (const c of this.calls) {
      const ins = this.insns[c.at];
      const start = starts[c.sub];
      if (!ins || start === undefined) throw new Error('generator: unbound call');
      ins.imm = start - c.at - 1;
    }
    return this.insns;
  }
}
