// The VM oracle end to end: a cached 6.12 kernel booted under QEMU. Skips
// (with the reason in the suite name) without qemu or without the kernel;
// .ci/run installs both when it can.
import { describe, expect, it, afterAll } from 'vitest';
import { generatePrograms } from '../../generators/index.js';
import { loadRequest } from '../../src/kernel/loadRequest.js';
import { listKernels, releaseMatches } from '../../src/vm/images.js';
import { Vm } from '../../src/vm/machine.js';
import { VmPool } from '../../src/vm/oracle.js';
import { qemuAvailable } from '../../src/vm/qemu.js';
import { closeSyncVms, syncVmLoad } from '../../src/vm/syncClient.js';
import { run, tmpFiles } from '../cli/helpers.js';
import { encodeProgram } from '../../src/isa/encode.js';

const image = listKernels().find((k) => releaseMatches(k.release, '6.12'));
const why = !qemuAvailable() ? 'qemu-system-x86_64 not installed (apt-get install qemu-system-x86)'
  : !image ? 'no cached 6.12 kernel (verihist vm fetch 6.12)' : undefined;

describe.skipIf(why !== undefined)(`VM oracle on 6.12${why ? ` (skipped: ${why})` : ''}`, () => {
  const { programs } = generatePrograms({ preset: 'small', count: 30, seed: 21 });
  const opened: Array<Vm | VmPool> = [];
  afterAll(async () => {
    await Promise.all(opened.map((v) => v.close()));
  });

  it('kernel --vm 6.12 answers with the live oracle\'s JSON, one object per program', async () => {
    const { f } = tmpFiles('verihist-vm-');
    const files = programs.slice(0, 10).map((p) => f(`${p.name}.bin`, encodeProgram(p.insns)));
    const r = await run('kernel', '--vm', '6.12', '--json', '--log-level', '2', ...files);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['error', 'errno', 'file', 'insns', 'log', 'markPrecise', 'max_states_per_insn', 'name', 'peak_states', 'total_states', 'verdict'].sort());
      expect(row['verdict']).toBe('accept');
      expect(row['insns']).toBeGreaterThan(0);
      expect(row['log']).toMatch(/processed \d+ insns/);
    }
  }, 120_000);

  it('pipelining over two VMs gives the same results, logs included, as one load at a time in one VM', async () => {
    const pool = new VmPool(image!, { vms: 2 });
    const single = new Vm(image!);
    opened.push(pool, single);
    const opts = { logLevel: 2, keepLog: true };
    const batched = await Promise.all(programs.map((p) => pool.load(p, opts)));
    const oneByOne = [];
    for (const p of programs) oneByOne.push(await single.load(loadRequest(p, 2), p.name));
    expect(pool.vms.every((v) => v.release.startsWith('6.12.'))).toBe(true);
    expect(batched.map((b) => b.result.log)).toEqual(oneByOne.map((o) => o.log));
    expect(batched.every((b) => b.crash === undefined)).toBe(true);
  }, 120_000);

  it('a guest that dies mid-batch fails the program it was loading, reboots, and the rest come back', async () => {
    const vm = new Vm(image!);
    opened.push(vm);
    await vm.start();
    const loads = programs.slice(0, 12).map((p) => vm.load(loadRequest(p, 2), p.name));
    await loads[3];
    vm.kill();
    const replies = await Promise.all(loads);
    const crashed = replies.filter((r) => r.kind === 'crashed');
    expect(crashed).toHaveLength(1);
    expect(crashed[0]!.reason).toMatch(/^guest died .* while loading small_\d+/);
    expect(replies.filter((r) => r.kind === 'loaded')).toHaveLength(11);
    expect(vm.boots).toBe(2);
  }, 120_000);

  it('syncVmLoad (for properties) answers as the async pool does', async () => {
    const pool = new VmPool(image!, { vms: 1 });
    opened.push(pool);
    const p = programs[5]!;
    const a = await pool.load(p, { logLevel: 2, keepLog: true });
    const s = syncVmLoad('6.12', loadRequest(p, 2), p.name);
    await closeSyncVms();
    expect(s.release).toBe(pool.release);
    expect(s.log).toBe(a.result.log);
  }, 120_000);

  it('fuzz --oracle vm:6.12 runs modelMatchesKernel against the VM and names it in failures', async () => {
    const { dir } = tmpFiles('verihist-vmfuzz-');
    const r = await run('fuzz', '--property', 'modelMatchesKernel', '--oracle', 'vm:6.12', '--preset', 'small', '--runs', '12', '--seed', '5',
      '--workers', '1', '--shrink-time', '5s', '--out', dir, '--json');
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.out) as { runs: number; failures: { summary: string }[] };
    expect(report.runs).toBeGreaterThan(0);
    for (const f of report.failures) expect(f.summary).toMatch(/vm:6\.12/);
    expect((await run('fuzz', '--oracle', 'vm6.12', '--runs', '1')).err).toMatch(/^verihist: --oracle: expected live or vm:<kernel>, got 'vm6.12'\n$/);
  }, 180_000);

  it('compare --b vm:6.12 runs the model against the VM', async () => {
    const r = await run('compare', '--gen', 'small', '--count', '20', '--seed', '21', '--b', 'vm:6.12', '--json');
    const summary = JSON.parse(r.out.trim().split('\n').pop()!) as { summary: { compared: number; fields: { field: string; agree: number }[] } };
    expect(summary.summary.compared).toBe(20);
  }, 120_000);
});
