// Coverage of what the history is for, read from a level-2 verifier log (the
// model's or the kernel's: both print the same kinds of lines), plus exact
// history-entry counts from the model's history seam.
//
// Flags, per program:
// - backtrackAcrossStates: a `mark_precise: frameN: parent state ...` line, i.e.
//   precision backtracking walked from a state into its parent (>= 2 states).
// - pruned: a line ending in `: safe` (a state matched an explored one).
// - sccEnter: a `SCC enter (...)` line.
// - sccBackedge: a `SCC backedge (...)` line (a loop state matched with RANGE_WITHIN).
// - backedgePropagation: for some call chain X, `SCC backedge X` was seen since the
//   last `SCC enter X`, and the `SCC exit X` that closes that visit is directly
//   followed (only `frame N: propagating ...` / `mark_precise:` lines between) by a
//   `frame N: propagating` line: precision actually moved over a backedge.
// - linkedRegs / stackAccess: with history counts (model), at least one history
//   entry carried linked registers / INSN_F_STACK_ACCESS. From a log alone
//   (kernel), proxies: stackAccess = a mark_precise line with a non-empty
//   `stack=` set (backtracking went through a spill slot); linkedRegs = the
//   precise register set grew across a conditional jump with an immediate
//   operand, which only linked-register sync does.
// - backtrackAcrossCall: a `mark_precise:` line `before N: (95) exit` (from a
//   caller into the callee that returned) or `before N: (85) call pc+K` (from a
//   callee's entry into its caller).
// - frameHistory: with history counts (model), a history entry was pushed
//   while executing in frame >= 1. From a log, proxy: backtracking walked an
//   instruction in frame >= 1 (`mark_precise: frameN: regs=` with N >= 1).
// - otherFrameStack: with history counts (model), a stack-access entry names a
//   frame other than the one executing (a callee spilling into its caller's
//   stack through a pointer argument). From a log, proxy: backtracking in
//   frame >= 1 walked an access at a non-zero offset from a base other than r10.
// - globalSubprog: a global subprogram was verified on its own (`Validating funcN() func#N...`).
// - loopCallback: a bpf_loop call was checked (`call bpf_loop#181`), i.e. a callback was explored.
// - mapElemCallback: a bpf_for_each_map_elem call was checked (its callback explored).
// - findVmaCallback: a bpf_find_vma call was checked (its callback explored).
// - ringbufCallback: a bpf_user_ringbuf_drain call was checked (its callback explored).
// - asyncCallback: an async (bpf_timer) callback state was explored: a state
//   print ends in ` async_cb` (the verifier ran startAsyncCallback's hand-off).

import type { Result } from '../src/result/result.js';
import type { CopyReason, HistCursor, HistEntry, HistOwner, HistSlot, InsnHistory } from '../src/history/history.js';
import { INSN_F_FRAMENO_MASK, INSN_F_STACK_ACCESS } from '../src/history/history.js';
import type { HistoryStats } from '../src/result/result.js';

export interface CoverageFlags {
  backtrackAcrossStates: boolean;
  pruned: boolean;
  sccEnter: boolean;
  sccBackedge: boolean;
  backedgePropagation: boolean;
  linkedRegs: boolean;
  stackAccess: boolean;
  backtrackAcrossCall: boolean;
  frameHistory: boolean;
  otherFrameStack: boolean;
  globalSubprog: boolean;
  loopCallback: boolean;
  mapElemCallback: boolean;
  ringbufCallback: boolean;
  findVmaCallback: boolean;
  asyncCallback: boolean;
}

export const COVERAGE_KEYS: readonly (keyof CoverageFlags)[] = [
  'backtrackAcrossStates', 'pruned', 'sccEnter', 'sccBackedge', 'backedgePropagation', 'linkedRegs', 'stackAccess',
  'backtrackAcrossCall', 'frameHistory', 'otherFrameStack', 'globalSubprog', 'loopCallback',
  'mapElemCallback', 'ringbufCallback', 'findVmaCallback', 'asyncCallback',
];

