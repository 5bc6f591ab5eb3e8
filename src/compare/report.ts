// Text and JSON rendering of a set of comparisons (veristat-like rows, the
// per-field agreement summary, first differing lines and their kinds).

import type { Result } from '../result/result.js';
import { renderTable, type Column } from '../util/table.js';
import { COMPARE_FIELDS, HISTORY_STAT_KEYS, MODEL_FIELDS, differingFields, type AnyField, type LineDiff } from './diff.js';
import { isOracle, sideLabel, type Comparison, type Side } from './run.js';
import { groupByKind, tallyAgreement, type FieldTally, type KindGroup } from './summary.js';

export interface CompareSummary {
  a: Side;
  b: Side;
  programs: number;
  compared: number;
  unsupported: number;
  crashed: number;
  disagreeing: number;
  fields: FieldTally[];
  kinds: KindGroup[];
}

export const fieldsFor = (a: Side, b: Side): AnyField[] =>
  !isOracle(a) && !isOracle(b) ? [...COMPARE_FIELDS, ...MODEL_FIELDS] : [...COMPARE_FIELDS];

export function summarize(cs: Comparison[], a: Side, b: Side): CompareSummary {
  const compared = cs.filter((c) => c.status === 'compared');
  const diffs = compared.map((c) => c.diff!);
  const logDiffs: Array<{ name: string; diff: LineDiff }> = [];
  for (const c of compared) if (c.diff?.firstLogDiff) logDiffs.push({ name: c.name, diff: c.diff.firstLogDiff });
  return {
    a, b,
    programs: cs.length,
    compared: compared.length,
    unsupported: cs.filter((c) => c.status === 'unsupported').length,
    crashed: cs.filter((c) => c.status === 'crashed').length,
    disagreeing: diffs.filter((d) => d.differing.length > 0).length,
    fields: tallyAgreement(diffs, fieldsFor(a, b)),
    kinds: groupByKind(logDiffs),
  };
}

/** Exit-worthy: anything disagrees or crashed. */
export const anyFinding = (s: CompareSummary): boolean => s.disagreeing > 0 || s.crashed > 0;

const agreeMark = (c: Comparison): string => {
  if (c.status === 'unsupported') return 'n/a (unsupported)';
  if (c.status === 'crashed') return 'CRASH';
  const f = differingFields(c.diff!);
  return f.length === 0 ? 'yes' : `NO: ${f.join(',')}`;
};

const verdictOf = (r: Result): string => (r.verdict === 'unsupported' ? `unsupported@${r.unsupportedAt ?? '?'}` : r.verdict);

export function rowsTable(cs: Comparison[], a: Side, b: Side): string {
  const la = sideLabel(a);
  const lb = sideLabel(b);
  const pair = (t: string): Column[] => [{ title: `${t} (${la})`, align: 'right' }, { title: `${t} (${lb})`, align: 'right' }];
  const cols: Column[] = [
    { title: 'Program' }, { title: `Verdict (${la})` }, { title: `Verdict (${lb})` },
    ...pair('Insns'), ...pair('States'), ...pair('Peak'), ...pair('MaxSt/insn'), { title: 'Agree' },
  ];
  const rows = cs.map((c) => {
    const x = c.a.result;
    const y = c.b.result;
    return [c.name, verdictOf(x), verdictOf(y), x.insns, y.insns, x.total_states, y.total_states, x.peak_states, y.peak_states,
      x.max_states_per_insn, y.max_states_per_insn, agreeMark(c)];
  });
  return renderTable(cols, rows);
}

/** History statistics side by side (model-vs-model runs). */
export function historyTable(cs: Comparison[], a: Side, b: Side): string {
  const cols: Column[] = [{ title: 'Program' }];
  for (const k of HISTORY_STAT_KEYS) {
    cols.push({ title: `${k} (${a})`, align: 'right' }, { title: `${k} (${b})`, align: 'right' });
  }
  const rows = cs.map((c) => {
    const r: Array<string | number> = [c.name];
    for (const k of HISTORY_STAT_KEYS) r.push(c.a.result.history?.[k] ?? '', c.b.result.history?.[k] ?? '');
    return r;
  });
  return renderTable(cols, rows);
}

