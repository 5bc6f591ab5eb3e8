// Printing an audit: the slice timeline as text, and a JSON-safe report.
import type { AuditedHistory, SliceInfo, StateInfo, TimelineEvent, Violation } from './audited.js';
import type { HistEntry } from './history.js';
import type { HistoryStats } from '../result/result.js';

export interface TimelineTextOptions {
  /** Include 'read' events (default false: there is one per pruning point). */
  reads?: boolean;
  /** Print at most this many events (default all). */
  maxLines?: number;
}

export const fmtSlice = (s: SliceInfo): string =>
  s.start !== undefined && s.end !== undefined
    ? `s${s.sid}[${s.start},${s.end})${s.detached ? ' moved-out' : ''} ${s.life}`
    : `s${s.sid}#${s.count} ${s.life}`;

export const fmtEntry = (e: HistEntry): string =>
  `${e.idx}<-${e.prevIdx}${e.flags ? ` f=0x${e.flags.toString(16)}` : ''}${e.linkedRegs ? ` lr=0x${e.linkedRegs.toString(16)}` : ''}`;

export function fmtViolation(v: Violation): string {
  const head = `${v.severity === 'error' ? 'VIOLATION' : 'warning'} ${v.kind} at insn ${v.insnIdx} (${v.op}, event ${v.seq}): ${v.detail}`;
  const lines = [head, `  slices: ${v.slices.map(fmtSlice).join('  ')}`];
  if (v.expected && v.actual) {
    lines.push(`  copy holds: ${v.expected.map(fmtEntry).join(', ') || '(none)'}`);
    lines.push(`  read:       ${v.actual.map(fmtEntry).join(', ') || '(none)'}`);
  }
  return lines.join('\n');
}

function fmtEvent(e: TimelineEvent): string {
  const at = `${String(e.seq).padStart(6)} insn ${String(e.insnIdx).padStart(4)}  `;
  const sl = e.slice ? ` ${fmtSlice(e.slice)}` : '';
  switch (e.op) {
    case 'create': return `${at}create   s${e.sid}`;
    case 'copy': return `${at}copy     s${e.other ?? '?'} -> s${e.sid} (${e.why ?? ''})${sl}`;
    case 'seal': return `${at}seal     s${e.sid} (${e.why ?? ''})${sl}`;
    case 'finalize': return `${at}finalize s${e.sid}${sl}`;
    case 'release': return `${at}release  s${e.sid}${sl}`;
    case 'reset': return `${at}reset    s${e.sid} child of s${e.other ?? '?'}${sl}`;
    case 'async': return `${at}async    s${e.sid} from s${e.other ?? '?'}${sl}`;
    case 'push': return `${at}push     s${e.sid} ${e.entry ? fmtEntry(e.entry) : ''}${e.writeIndex !== undefined ? ` @${e.writeIndex}` : ''}${sl}`;
    case 'combine': return `${at}combine  s${e.sid} ${e.why ?? ''}${e.writeIndex !== undefined ? ` @${e.writeIndex}` : ''}`;
    case 'read': return `${at}read     s${e.sid} ${e.count ?? 0} entries${sl}`;
    case 'violation': return e.violation ? fmtViolation(e.violation).split('\n').map((l) => `${at}${l}`).join('\n') : `${at}violation`;
  }
}

/** The audit as text: one line per event, then the states and a summary. */
export function formatTimeline(audit: AuditedHistory, opts: TimelineTextOptions = {}): string {
  const events = audit.timeline().filter((e) => opts.reads || e.op !== 'read');
  const shown = opts.maxLines !== undefined ? events.slice(0, opts.maxLines) : events;
  const out = [`history timeline for ${audit.name}`, ...shown.map(fmtEvent)];
  if (shown.length < events.length) out.push(`... ${events.length - shown.length} more events`);
  if (audit.droppedEvents()) out.push(`... ${audit.droppedEvents()} events not recorded (timeline cap)`);
  out.push('states:');
  for (const s of audit.states()) out.push(`  ${fmtSlice(s.slice)} origin=${s.origin}${s.sealedWhy ? ` sealed=${s.sealedWhy}` : ''} owner=${s.ownerId}`);
  const v = audit.violations();
  const w = audit.warnings();
  out.push(`violations: ${v.length}, warnings: ${w.length}`);
  for (const x of v) out.push(fmtViolation(x));
  return `${out.join('\n')}\n`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** bigint -> hex string, undefined dropped, so the report survives JSON.stringify. */
function toJson(x: unknown): Json {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return `0x${x.toString(16)}`;
  if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') return x;
  if (Array.isArray(x)) return x.map(toJson);
  if (typeof x === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) o[k] = toJson(v);
    return o;
  }
  return String(x);
}

export interface AuditReport {
  history: string;
  stats: HistoryStats;
  states: StateInfo[];
  events: TimelineEvent[];
  droppedEvents: number;
  violations: Violation[];
  warnings: Violation[];
}

export function auditReport(audit: AuditedHistory, opts: { reads?: boolean } = {}): AuditReport {
  return {
    history: audit.name,
    stats: audit.stats(),
    states: audit.states(),
    events: audit.timeline().filter((e) => opts.reads || e.op !== 'read'),
    droppedEvents: audit.droppedEvents(),
    violations: audit.violations(),
    warnings: audit.warnings(),
  };
}

/** The report as JSON text (linked_regs as hex strings). */
export function timelineJson(audit: AuditedHistory, opts: { reads?: boolean; indent?: number } = {}): string {
  return JSON.stringify(toJson(auditReport(audit, opts)), null, opts.indent);
}