export interface HistoryCounts {
  linkedEntries: number;
  stackAccessEntries: number;
  /** Entries pushed while the state executed in frame >= 1. */
  frameEntries: number;
  /** Stack-access entries naming a frame other than the executing one. */
  otherFrameStackEntries: number;
}

const MARK_RE = /^mark_precise: frame\d+: regs=(\S*) stack=(\S*) before \d+: \(([0-9a-f]{2})\) (.*)$/;
const JMP_K_RE = /^if [rw]\d+ \S+ (0x[0-9a-f]+|-?\d+) goto/;
const CALL_EDGE_RE = /^(exit|call pc[+-]\d+)$/;
// Offset 0 left out: the generator's var-offset reads of the own frame use it.
const NON_FP_ACCESS_RE = /\*\(u\d+ \*\)\(r[0-9] (\+[1-9]|-)/;

const regSet = (s: string): Set<string> => new Set(s.split(',').filter((x) => x.length > 0));

/** Flags from a level-2 log; linkedRegs/stackAccess are the log proxies described above. */
export function coverageFromLog(log: string): CoverageFlags {
  const f: CoverageFlags = {
    backtrackAcrossStates: false, pruned: false, sccEnter: false, sccBackedge: false,
    backedgePropagation: false, linkedRegs: false, stackAccess: false,
    backtrackAcrossCall: false, frameHistory: false, otherFrameStack: false,
    globalSubprog: /^Validating func\d+\(\) func#\d+\.\.\.$/m.test(log), loopCallback: /\(85\) call bpf_loop#181/.test(log),
    mapElemCallback: /\(85\) call bpf_for_each_map_elem#164/.test(log), ringbufCallback: /\(85\) call bpf_user_ringbuf_drain#209/.test(log),
    findVmaCallback: /\(85\) call bpf_find_vma#180/.test(log), asyncCallback: / async_cb$/m.test(log),
  };
  const lines = log.split('\n');
  const backedged = new Set<string>();
  let prevMark: { regs: Set<string>; jmpK: boolean } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.startsWith('mark_precise: ')) {
      if (/^mark_precise: frame\d+: parent state /.test(l)) f.backtrackAcrossStates = true;
      const m = MARK_RE.exec(l);
      if (m) {
        const insnText = m[4] ?? '';
        if (CALL_EDGE_RE.test(insnText)) f.backtrackAcrossCall = true;
        if (!l.startsWith('mark_precise: frame0:')) {
          f.frameHistory = true;
          if (NON_FP_ACCESS_RE.test(insnText)) f.otherFrameStack = true;
        }
        const regs = regSet(m[1] ?? '');
        if ((m[2] ?? '').length > 0) f.stackAccess = true;
        if (prevMark?.jmpK && [...regs].some((r) => !prevMark!.regs.has(r))) f.linkedRegs = true;
        prevMark = { regs, jmpK: JMP_K_RE.test(m[4] ?? '') };
      } else {
        prevMark = undefined;
      }
      continue;
    }
    prevMark = undefined;
    if (l.endsWith(': safe')) f.pruned = true;
    const scc = /^SCC (enter|backedge|exit) (\(.*\))$/.exec(l);
    if (!scc) continue;
    const [, what, chain] = scc as unknown as [string, string, string];
    if (what === 'enter') {
      f.sccEnter = true;
      backedged.delete(chain);
    } else if (what === 'backedge') {
      f.sccBackedge = true;
      backedged.add(chain);
    } else if (backedged.has(chain)) {
      backedged.delete(chain);
      for (let j = i + 1; j < lines.length; j++) {
        const n = lines[j] as string;
        if (/^frame \d+: propagating /.test(n)) {
          f.backedgePropagation = true;
          break;
        }
        if (!n.startsWith('mark_precise:')) break;
      }
    }
  }
  return f;
}

