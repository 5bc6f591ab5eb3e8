// Parsing the verifier log the kernel returns. On 6.18 the statistics line
// (kernel/bpf/verifier.c print_verification_stats) reads:
//   processed N insns (limit L) max_states_per_insn M total_states T peak_states P mark_read R
// BPF_LOG_STATS (level 4) adds "verification time N usec" and "stack depth ..." before it.

export interface LogStats {
  insns: number;
  limit: number;
  max_states_per_insn: number;
  total_states: number;
  peak_states: number;
  /** Still printed by 6.18; always 0 since the 6.18 liveness rewrite. */
  mark_read: number;
}

const STATS_RE =
  /^processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)(?: mark_read (\d+))?\s*$/m;

/** The statistics line, or undefined when the log has none (e.g. log truncated or rejected before do_check). */
export function parseStats(log: string): LogStats | undefined {
  // The last statistics line wins (there is only one per load).
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = STATS_RE.exec(lines[i]!);
    if (m) {
      return {
        insns: Number(m[1]),
        limit: Number(m[2]),
        max_states_per_insn: Number(m[3]),
        total_states: Number(m[4]),
        peak_states: Number(m[5]),
        mark_read: Number(m[6] ?? 0),
      };
    }
  }
  return undefined;
}

/** Lines printed after the verdict that say nothing about why a program was rejected. */
export function isStatsLine(line: string): boolean {
  return STATS_RE.test(line)
    || /^verification time \d+ usec\s*$/.test(line)
    || /^stack depth [\d+]*\s*$/.test(line)
    || /^processed \d+ insns/.test(line);
}

/** The last meaningful line of the log: the rejection reason. */
export function lastErrorLine(log: string): string {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trimEnd();
    if (l === '' || isStatsLine(l)) continue;
    return l;
  }
  return '';
}

/** The `mark_precise:` lines, in order. */
export function markPreciseLines(log: string): string[] {
  return log.split('\n').filter((l) => l.startsWith('mark_precise:')).map((l) => l.trimEnd());
}

/** `verification time N usec` (BPF_LOG_STATS), if present. */
export function verificationTimeUsec(log: string): number | undefined {
  const m = /^verification time (\d+) usec/m.exec(log);
  return m ? Number(m[1]) : undefined;
}

/** `stack depth A+B+...` (BPF_LOG_STATS): per-subprog stack depths. */
export function stackDepths(log: string): number[] | undefined {
  const m = /^stack depth ([\d+]+)\s*$/m.exec(log);
  return m ? m[1]!.split('+').map(Number) : undefined;
}
