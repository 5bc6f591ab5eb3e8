// Agreement summaries over many comparisons, and grouping of first differing
// log lines into kinds so the most frequent model/kernel gaps stand out.

import type { AnyField, LineDiff, ResultDiff } from './diff.js';

export interface FieldTally {
  field: AnyField;
  agree: number;
  total: number;
  /** 0..100, one decimal; 100 when total is 0. */
  pct: number;
}

export const pct = (n: number, total: number): number => (total === 0 ? 100 : Math.round((1000 * n) / total) / 10);

/** Per-field agreement over the compared programs (unsupported ones must be left out by the caller). */
export function tallyAgreement(diffs: ResultDiff[], fields: readonly AnyField[]): FieldTally[] {
  return fields.map((field) => {
    let agree = 0;
    let total = 0;
    for (const d of diffs) {
      const v = d.agree[field];
      if (v === undefined) continue;
      total++;
      if (v) agree++;
    }
    return { field, agree, total, pct: pct(agree, total) };
  });
}

// ---- kinds of log lines -------------------------------------------------------

export type LineCategory =
  | 'insn+state' | 'insn' | 'state' | 'branch state' | 'mark_precise' | 'stats' | 'live regs' | 'func' | 'message';

export function lineCategory(line: string): LineCategory {
  if (/^\d+: \([0-9a-f]{2}\) .*;/.test(line)) return 'insn+state';
  if (/^\d+: \([0-9a-f]{2}\) /.test(line)) return 'insn';
  if (/^\d+: (R\d|frame|fp-|refs=|cb)/.test(line) || /^\d+:\s*$/.test(line)) return 'state';
  if (/^from \d+ to \d+:/.test(line)) return 'branch state';
  if (line.startsWith('mark_precise:')) return 'mark_precise';
  if (/^processed \d+ insns/.test(line)) return 'stats';
  if (/^\s+\d+: [.0-9]{10} /.test(line) || line === 'Live regs before insn:') return 'live regs';
  if (/^func#\d+ @\d+/.test(line)) return 'func';
  return 'message';
}

/** Numbers (decimal, hex, negative) replaced by N so lines group by shape. */
export const maskNumbers = (s: string): string => s.replace(/-?(0x[0-9a-f]+|\d+)/gi, 'N');

/** `R7` -> `Rn`, `fp-8` -> `fp-N`: register and slot names without their numbers. */
const maskName = (s: string): string => s.replace(/^R\d+/, 'Rn').replace(/\d+/g, 'N');

/** Splits on blanks outside parentheses: `R1=scalar(a, b) R2=fp0` -> 2 tokens. */
export function splitTokens(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** `smin=smin32=0,smax=7,var_off=(0x0; 0x7)` -> Map(smin->0, smin32->0, smax->7, var_off->(0x0; 0x7)). */
function regFields(inner: string): Map<string, string> {
  const m = new Map<string, string>();
  let depth = 0;
  let cur = '';
  const parts: string[] = [];
  for (const ch of inner) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) parts.push(cur);
  for (const p of parts) {
    const names = p.split('=');
    const value = names.pop() ?? '';
    if (names.length === 0) m.set(p, '');
    for (const n of names) m.set(n, value);
  }
  return m;
}

/** Why two register/stack tokens with the same name differ, in a groupable form. */
function tokenDiffKind(x: string, y: string): string {
  const nx = /^([^=]+)=(.*)$/.exec(x);
  const ny = /^([^=]+)=(.*)$/.exec(y);
  if (!nx || !ny || nx[1] !== ny[1]) return `'${maskNumbers(x)}' vs '${maskNumbers(y)}'`;
  const name = maskName(nx[1]!);
  const vx = nx[2]!;
  const vy = ny[2]!;
  const tx = /^(P?[a-z_]*)/.exec(vx)?.[1] ?? '';
  const ty = /^(P?[a-z_]*)/.exec(vy)?.[1] ?? '';
  if (tx !== ty) return `${name} type '${tx || 'const'}' vs '${ty || 'const'}'`;
  const ix = /\((.*)\)$/.exec(vx)?.[1];
  const iy = /\((.*)\)$/.exec(vy)?.[1];
  if (ix === undefined || iy === undefined) return `${name} '${maskNumbers(vx)}' vs '${maskNumbers(vy)}'`;
  const fx = regFields(ix);
  const fy = regFields(iy);
  const keys = new Set([...fx.keys(), ...fy.keys()]);
  const changed = [...keys].filter((k) => fx.get(k) !== fy.get(k));
  return `${name} ${tx || 'const'} ${boundsKind(changed)}`;
}

/** Coarse class of the differing register fields, so similar gaps group together. */
export function boundsKind(changed: string[]): string {
  if (changed.includes('id')) return 'id differs';
  const parts: string[] = [];
  if (changed.some((k) => /^[su](min|max)$/.test(k))) parts.push('64-bit');
  if (changed.some((k) => /^[su](min|max)32$/.test(k))) parts.push('32-bit');
  if (changed.includes('var_off')) parts.push('var_off');
  const other = changed.filter((k) => !/^[su](min|max)(32)?$/.test(k) && k !== 'var_off');
  if (other.length) parts.push(other.join(','));
  return `bounds differ (${parts.join(', ')})`;
}

/**
 * A short description of a first differing line pair that groups similar
 * disagreements together. A is the first side (the model), B the second.
 */
export function diffKind(d: LineDiff): string {
  if (d.a === undefined) return `A log ends early (B goes on with ${d.b === undefined ? 'nothing' : lineCategory(d.b)})`;
  if (d.b === undefined) return `B log ends early (A goes on with ${lineCategory(d.a)})`;
  const ca = lineCategory(d.a);
  const cb = lineCategory(d.b);
  if (ca !== cb) {
    const detail = (c: LineCategory, l: string): string => (c === 'message' || c === 'stats' ? ` '${maskNumbers(l)}'` : '');
    return `A ${ca}${detail(ca, d.a)} / B ${cb}${detail(cb, d.b)}`;
  }
  switch (ca) {
    case 'insn+state':
    case 'insn':
    case 'state': {
      const ia = /^(\d+): (?:\([0-9a-f]{2}\) ([^;]*?)\s*(?:;|$))?/.exec(d.a);
      const ib = /^(\d+): (?:\([0-9a-f]{2}\) ([^;]*?)\s*(?:;|$))?/.exec(d.b);
      if (ia?.[1] !== ib?.[1]) return `${ca}: different insn (paths diverge)`;
      if ((ia?.[2] ?? '') !== (ib?.[2] ?? '')) return `${ca}: insn text '${maskNumbers(ia?.[2] ?? '')}' vs '${maskNumbers(ib?.[2] ?? '')}'`;
      return `${ca}: ${tokensKind(stateText(d.a), stateText(d.b))}`;
    }
    case 'branch state': {
      const pa = /^from (\d+) to (\d+):/.exec(d.a)?.slice(1).join('>');
      const pb = /^from (\d+) to (\d+):/.exec(d.b)?.slice(1).join('>');
      if (pa !== pb) return 'branch state: different branch popped';
      return `branch state: ${tokensKind(d.a.replace(/^from \d+ to \d+:\s*/, ''), d.b.replace(/^from \d+ to \d+:\s*/, ''))}`;
    }
    case 'mark_precise':
      return `mark_precise: '${maskNumbers(d.a).slice(0, 70)}' vs '${maskNumbers(d.b).slice(0, 70)}'`;
    case 'stats':
      return 'stats line';
    default:
      return `${ca}: '${maskNumbers(d.a).slice(0, 80)}' vs '${maskNumbers(d.b).slice(0, 80)}'`;
  }
}

/** The register/stack part of an `N: (xx) insn ; state` or `N: state` line. */
const stateText = (l: string): string => {
  const m = /^\d+: \([0-9a-f]{2}\) [^;]*;(.*)$/.exec(l);
  return m ? m[1]!.trim() : l.replace(/^\d+:\s*/, '');
};

function tokensKind(a: string, b: string): string {
  const ta = splitTokens(a);
  const tb = splitTokens(b);
  const names = (t: string[]): string[] => t.map((x) => x.split('=')[0]!);
  const na = names(ta);
  const nb = names(tb);
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    if (x === undefined) return `${maskName(nb[i]!)} only in B`;
    if (y === undefined) return `${maskName(na[i]!)} only in A`;
    if (na[i] !== nb[i]) {
      if (!nb.includes(na[i]!)) return `${maskName(na[i]!)} only in A`;
      if (!na.includes(nb[i]!)) return `${maskName(nb[i]!)} only in B`;
      return 'register order differs';
    }
    return tokenDiffKind(x, y);
  }
  return 'same tokens, different spacing';
}

export interface KindGroup {
  kind: string;
  count: number;
  /** A few program names with their first differing line pair. */
  examples: Array<{ name: string; diff: LineDiff }>;
}

/** Groups first differing lines by kind, most frequent first. */
export function groupByKind(items: Array<{ name: string; diff: LineDiff }>, maxExamples = 3): KindGroup[] {
  const by = new Map<string, KindGroup>();
  for (const it of items) {
    const k = diffKind(it.diff);
    let g = by.get(k);
    if (!g) {
      g = { kind: k, count: 0, examples: [] };
      by.set(k, g);
    }
    g.count++;
    if (g.examples.length < maxExamples) g.examples.push(it);
  }
  return [...by.values()].sort((x, y) => y.count - x.count || x.kind.localeCompare(y.kind));
}
