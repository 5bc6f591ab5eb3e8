// History implementations by name, for the compare runner, the CLI and the bench.

import type { HistoryKind, InsnHistory } from '../history/history.js';
import { HISTORY_KINDS, makeHistory } from '../history/index.js';

export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';
}

/** A fresh history of the given kind. */
export async function makeHistoryOf(kind: HistoryKind): Promise<InsnHistory> {
  if (!HISTORY_KINDS.includes(kind)) throw new HistoryUnavailable(`unknown history '${String(kind)}'`);
  return makeHistory(kind);
}

/** Whether `kind` can be made (the bench and the CLI check before running). */
export async function historyAvailable(kind: HistoryKind): Promise<boolean> {
  return HISTORY_KINDS.includes(kind);
}
