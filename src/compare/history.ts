// Which history implementations can be run. src/history/index.ts
// (makeHistory) is written by another part of the project; until it exists
// only the copy history is available. The import goes through a variable so
// this module typechecks either way.

import type { HistoryKind, InsnHistory } from '../history/history.js';
import { CopyHistory } from '../history/copy.js';

type Factory = (kind: HistoryKind) => InsnHistory;

let cached: Factory | null | undefined;

async function loadFactory(): Promise<Factory | null> {
  if (cached !== undefined) return cached;
  const spec = '../history/index.js';
  try {
    const mod: unknown = await import(spec);
    const mk = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)['makeHistory'] : undefined;
    cached = typeof mk === 'function' ? (kind: HistoryKind) => (mk as Factory)(kind) : null;
  } catch {
    cached = null;
  }
  return cached;
}

export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';
}

/** A fresh history of the given kind; copy always works. */
export async function makeHistoryOf(kind: HistoryKind): Promise<InsnHistory> {
  const f = await loadFactory();
  if (f) return f(kind);
  if (kind === 'copy') return new CopyHistory();
  throw new HistoryUnavailable(`history '${kind}' is not available (src/history/index.ts has no makeHistory yet)`);
}

/** Whether `kind` can be made (used by the bench and the CLI to skip or refuse early). */
export async function historyAvailable(kind: HistoryKind): Promise<boolean> {
  try {
    await makeHistoryOf(kind);
    return true;
  } catch (e) {
    if (e instanceof HistoryUnavailable) return false;
    throw e;
  }
}
