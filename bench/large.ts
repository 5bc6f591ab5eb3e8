// Large programs (>= 100k processed insns): model vs kernel time side by side,
// and the model's peak heap. Each model run happens in a fresh child process
// (`node dist/bench/large.js NAME LEVEL`) so one program's garbage does not
// count against the next; the child samples heapUsed every PROGRESS_INSNS
// processed insns and once at the end.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verifyProgram } from '../src/verifier/verify.js';
import { makeHistory } from '../src/history/index.js';
import { renderTable } from '../src/util/table.js';
import { largePrograms } from './largeLoop.js';

interface ChildReport {
  name: string;
  verdict: string;
  insns: number;
  ms: number;
  peakHeapMiB: number;
  maxRssMiB: number;
  logMiB: number;
}

const MiB = 2 ** 20;

/** The child side: one model run, one JSON line on stdout. */
function child(name: string, logLevel: number): void {
  const p = largePrograms().find((x) => x.name === name);
  if (!p) throw new Error(`no large program named ${name}`);
  // Warm the JIT on a smaller relative so the timing is of steady-state code.
  verifyProgram(largePrograms()[0]!, { history: makeHistory('copy'), logLevel: 0 });
  let peak = 0;
  const sample = (): void => {
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
  };
  const t0 = performance.now();
  const r = verifyProgram(p, { history: makeHistory('copy'), backedgePropagation: true, logLevel, onProgress: sample });
  const ms = performance.now() - t0;
  sample();
  const rep: ChildReport = {
    name, verdict: r.verdict, insns: r.insns, ms, peakHeapMiB: peak / MiB,
    maxRssMiB: process.resourceUsage().maxRSS / 1024, logMiB: (r.log?.length ?? 0) / MiB,
  };
  process.stdout.write(`${JSON.stringify(rep)}\n`);
}

function runChild(name: string, logLevel: number): ChildReport | string {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name, String(logLevel)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return (r.stderr || `exit ${r.status}`).trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ChildReport;
}

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** The table: per program model ms / Minsn/s / peak heap (level 0 and 2) next to the kernel's verification time. */
export async function benchLargePrograms(kernelOk: boolean): Promise<void> {
  const { loadInKernel } = await import('../src/kernel/oracle.js');
  const { verificationTimeUsec } = await import('../src/kernel/logParse.js');
  const rows: Array<Array<string | number>> = [];
  let mIns = 0, mMs = 0, kIns = 0, kMs = 0;
  for (const p of largePrograms()) {
    const m = runChild(p.name, 0);
    const m2 = process.env['BENCH_LARGE_LEVEL2'] === '0' ? 'skipped' : runChild(p.name, 2);
    let kUs: number | undefined;
    let kInsns = 0;
    let kVerdict = '-';
    if (kernelOk) {
      for (let i = 0; i < 3; i++) {
        const k = loadInKernel(p, { logLevel: 4, keepLog: true });
        const v = verificationTimeUsec(k.log ?? '');
        kInsns = k.insns;
        kVerdict = k.verdict;
        if (v !== undefined && (kUs === undefined || v < kUs)) kUs = v;
      }
    }
    if (typeof m === 'string') {
      rows.push([p.name, `model failed: ${m}`, '', '', '', '', '', '', '', '']);
      continue;
    }
    mIns += m.insns; mMs += m.ms;
    if (kUs !== undefined) { kIns += kInsns; kMs += kUs / 1000; }
    const l2 = typeof m2 === 'string' ? m2 : `${fmt(m2.peakHeapMiB, 0)} (log ${fmt(m2.logMiB, 0)} MiB, ${fmt(m2.ms / 1000)} s)`;
    rows.push([
      p.name, `${m.verdict}/${kVerdict}`, m.insns, fmt(m.ms, 0), fmt(m.insns / m.ms / 1000, 2),
      kUs !== undefined ? fmt(kUs / 1000, 1) : '-', kUs !== undefined ? fmt(kInsns / kUs, 2) : '-',
      kUs !== undefined ? fmt(m.ms / (kUs / 1000)) : '-', fmt(m.peakHeapMiB, 0), l2,
    ]);
  }
  rows.push(['TOTAL', '', mIns, fmt(mMs, 0), fmt(mIns / mMs / 1000, 2), kernelOk ? fmt(kMs, 1) : '-',
    kernelOk ? fmt(kIns / kMs / 1000, 2) : '-', kernelOk ? fmt(mMs / kMs) : '-', '', '']);
  process.stdout.write('\nLarge programs (>= 100k processed insns): model (copy history, log level 0, fresh process) vs kernel\n');
  process.stdout.write(renderTable([
    { title: 'Program' }, { title: 'Verdict model/kernel' }, { title: 'Insns', align: 'right' }, { title: 'Model ms', align: 'right' },
    { title: 'Model Minsn/s', align: 'right' }, { title: 'Kernel ms', align: 'right' }, { title: 'Kernel Minsn/s', align: 'right' },
    { title: 'Model/kernel time', align: 'right' }, { title: 'Peak heap MiB', align: 'right' }, { title: 'Peak heap MiB at log level 2' },
  ], rows));
  process.stdout.write('(kernel ms: smallest `verification time` of 3 loads at log level 4; peak heap: heapUsed sampled every 65,536 insns)\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) child(process.argv[2], Number(process.argv[3] ?? 0));
