// The conformance table (test/conformance/conformance.json): for each
// program, whether the model agrees with the kernel, and if not, on which
// fields and why. A status change in either direction is a finding, so fixes
// and regressions both get recorded.

import { differingFields } from './diff.js';
import type { Comparison } from './run.js';

export type ConformanceStatus = 'agree' | 'disagree' | 'unsupported' | 'crashed';

export interface ConformanceEntry {
  /** A program file, relative to the table's folder. */
  program?: string;
  /** A corpus program, `file.c:function`. */
  corpus?: string;
  status: ConformanceStatus;
  /** For 'disagree': the fields that differ, in report order. */
  failing?: string[];
  /** Why (required for anything but 'agree'). */
  reason?: string;
}

export interface ConformanceTable {
  _comment?: string;
  entries: ConformanceEntry[];
}

export interface Observed {
  status: ConformanceStatus;
  failing: string[];
  /** Unsupported/crash note, or the first differing log line. */
  detail: string;
}

export const entryKey = (e: ConformanceEntry): string => e.program ?? `corpus:${e.corpus ?? '?'}`;

const STATUSES: readonly ConformanceStatus[] = ['agree', 'disagree', 'unsupported', 'crashed'];

/** Validates the parsed JSON; throws with the offending entry on bad shape. */
export function parseConformance(value: unknown): ConformanceTable {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Record<string, unknown>)['entries'])) {
    throw new Error('conformance table: expected { entries: [...] }');
  }
  const raw = (value as { entries: unknown[] }).entries;
  const seen = new Set<string>();
  const entries = raw.map((x, i): ConformanceEntry => {
    const o = x as Record<string, unknown>;
    const where = `conformance entry #${i}`;
    if (typeof o !== 'object' || o === null) throw new Error(`${where}: not an object`);
    const hasProg = typeof o['program'] === 'string';
    const hasCorpus = typeof o['corpus'] === 'string';
    if (hasProg === hasCorpus) throw new Error(`${where}: needs exactly one of program, corpus`);
    if (!STATUSES.includes(o['status'] as ConformanceStatus)) throw new Error(`${where}: bad status ${String(o['status'])}`);
    const e: ConformanceEntry = { status: o['status'] as ConformanceStatus };
    if (hasProg) e.program = o['program'] as string;
    if (hasCorpus) e.corpus = o['corpus'] as string;
    if (o['failing'] !== undefined) {
      if (!Array.isArray(o['failing']) || !o['failing'].every((f) => typeof f === 'string')) throw new Error(`${where}: failing must be a list of field names`);
      e.failing = o['failing'] as string[];
    }
    if (o['reason'] !== undefined) e.reason = String(o['reason']);
    if (e.status !== 'agree' && !e.reason) throw new Error(`${where} (${entryKey(e)}): status ${e.status} needs a reason`);
    if (e.status === 'disagree' && !(e.failing && e.failing.length > 0)) throw new Error(`${where} (${entryKey(e)}): disagree needs failing fields`);
    const k = entryKey(e);
    if (seen.has(k)) throw new Error(`${where}: duplicate ${k}`);
    seen.add(k);
    return e;
  });
  const t: ConformanceTable = { entries };
  const c = (value as Record<string, unknown>)['_comment'];
  if (typeof c === 'string') t._comment = c;
  return t;
}

export function observe(c: Comparison): Observed {
  if (c.status !== 'compared') return { status: c.status, failing: [], detail: c.note ?? '' };
  const failing = differingFields(c.diff!);
  if (failing.length === 0) return { status: 'agree', failing, detail: '' };
  const ld = c.diff!.firstLogDiff;
  const detail = ld ? `log line ${ld.line}: model '${ld.a ?? '<end>'}' vs kernel '${ld.b ?? '<end>'}'` : c.diff!.differing.map((f) => `${f.field} ${f.a} vs ${f.b}`).join('; ');
  return { status: 'disagree', failing, detail };
}

/** Why the observation does not match the entry, or undefined when it does. */
export function mismatch(e: ConformanceEntry, o: Observed): string | undefined {
  if (e.status !== o.status) {
    const now = o.status === 'disagree' ? `disagree on ${o.failing.join(',')}` : o.status;
    const hint = e.status === 'agree' ? 'regression' : o.status === 'agree' ? 'fixed: record it as agree' : 'status changed';
    return `${entryKey(e)}: listed as ${e.status}, now ${now} (${hint})${o.detail ? `: ${o.detail}` : ''}`;
  }
  if (e.status === 'disagree') {
    const want = [...(e.failing ?? [])].sort().join(',');
    const got = [...o.failing].sort().join(',');
    if (want !== got) return `${entryKey(e)}: failing fields were ${want}, now ${got}: ${o.detail}`;
  }
  return undefined;
}

/** The table rewritten with what was observed (reasons kept where the status is unchanged). */
export function updateTable(t: ConformanceTable, observed: Map<string, Observed>): ConformanceTable {
  const entries = t.entries.map((e): ConformanceEntry => {
    const o = observed.get(entryKey(e));
    if (!o || mismatch(e, o) === undefined) return e;
    const n: ConformanceEntry = { ...(e.program !== undefined ? { program: e.program } : { corpus: e.corpus! }), status: o.status };
    if (o.status === 'disagree') n.failing = o.failing;
    if (o.status !== 'agree') n.reason = e.status === o.status && e.reason ? e.reason : `TODO explain: ${o.detail}`;
    return n;
  });
  return { ...(t._comment !== undefined ? { _comment: t._comment } : {}), entries };
}