/**
 * Flags for a model Result (verified with logLevel 2). With `counts` (from a
 * CountingHistory used for that run) the history flags are exact; otherwise
 * the log proxies are used.
 */
export function coverageFromResult(r: Result, counts?: HistoryCounts): CoverageFlags {
  const f = coverageFromLog(r.log ?? '');
  if (counts) {
    f.linkedRegs = counts.linkedEntries > 0;
    f.stackAccess = counts.stackAccessEntries > 0;
    f.frameHistory = counts.frameEntries > 0;
    f.otherFrameStack = counts.otherFrameStackEntries > 0;
  }
  return f;
}

/** The executing frame of a history owner (the model passes its verifier states); 0 when unknown. */
function curframeOf(st: HistOwner): number {
  const f: unknown = (st as unknown as { curframe?: unknown }).curframe;
  return typeof f === 'number' ? f : 0;
}

/** Delegating history that counts entries carrying linked registers or stack-access flags. */
export class CountingHistory implements InsnHistory {
  readonly name: string;
  readonly counts: HistoryCounts = { linkedEntries: 0, stackAccessEntries: 0, frameEntries: 0, otherFrameStackEntries: 0 };
  constructor(private inner: InsnHistory) {
    this.name = inner.name;
  }
  private note(st: HistOwner, flags: number, linked: bigint, fresh: boolean): void {
    if (linked !== 0n) this.counts.linkedEntries++;
    const frame = curframeOf(st);
    if (fresh && frame > 0) this.counts.frameEntries++;
    if (flags & INSN_F_STACK_ACCESS) {
      this.counts.stackAccessEntries++;
      if ((flags & INSN_F_FRAMENO_MASK) !== frame) this.counts.otherFrameStackEntries++;
    }
  }
  newSlot(): HistSlot { return this.inner.newSlot(); }
  push(st: HistOwner, entry: HistEntry, insnIdx: number): void {
    this.note(st, entry.flags, entry.linkedRegs, true);
    this.inner.push(st, entry, insnIdx);
  }
  combineLast(st: HistOwner, flags: number, linkedRegs: bigint): void {
    this.note(st, flags, linkedRegs, false);
    this.inner.combineLast(st, flags, linkedRegs);
  }
  copyInto(dst: HistOwner, src: HistOwner, why: CopyReason): void { this.inner.copyInto(dst, src, why); }
  resetForChild(cur: HistOwner, parent: HistOwner): void { this.inner.resetForChild(cur, parent); }
  startAsyncCallback(cb: HistOwner, cur: HistOwner): void { this.inner.startAsyncCallback(cb, cur); }
  finalize(st: HistOwner): void { this.inner.finalize(st); }
  seal(st: HistOwner, why: 'checkpoint' | 'enqueued'): void { this.inner.seal(st, why); }
  release(st: HistOwner): void { this.inner.release(st); }
  cursor(st: HistOwner, insnIdx: number): HistCursor { return this.inner.cursor(st, insnIdx); }
  stats(): HistoryStats { return this.inner.stats(); }
}

/** Per-preset tally: verdicts (incl. the model's 'unsupported') and flag counts. */
export interface CoverageSummary {
  programs: number;
  accept: number;
  reject: number;
  unsupported: number;
  flags: Record<keyof CoverageFlags, number>;
}

export function emptySummary(): CoverageSummary {
  const flags = Object.fromEntries(COVERAGE_KEYS.map((k) => [k, 0])) as Record<keyof CoverageFlags, number>;
  return { programs: 0, accept: 0, reject: 0, unsupported: 0, flags };
}

export function addToSummary(s: CoverageSummary, verdict: Result['verdict'], f: CoverageFlags | undefined): void {
  s.programs++;
  s[verdict]++;
  if (!f) return;
  for (const k of COVERAGE_KEYS) if (f[k]) s.flags[k]++;
}
