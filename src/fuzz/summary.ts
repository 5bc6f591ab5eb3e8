// Fuzz reports as text (stdout table), JUnit suites and a progress line.
import { renderTable } from '../util/table.js';
import type { JunitSuite } from '../report/junit.js';
import type { Counterexample } from '../report/counterexample.js';
import { fmtDuration } from './config.js';
import type { FuzzProgress, FuzzReport } from './runner.js';

export function headerLine(r: Pick<FuzzReport, 'seed' | 'properties' | 'presets' | 'backedge' | 'profile' | 'shard' | 'a' | 'b' | 'fault'>, limit: string, workers: number): string {
  const pair = r.a !== 'copy' || r.b !== 'shared' ? `, a=${r.a} b=${r.b}` : '';
  return `verihist fuzz: seed ${r.seed}, properties ${r.properties.join(',')}, preset ${r.presets.join(',')}, backedge ${r.backedge ? 'on' : 'off'}, kernel profile ${r.profile}` +
    `${pair}${r.fault ? `, fault ${r.fault}` : ''}, ${limit}, shard ${r.shard}, workers ${workers}\n`;
}

export function summaryText(r: FuzzReport): string {
  const rows = r.properties.map((p) => {
    const t = r.tally[p] ?? { passed: 0, skipped: 0, failed: 0, skipReasons: {} };
    const fs = r.failures.filter((f) => f.property === p);
    const smallest = fs.length ? Math.min(...fs.map((f) => f.insns)) : undefined;
    return [p, t.passed + t.skipped + t.failed, t.passed, t.skipped, t.failed, smallest ?? '-', fs.length ? fmtDuration(Math.min(...fs.map((f) => f.foundMs))) : '-'];
  });
  let out = renderTable(
    [{ title: 'property' }, { title: 'runs', align: 'right' }, { title: 'passed', align: 'right' }, { title: 'skipped', align: 'right' },
      { title: 'failed', align: 'right' }, { title: 'min insns', align: 'right' }, { title: 'first failure', align: 'right' }],
    rows,
  );
  out += `\nseed ${r.seed}, shard ${r.shard}, kernel profile ${r.profile}: ${r.runs} programs in ${fmtDuration(r.elapsedMs)} (${r.programsPerSec.toFixed(0)}/s, ` +
    `${r.programsPerSecPerWorker.toFixed(0)}/s per worker, ${r.workers} worker${r.workers === 1 ? '' : 's'}), stopped by ${r.stoppedBy}` +
    `${r.dropped ? `, ${r.dropped} dropped` : ''}\n`;
  for (const p of r.properties) {
    const reasons = Object.entries(r.tally[p]?.skipReasons ?? {}).sort((x, y) => y[1] - x[1]).slice(0, 3);
    for (const [why, n] of reasons) out += `  ${p} skipped ${n}x: ${why}\n`;
  }
  if (r.failures.length) {
    out += `\n${r.failures.length} counterexample${r.failures.length === 1 ? '' : 's'}:\n`;
    for (const f of r.failures) {
      out += `  ${f.property} run ${f.index} (${f.preset}): ${f.summary}\n    ${f.file || '(not written)'}: ${f.insns} insns` +
        ` (generated ${f.originalInsns}, tree-shrunk ${f.treeInsns}), found after ${fmtDuration(f.foundMs)}, shrunk in ${fmtDuration(f.shrinkMs)}` +
        `${f.shrinkInterrupted ? ' (shrinking interrupted)' : ''}\n`;
    }
  }
  for (const e of r.errors) out += `error: ${e}\n`;
  return out;
}

/** A counterexample for the terminal: its diff and program. */
export function counterexampleText(c: Counterexample): string {
  const lines = [`${c.property}: ${c.diff.summary}`, ...c.diff.lines.map((l) => `  ${l}`), `program (${c.insns} insns):`];
  for (const l of c.program.asm.split('\n')) lines.push(`  ${l}`);
  return lines.join('\n') + '\n';
}

export function junitSuites(r: FuzzReport, cexes: Map<string, Counterexample>): JunitSuite[] {
  const secs = r.elapsedMs / 1000;
  return r.properties.map((p) => {
    const t = r.tally[p] ?? { passed: 0, skipped: 0, failed: 0, skipReasons: {} };
    const fs = r.failures.filter((f) => f.property === p);
    const cases: JunitSuite['cases'] = [{
      name: `${p}: ${t.passed + t.skipped + t.failed} runs (${t.passed} passed, ${t.skipped} skipped, ${t.failed} failed)`,
      classname: `verihist.fuzz.${p}`,
      timeSec: secs,
    }];
    for (const f of fs) {
      const c = cexes.get(f.file);
      cases.push({
        name: `${p} run ${f.index} (${f.preset})`,
        classname: `verihist.fuzz.${p}`,
        timeSec: f.shrinkMs / 1000,
        failure: { message: f.summary, text: `${c ? counterexampleText(c) : f.summary}\ncounterexample: ${f.file}\nreplay: verihist replay ${f.file}\n` },
      });
    }
    return {
      name: `verihist fuzz ${p}`,
      timeSec: secs,
      cases,
      properties: { seed: String(r.seed), shard: r.shard, presets: r.presets.join(','), backedge: r.backedge ? 'on' : 'off', kernelProfile: r.profile, ...(r.fault ? { fault: r.fault } : {}) },
    };
  });
}

export function progressLine(p: FuzzProgress): string {
  const rate = p.elapsedMs > 0 ? (p.runs * 1000) / p.elapsedMs : 0;
  return `\r${fmtDuration(p.elapsedMs).padStart(6)}  ${p.runs} programs  ${rate.toFixed(0)}/s  ${p.failures} failure${p.failures === 1 ? '' : 's'}   `;
}
