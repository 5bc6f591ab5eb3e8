// The drift table: how far each model profile is from each real kernel.
// A fixed seeded set (every generator preset plus the selftests corpus) is
// loaded once per kernel (live, and each cached VM kernel) at log level 2,
// run on the model under every profile, and compared field by field. For
// each kernel the disagreeing logs of its closest profile are grouped by the
// instruction where they first part.

import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { disasmInsn } from '../isa/disasm.js';
import { makeHistory } from '../history/index.js';
import { verifyProgram } from '../verifier/verify.js';
import type { KernelProfile } from '../verifier/profile/index.js';
import { diffResults, normalizeLines, type LineDiff } from './diff.js';
import { diffKind, maskNumbers, pct } from './summary.js';

export interface DriftProgram {
  name: string;
  program: Program;
}

export interface DriftOracle {
  /** 'live' or 'vm:<release>'. */
  name: string;
  release: string;
  /** Loads every program at log level 2 (results keep their logs); undefined = crashed. */
  loadAll: (programs: DriftProgram[]) => Promise<Array<Result | undefined>>;
}

export interface DriftCell {
  profile: string;
  compared: number;
  /** Programs the model does not support or the guest crashed on. */
  excluded: number;
  verdict: number;
  statistics: number;
  markPrecise: number;
  log: number;
}

export interface DriftGroup {
  /** The instruction (numbers masked) at the first differing log line, and what differs there. */
  at: string;
  kind: string;
  count: number;
  examples: string[];
}

export interface DriftKernel {
  oracle: string;
  release: string;
  accepted: number;
  programs: number;
  cells: DriftCell[];
  closest: string;
  groups: DriftGroup[];
}

export interface DriftReport {
  seed: number;
  perPreset: number;
  programs: number;
  kernels: DriftKernel[];
}

const STAT_FIELDS = ['insns', 'total_states', 'peak_states', 'max_states_per_insn'] as const;

/** The instruction index a log line is about: the nearest `N:` line at or before it. */
export function insnAtLogLine(log: string | undefined, line: number): number | undefined {
  const lines = normalizeLines(log);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^(\d+): /.exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return undefined;
}

function groupKey(p: Program, kernelLog: string | undefined, d: LineDiff): { at: string; kind: string } {
  const idx = insnAtLogLine(kernelLog, d.line);
  let at = 'before the first instruction';
  if (idx !== undefined && idx < p.insns.length) {
    const text = disasmInsn(p.insns, idx).replace(/^\d+: /, '');
    at = maskNumbers(text.replace(/\s+/g, ' ').trim());
  }
  return { at, kind: diffKind(d) };
}

export async function driftTable(
  programs: DriftProgram[], oracles: DriftOracle[], profiles: readonly KernelProfile[], o: { seed: number; perPreset: number; backedge: boolean; maxGroups?: number },
): Promise<DriftReport> {
  // the model once per profile, shared by every kernel
  const model = profiles.map((profile) => programs.map((p) => {
    try {
      return verifyProgram(p.program, { history: makeHistory('copy'), backedgePropagation: o.backedge, logLevel: 2, profile });
    } catch {
      return undefined;
    }
  }));
  const kernels: DriftKernel[] = [];
  for (const oracle of oracles) {
    const kres = await oracle.loadAll(programs);
    const cells: DriftCell[] = [];
    const groupsPer: Map<string, DriftGroup>[] = [];
    profiles.forEach((profile, pi) => {
      const cell: DriftCell = { profile: profile.name, compared: 0, excluded: 0, verdict: 0, statistics: 0, markPrecise: 0, log: 0 };
      const groups = new Map<string, DriftGroup>();
      programs.forEach((p, i) => {
        const m = model[pi]![i];
        const k = kres[i];
        if (!m || !k || m.verdict === 'unsupported') {
          cell.excluded++;
          return;
        }
        cell.compared++;
        const d = diffResults(m, k, { program: p.program });
        if (d.agree.verdict) cell.verdict++;
        if (STAT_FIELDS.every((f) => d.agree[f])) cell.statistics++;
        if (d.agree.mark_precise) cell.markPrecise++;
        if (d.agree.log) cell.log++;
        else if (d.firstLogDiff) {
          const { at, kind } = groupKey(p.program, k.log, d.firstLogDiff);
          const key = `${at}\u0000${kind}`;
          const g = groups.get(key) ?? { at, kind, count: 0, examples: [] };
          g.count++;
          if (g.examples.length < 3) g.examples.push(p.name);
          groups.set(key, g);
        }
      });
      cells.push(cell);
      groupsPer.push(groups);
    });
    const score = (c: DriftCell): number => c.log * 1e6 + c.markPrecise * 1e3 + c.statistics;
    let best = 0;
    cells.forEach((c, i) => { if (score(c) > score(cells[best]!)) best = i; });
    const groups = [...groupsPer[best]!.values()].sort((a, b) => b.count - a.count || a.at.localeCompare(b.at)).slice(0, o.maxGroups ?? 10);
    kernels.push({
      oracle: oracle.name, release: oracle.release, programs: programs.length,
      accepted: kres.filter((r) => r?.verdict === 'accept').length, cells, closest: cells[best]!.profile, groups,
    });
  }
  return { seed: o.seed, perPreset: o.perPreset, programs: programs.length, kernels };
}

const p100 = (n: number, total: number): string => `${pct(n, total).toFixed(1)}%`;

export function driftMarkdown(r: DriftReport, header: string): string {
  const out: string[] = [header, ''];
  out.push(`${r.programs} programs: ${r.perPreset} per generator preset (seed ${r.seed}) plus the selftests corpus, all at log level 2.`, '');
  out.push('| Kernel | Release | Accepted | Profile | Compared | Verdict | Statistics | mark_precise | Full log |');
  out.push('|---|---|---:|---|---:|---:|---:|---:|---:|');
  for (const k of r.kernels) {
    for (const c of k.cells) {
      const name = c.profile === k.closest ? `**${c.profile}**` : c.profile;
      out.push(`| ${k.oracle} | ${k.release} | ${k.accepted}/${k.programs} | ${name} | ${c.compared} | ${p100(c.verdict, c.compared)} | ${p100(c.statistics, c.compared)} | ${p100(c.markPrecise, c.compared)} | ${p100(c.log, c.compared)} |`);
    }
  }
  out.push('', 'Statistics = insns, total_states, peak_states and max_states_per_insn all equal. Bold: the closest profile, whose differing logs are grouped below.');
  for (const k of r.kernels) {
    out.push('', `### ${k.oracle} (${k.release}) vs profile ${k.closest}: first differing log line, by instruction`, '');
    if (k.groups.length === 0) {
      out.push('No log differences.');
      continue;
    }
    out.push('| Programs | At instruction | What differs | Examples |', '|---:|---|---|---|');
    for (const g of k.groups) out.push(`| ${g.count} | \`${g.at.replace(/\|/g, '\\|')}\` | ${g.kind.replace(/\|/g, '\\|')} | ${g.examples.join(', ')} |`);
  }
  return out.join('\n') + '\n';
}
