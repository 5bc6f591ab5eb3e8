// Instruction lines of a verifier log, for byte-exact disasm checks.

/** Every `N: (xx) text` the log shows: live-regs listing, main trace, mark_precise. */
export function logInsnLines(log: string): { idx: number; text: string }[] {
  const out: { idx: number; text: string }[] = [];
  for (const line of log.split('\n')) {
    // Listing rows are `[scc] idx: <live mask> text`.
    let m = /^ *(?:\d+ +)?(\d+): [0-9.]{10} (\(.*|BUG_.*)$/.exec(line);
    m ??= /^(\d+): (\([0-9a-f]{2}\) .*?|BUG_\S*)(?:\s+;(?: .*)?)?$/.exec(line);
    m ??= /before (\d+): (\(.*|BUG_.*)$/.exec(line);
    if (m) out.push({ idx: Number(m[1]), text: m[2]! });
  }
  return out;
}

