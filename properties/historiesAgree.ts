// Equivalence of two history implementations through the verifier model:
// same program, same options, identical Results except history statistics.
import type { HistoryKind } from '../src/history/history.js';
import { makeHistory } from '../src/history/index.js';
import type { Program } from '../src/isa/program.js';
import type { Result } from '../src/result/result.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { diffResults } from '../src/compare/diff.js';
import { errorText, profileOf, type PropertyOptions, type PropertyOutcome } from './types.js';
import { historyFaultFor, verifierFaultsFor } from './faults.js';

type Run = { result: Result } | { crash: string };

function runSide(program: Program, kind: HistoryKind, o: PropertyOptions, withFault: boolean): Run {
  const hf = withFault ? historyFaultFor(o.fault, kind) : undefined;
  const history = makeHistory(kind, hf ? { fault: hf } : {});
  try {
    return {
      result: verifyProgram(program, {
        history,
        faults: withFault ? verifierFaultsFor(o.fault) : [],
        backedgePropagation: o.backedge ?? true,
        logLevel: o.fullLog ? 2 : 0,
        ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
        profile: profileOf(o),
      }),
    };
  } catch (e) {
    return { crash: errorText(e) };
  }
}

const label = (k: HistoryKind, o: PropertyOptions, uut: boolean): string =>
  uut && (historyFaultFor(o.fault, k) !== undefined || verifierFaultsFor(o.fault).length > 0) ? `${k}!${o.fault}` : k;

/**
 * Runs `program` under histories a and b (fault injected into b) and compares
 * verdict, errno, error, insns, total_states, peak_states, max_states_per_insn
 * and the precision marks of every explored state (plus the full log and the
 * mark_precise lines with fullLog).
 */
export function historiesAgree(program: Program, a: HistoryKind, b: HistoryKind, o: PropertyOptions = {}): PropertyOutcome {
  const la = label(a, o, false);
  const lb = label(b, o, true);
  const ra = runSide(program, a, o, false);
  const rb = runSide(program, b, o, true);
  if ('crash' in ra || 'crash' in rb) {
    const ca = 'crash' in ra ? ra.crash : undefined;
    const cb = 'crash' in rb ? rb.crash : undefined;
    if (ca !== undefined && ca === cb) return { ok: true, skipped: `model crashed identically under both: ${ca}` };
    const show = (r: Run): string => ('crash' in r ? `crashed: ${r.crash}` : `${r.result.verdict} (${r.result.insns} insns)`);
    return {
      ok: false,
      diff: {
        summary: `${'crash' in rb ? lb : la} crashed, ${'crash' in rb ? la : lb} did not`,
        lines: [`${la}: ${show(ra)}`, `${lb}: ${show(rb)}`],
        fields: [{ field: 'crash', a: show(ra), b: show(rb) }],
      },
    };
  }
  const x = ra.result;
  const y = rb.result;
  if (x.verdict === 'unsupported' && y.verdict === 'unsupported' && x.error === y.error) {
    return { ok: true, skipped: `model does not support the program: ${x.error}` };
  }
  const d = diffResults(x, y, { precision: true });
  if (d.differing.length === 0) return { ok: true };
  const fields = d.differing.map((f) => ({ field: f.field, a: f.a, b: f.b }));
  const lines = [`${la} vs ${lb}, backedge ${(o.backedge ?? true) ? 'on' : 'off'}:`];
  const w = Math.max(la.length, lb.length);
  for (const f of fields) {
    lines.push(`  ${f.field}:`);
    lines.push(`    ${la.padEnd(w)}  ${f.a}`);
    lines.push(`    ${lb.padEnd(w)}  ${f.b}`);
  }
  return { ok: false, diff: { summary: `${la} and ${lb} differ in ${fields.map((f) => f.field).join(', ')}`, lines, fields } };
}

/** The pinned design (src/history/pinned.ts) gives what copy gives, backedges included. */
export function pinnedMatchesCopy(program: Program, o: PropertyOptions = {}): PropertyOutcome {
  const b = o.b === 'audited-pinned' ? o.b : 'pinned';
  return historiesAgree(program, o.a ?? 'copy', b, o);
}

/** The headline property: shared history (the patch) gives what copy (6.18) gives. */
export function sharedMatchesCopy(program: Program, o: PropertyOptions = {}): PropertyOutcome {
  return historiesAgree(program, o.a ?? 'copy', o.b ?? 'shared', o);
}