export function summaryText(s: CompareSummary): string {
  const out: string[] = [];
  out.push(`Agreement, ${sideLabel(s.a)} vs ${sideLabel(s.b)}: ${s.programs} program(s), ${s.compared} compared, `
    + `${s.unsupported} unsupported (excluded), ${s.crashed} crashed, ${s.disagreeing} disagreeing`);
  out.push(renderTable(
    [{ title: 'Field' }, { title: 'Agree', align: 'right' }, { title: 'Total', align: 'right' }, { title: '%', align: 'right' }],
    s.fields.map((f) => [f.field, f.agree, f.total, f.pct.toFixed(1)]),
  ).trimEnd());
  return out.join('\n') + '\n';
}

const q = (v: string | undefined): string => (v === undefined ? '<end of log>' : v);

export function disagreementsText(cs: Comparison[], a: Side, b: Side, max = 50): string {
  const la = sideLabel(a);
  const lb = sideLabel(b);
  const w = Math.max(la.length, lb.length) + 1;
  const out: string[] = [];
  const bad = cs.filter((c) => c.status === 'compared' && c.diff!.differing.length > 0);
  const special = cs.filter((c) => c.status !== 'compared');
  if (special.length > 0) {
    out.push('Not compared (excluded from the percentages):');
    for (const c of special) out.push(`  ${c.name}: ${c.status}: ${c.note ?? ''}`);
  }
  if (bad.length > 0) {
    out.push(`Disagreements (first differing line):`);
    for (const c of bad.slice(0, max)) {
      const d = c.diff!;
      out.push(`  ${c.name}: ${differingFields(d).join(', ')}`);
      const ld = d.firstLogDiff;
      if (ld) {
        out.push(`    log line ${ld.line}`);
        out.push(`      ${`${la}:`.padEnd(w)} ${q(ld.a)}`);
        out.push(`      ${`${lb}:`.padEnd(w)} ${q(ld.b)}`);
      } else {
        for (const f of d.differing) out.push(`    ${f.field}: ${la}=${f.a} ${lb}=${f.b}`);
      }
    }
    if (bad.length > max) out.push(`  ... ${bad.length - max} more (use --json for all)`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

export function kindsText(s: CompareSummary): string {
  if (s.kinds.length === 0) return '';
  const out = [`Kinds of first differing log lines (A = ${sideLabel(s.a)}, B = ${sideLabel(s.b)}):`];
  for (const g of s.kinds) out.push(`  ${String(g.count).padStart(4)}  ${g.kind}  (e.g. ${g.examples.map((e) => e.name).join(', ')})`);
  return out.join('\n') + '\n';
}

/** One JSON object per program (logs left out; the first differing lines say where they part). */
export function comparisonJson(c: Comparison): Record<string, unknown> {
  const strip = (r: Result): Omit<Result, 'log'> => {
    const { log: _log, ...rest } = r;
    return rest;
  };
  const o: Record<string, unknown> = {
    ...(c.file !== undefined ? { file: c.file } : {}),
    name: c.name,
    status: c.status,
    a: { side: c.a.side, usec: Math.round(c.a.usec), ...strip(c.a.result) },
    b: { side: c.b.side, usec: Math.round(c.b.usec), ...strip(c.b.result) },
  };
  if (c.note !== undefined) o['note'] = c.note;
  if (c.diff) {
    o['agree'] = c.diff.agree;
    o['differing'] = c.diff.differing;
    if (c.diff.firstLogDiff) o['firstLogDiff'] = c.diff.firstLogDiff;
  }
  return o;
}
