// The properties by name, for the fuzz runner, replay and vitest.
import type { Program } from '../src/isa/program.js';
import { AUDIT_PROPERTIES, auditOutcome, auditRun, chainShape, noClobber, readFidelity, type AuditPropertyName, type AuditRun } from './audit.js';
import { pinnedMatchesCopy, sharedMatchesCopy } from './historiesAgree.js';
import { modelMatchesKernel } from './kernel.js';
import type { PropertyName, PropertyOptions, PropertyOutcome } from './types.js';

export * from './types.js';
export * from './faults.js';
export { historiesAgree, pinnedMatchesCopy, sharedMatchesCopy } from './historiesAgree.js';
export { noClobber, readFidelity, chainShape, auditRun, auditOutcome, auditedKindFor, AUDIT_PROPERTIES, type AuditPropertyName, type AuditRun } from './audit.js';
export { modelMatchesKernel } from './kernel.js';

export const PROPERTIES: Readonly<Record<PropertyName, (p: Program, o?: PropertyOptions) => PropertyOutcome>> = {
  sharedMatchesCopy, pinnedMatchesCopy, noClobber, readFidelity, chainShape, modelMatchesKernel,
};

const isAudit = (n: PropertyName): n is AuditPropertyName => (AUDIT_PROPERTIES as readonly string[]).includes(n);

/** One property on one program. */
export function checkProperty(name: PropertyName, program: Program, o: PropertyOptions = {}): PropertyOutcome {
  return PROPERTIES[name](program, o);
}

/** Several properties on one program; the audit properties share one audited run. */
export function checkProperties(names: readonly PropertyName[], program: Program, o: PropertyOptions = {}): Map<PropertyName, PropertyOutcome> {
  const out = new Map<PropertyName, PropertyOutcome>();
  let audit: AuditRun | undefined;
  for (const n of names) {
    if (out.has(n)) continue;
    if (isAudit(n)) {
      audit ??= auditRun(program, o);
      out.set(n, auditOutcome(n, audit, o.backedge ?? true));
    } else {
      out.set(n, PROPERTIES[n](program, o));
    }
  }
  return out;
}

/** The diff as printed by fuzz and replay. */
export function formatOutcome(name: PropertyName, o: PropertyOutcome): string {
  if (o.ok) return `${name}: ok${o.skipped ? ` (skipped: ${o.skipped})` : ''}\n`;
  return `${name}: FAILED: ${o.diff.summary}\n${o.diff.lines.map((l) => `  ${l}`).join('\n')}\n`;
}

