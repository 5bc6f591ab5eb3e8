// The audit properties: run the implementation under test inside the auditing
// wrapper and fail on violations of one kind. One audited run serves all three.
import type { HistoryKind } from '../src/history/history.js';
import { AuditedHistory, makeHistory, type Violation, type ViolationKind } from '../src/history/index.js';
import { fmtViolation } from '../src/history/timeline.js';
import type { Program } from '../src/isa/program.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { errorText, profileOf, type PropertyOptions, type PropertyOutcome } from './types.js';
import { historyFaultFor, verifierFaultsFor } from './faults.js';

export type AuditPropertyName = 'noClobber' | 'readFidelity' | 'chainShape';
export const AUDIT_PROPERTIES: readonly AuditPropertyName[] = ['noClobber', 'readFidelity', 'chainShape'];

const KIND_OF: Readonly<Record<AuditPropertyName, ViolationKind>> = {
  noClobber: 'no-clobber',
  readFidelity: 'read-fidelity',
  chainShape: 'chain-shape',
};

/** The audited history kind that wraps the implementation under test. */
export function auditedKindFor(uut: HistoryKind): HistoryKind {
  if (uut === 'copy' || uut === 'audited-copy') return 'audited-copy';
  if (uut === 'pinned' || uut === 'audited-pinned') return 'audited-pinned';
  return 'audited';
}

export interface AuditRun {
  violations: Violation[];
  /** Set when the model threw during the audited run (violations so far are kept). */
  crash?: string;
  /** The model could not handle the program. */
  unsupported?: string;
  label: string;
}

/** One verification of `program` under audited(implementation under test). */
export function auditRun(program: Program, o: PropertyOptions = {}): AuditRun {
  const uut = o.b ?? 'shared';
  const kind = auditedKindFor(uut);
  const fault = historyFaultFor(o.fault, kind);
  const vfaults = verifierFaultsFor(o.fault);
  const inner = kind === 'audited-copy' ? 'copy' : kind === 'audited-pinned' ? 'pinned' : 'shared';
  const label = `audited(${inner}${fault ? `!${fault}` : ''})`;
  const h = makeHistory(kind, fault ? { fault } : {});
  if (!(h instanceof AuditedHistory)) throw new Error('auditRun: expected an audited history');
  try {
    const r = verifyProgram(program, {
      history: h,
      faults: vfaults,
      backedgePropagation: o.backedge ?? true,
      logLevel: 0,
      ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
      profile: profileOf(o),
    });
    if (r.verdict === 'unsupported') return { violations: h.violations(), unsupported: r.error, label };
    return { violations: h.violations(), label };
  } catch (e) {
    return { violations: h.violations(), crash: errorText(e), label };
  }
}

/** Judges one audit property from an audited run. */
export function auditOutcome(name: AuditPropertyName, run: AuditRun, backedge = true): PropertyOutcome {
  const kind = KIND_OF[name];
  const vs = run.violations.filter((v) => v.kind === kind);
  if (vs.length === 0) {
    if (run.crash !== undefined) return { ok: true, skipped: `model crashed under ${run.label}: ${run.crash}` };
    if (run.unsupported !== undefined) return { ok: true, skipped: `model does not support the program: ${run.unsupported}` };
    return { ok: true };
  }
  const shown = vs.slice(0, 3);
  const lines = [`${run.label}, backedge ${backedge ? 'on' : 'off'}: ${vs.length} ${kind} violation(s)`];
  for (const v of shown) lines.push(...fmtViolation(v).split('\n').map((l) => `  ${l}`));
  if (vs.length > shown.length) lines.push(`  ... ${vs.length - shown.length} more`);
  if (run.crash !== undefined) lines.push(`  (then the model crashed: ${run.crash})`);
  const first = vs[0] as Violation;
  return {
    ok: false,
    diff: {
      summary: `${kind} violated at insn ${first.insnIdx} (${first.op}) under ${run.label}`,
      lines,
      violations: vs.slice(0, 20).map((v) => ({ kind: v.kind, insnIdx: v.insnIdx, op: v.op, detail: v.detail })),
    },
  };
}

const single = (name: AuditPropertyName) => (program: Program, o: PropertyOptions = {}): PropertyOutcome =>
  auditOutcome(name, auditRun(program, o), o.backedge ?? true);

/** No write to the shared array lands inside a sealed slice. */
export const noClobber = single('noClobber');
/** Every backtracking walk reads exactly what the copy implementation holds. */
export const readFidelity = single('readFidelity');
/** Along the current parent chain, slices are ordered, disjoint and contiguous. */
export const chainShape = single('chainShape');
