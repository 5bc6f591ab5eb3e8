// `verihist audit FILE`: run one program under the auditing history wrapper and
// print the slice timeline (states, slices, seal/finalize events, violations)
// and a summary. Exit 1 when the audit found an error-severity violation.

import { basename } from 'node:path';
import type { Result } from '../result/result.js';
import { EXIT_FINDING, EXIT_OK, UsageError, sharedOptions, type IO } from './options.js';
import { expandInputs, loadProgram } from './inputs.js';
import { resolveProfile } from './profileOption.js';

export const AUDIT_KINDS = ['audited', 'audited-copy', 'audited-pinned'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

const isAuditKind = (v: unknown): v is AuditKind => typeof v === 'string' && (AUDIT_KINDS as readonly string[]).includes(v);

function maxLinesOpt(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) throw new UsageError(`--max-lines: expected a non-negative integer, got '${String(v)}'`);
  return Number(v);
}

export async function auditCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const opts = sharedOptions(raw);
  if (raw['backedge'] !== 'on' && raw['backedge'] !== 'off') throw new UsageError(`--backedge: expected on or off, got '${String(raw['backedge'])}'`);
  const kind: AuditKind = raw['history'] === undefined ? 'audited' : isAuditKind(raw['history']) ? raw['history'] : (() => {
    throw new UsageError(`--history: expected one of ${AUDIT_KINDS.join(', ')}`);
  })();
  const maxLines = maxLinesOpt(raw['maxLines']);
  const reads = raw['reads'] === true;
  const files = expandInputs([String(args[0])]);
  if (files.length !== 1) throw new UsageError(`audit takes one program file (${args[0]} holds ${files.length})`);
  const file = files[0]!;
  const program = await loadProgram(file, opts);
  const { makeHistory, AuditedHistory } = await import('../history/index.js');
  const { formatTimeline, timelineJson } = await import('../history/timeline.js');
  const { verifyProgram } = await import('../verifier/verify.js');
  const { profile } = await resolveProfile(raw, io);
  const audit = makeHistory(kind);
  if (!(audit instanceof AuditedHistory)) throw new Error(`history '${kind}' is not an audit`);
  // Level 2 by default: the audit is about the backtracking walks, which the log explains.
  const logLevel = opts.logLevel === 0 ? 2 : opts.logLevel;
  // A model crash (e.g. on history a clobbered slice made inconsistent) still
  // gets its timeline printed: that is what explains it.
  let r: Result | undefined;
  let crash: string | undefined;
  try {
    r = verifyProgram(program, { history: audit, backedgePropagation: opts.backedge, logLevel, profile });
  } catch (e) {
    crash = e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
  const violations = audit.violations();
  const warnings = audit.warnings();
  if (opts.json) {
    const rest: Partial<Result> = { ...r };
    delete rest.log;
    // timelineJson is auditReport with bigints (linked_regs) as hex strings.
    const report = JSON.parse(timelineJson(audit, { reads })) as unknown;
    io.out(JSON.stringify({ file, name: program.name, impl: kind, backedge: opts.backedge, kernelProfile: profile.name, ...rest, ...(crash !== undefined ? { crash } : {}), audit: report }) + '\n');
  } else {
    io.out(formatTimeline(audit, { reads, ...(maxLines !== undefined ? { maxLines } : {}) }));
    io.out(summaryText(basename(file), program.name, kind, `${opts.backedge ? 'on' : 'off'}, kernel profile ${profile.name}`, r, audit.states().length, violations.length, warnings.length, crash));
  }
  return violations.length > 0 || crash !== undefined ? EXIT_FINDING : EXIT_OK;
}

export function summaryText(
  file: string, name: string, kind: AuditKind, backedge: string, r: Result | undefined,
  states: number, violations: number, warnings: number, crash?: string,
): string {
  const h = r?.history;
  const lines = [
    `summary: ${file} (${name}) under ${kind}, backedge propagation ${backedge}`,
    r ? `  verdict ${r.verdict}${r.error ? ` (${r.error})` : ''}, ${r.insns} insns, ${r.total_states} total states, ${r.peak_states} peak states`
      : `  the model crashed: ${crash ?? 'unknown error'} (FINDING; timeline up to the crash above)`,
    `  audited history states: ${states}`,
  ];
  if (h) {
    lines.push(`  history: ${h.allocations} allocations, ${h.entriesCopied} copied, ${h.entriesWritten} written, peak ${h.peakEntries} entries, ${h.growthEvents} growth events, ${h.bytes} bytes`);
  }
  lines.push(`  violations: ${violations}, warnings: ${warnings}${violations > 0 ? ' (FINDING)' : ''}`);
  return `${lines.join('\n')}\n`;
}
