// `verihist drift`: the model under every profile against every kernel that
// is reachable (live, and each cached VM kernel), written as markdown + JSON.

import { basename } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import type { Result } from '../result/result.js';
import type { DriftOracle, DriftProgram } from '../compare/drift.js';
import { EXIT_OK, UsageError, intOpt, type IO } from './options.js';

async function oracles(wanted: string | undefined, io: IO): Promise<DriftOracle[]> {
  const { bpfAvailable } = await import('../kernel/syscall.js');
  const { listKernels } = await import('../vm/images.js');
  const { qemuAvailable } = await import('../vm/qemu.js');
  const names = wanted !== undefined
    ? wanted.split(',').map((s) => s.trim()).filter(Boolean)
    : [...(bpfAvailable().ok ? ['live'] : []), ...(qemuAvailable() ? listKernels().map((k) => `vm:${k.release}`) : [])];
  if (wanted === undefined) {
    if (!bpfAvailable().ok) io.err(`drift: live kernel left out (${(bpfAvailable() as { reason: string }).reason})\n`);
    if (!qemuAvailable()) io.err('drift: VM kernels left out (qemu-system-x86_64 not installed: apt-get install qemu-system-x86)\n');
  }
  if (names.length === 0) throw new UsageError('drift: no kernel to compare with (no live bpf(), no cached VM kernel: verihist vm fetch 6.12)');
  const out: DriftOracle[] = [];
  for (const n of names) {
    if (n === 'live' || n === 'kernel') {
      const a = bpfAvailable();
      if (!a.ok) throw new UsageError(`drift: live kernel unavailable: ${a.reason}`);
      const { loadInKernel } = await import('../kernel/oracle.js');
      const { release } = await import('node:os');
      out.push({ name: 'live', release: release(), loadAll: async (ps) => ps.map((p) => loadInKernel(p.program, { logLevel: 2, keepLog: true })) });
      continue;
    }
    if (!n.startsWith('vm:')) throw new UsageError(`drift: --kernels: expected live or vm:<kernel>, got '${n}'`);
    const { checkVmSpec, vmPool } = await import('../vm/oracle.js');
    const image = checkVmSpec(n.slice(3));
    out.push({
      name: `vm:${n.slice(3)}`, release: image.release,
      loadAll: async (ps): Promise<Array<Result | undefined>> => {
        const pool = await vmPool(image.release);
        const rs = await Promise.all(ps.map((p) => pool.load(p.program, { logLevel: 2, keepLog: true }, p.name)));
        return rs.map((r) => (r.crash !== undefined ? undefined : r.result));
      },
    });
  }
  return out;
}

export async function driftCommand(_args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const perPreset = intOpt(raw, 'perPreset', '--per-preset', 50);
  const seed = intOpt(raw, 'seed', '--seed', 21);
  const outBase = typeof raw['out'] === 'string' ? raw['out'] : 'drift';
  const gen = await import('../../generators/index.js');
  const programs: DriftProgram[] = [];
  for (const preset of gen.PRESET_NAMES) {
    for (const program of gen.generatePrograms({ preset, count: perPreset, seed }).programs) programs.push({ name: program.name, program });
  }
  if (raw['corpus'] !== false) {
    const { readCorpus, defaultCorpusDir } = await import('../corpus/reader.js');
    const dir = typeof raw['corpusDir'] === 'string' ? raw['corpusDir'] : defaultCorpusDir();
    try {
      for (const p of readCorpus(dir).programs) programs.push({ name: `${basename(p.file)}:${p.name}`, program: p.program });
    } catch (e) {
      if (e instanceof Error && 'code' in e) throw new UsageError(`${dir}: cannot read corpus (--no-corpus leaves it out)`);
      throw e;
    }
  }
  const os = await oracles(typeof raw['kernels'] === 'string' ? raw['kernels'] : undefined, io);
  const { driftTable, driftMarkdown } = await import('../compare/drift.js');
  const { PROFILES } = await import('../verifier/profile/index.js');
  const { closeVms } = await import('../vm/oracle.js');
  try {
    const t0 = Date.now();
    const report = await driftTable(programs, os, PROFILES, { seed, perPreset, backedge: raw['backedge'] !== 'off' });
    const when = new Date().toISOString().slice(0, 10);
    const header = `# Drift: the model's kernel profiles against real kernels\n\nMeasured ${when} with \`verihist drift --per-preset ${perPreset} --seed ${seed}\` ` +
      `(${((Date.now() - t0) / 1000).toFixed(0)} s). Regenerate with the same command; VM kernels come from \`verihist vm fetch\`.`;
    const md = driftMarkdown(report, header);
    writeFileAtomic(`${outBase}.md`, md);
    writeFileAtomic(`${outBase}.json`, JSON.stringify(report, null, 2) + '\n');
    io.out(md);
    io.err(`drift: wrote ${outBase}.md and ${outBase}.json\n`);
  } finally {
    await closeVms();
  }
  return EXIT_OK;
}
