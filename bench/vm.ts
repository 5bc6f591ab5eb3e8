// VM oracle throughput and fidelity (section `vm`): `small` programs at log
// level 2 loaded into a cached 6.12 (and 6.1) kernel under QEMU, side by side
// with the live kernel on the same programs; boot time; and whether batching
// changes anything: the same programs pipelined over two VMs, one at a time in
// one VM, and each in a VM of its own, must give identical results and logs.

import { generatePrograms } from '../generators/index.js';
import type { Program } from '../src/isa/program.js';
import { loadInKernel } from '../src/kernel/oracle.js';
import { loadRequest } from '../src/kernel/loadRequest.js';
import { renderTable } from '../src/util/table.js';
import { listKernels, releaseMatches, type KernelImage } from '../src/vm/images.js';
import { Vm, type VmReply } from '../src/vm/machine.js';
import { VmPool } from '../src/vm/oracle.js';
import { qemuAvailable } from '../src/vm/qemu.js';

const COUNT = Number(process.env['BENCH_VM_COUNT'] ?? 1000);
const FRESH = Number(process.env['BENCH_VM_FRESH'] ?? 10);

const asKey = (r: VmReply): string => `${r.kind === 'loaded' ? 'accept' : 'reject'}:${r.kind === 'loaded' ? 0 : r.errno}:${r.log}`;
const sec = (t0: number): number => (performance.now() - t0) / 1000;

interface Row { oracle: string; vms: number; boot: number; loadSec: number; perSec: number }

async function timePool(image: KernelImage, vms: number, programs: Program[]): Promise<{ row: Row; logs: string[] }> {
  const pool = new VmPool(image, { vms });
  const t0 = performance.now();
  await pool.start();
  const boot = sec(t0);
  const t1 = performance.now();
  const rs = await Promise.all(programs.map((p) => pool.load(p, { logLevel: 2, keepLog: true })));
  const loadSec = sec(t1);
  await pool.close();
  const crashes = rs.filter((r) => r.crash !== undefined).length;
  if (crashes) process.stdout.write(`  ${crashes} guest crash(es) on ${image.release}\n`);
  return { row: { oracle: `vm:${image.release}`, vms, boot, loadSec, perSec: programs.length / loadSec }, logs: rs.map((r) => `${r.result.verdict}:${r.result.errno}:${r.result.log ?? ''}`) };
}

export async function benchVm(kernelOk: boolean): Promise<void> {
  process.stdout.write(`\nVM oracles: ${COUNT} \`small\` programs (seed 21) at log level 2\n`);
  if (!qemuAvailable()) {
    process.stdout.write('  skipped: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)\n');
    return;
  }
  const images = ['6.12', '6.1'].map((s) => listKernels().find((k) => releaseMatches(k.release, s))).filter((k): k is KernelImage => k !== undefined);
  if (images.length === 0) {
    process.stdout.write('  skipped: no cached kernels (verihist vm fetch 6.12)\n');
    return;
  }
  const programs = generatePrograms({ preset: 'small', count: COUNT, seed: 21 }).programs;
  const rows: Row[] = [];
  if (kernelOk) {
    const t0 = performance.now();
    for (const p of programs) loadInKernel(p, { logLevel: 2, keepLog: true });
    const s = sec(t0);
    rows.push({ oracle: 'live', vms: 0, boot: 0, loadSec: s, perSec: COUNT / s });
  }
  const checks: Array<Array<string | number>> = [];
  for (const image of images) {
    const one = await timePool(image, 1, programs);
    const two = await timePool(image, 2, programs);
    rows.push(one.row, two.row);
    // one request at a time in one VM: no pipelining at all
    const vm = new Vm(image);
    const seq: string[] = [];
    for (const p of programs) seq.push(asKey(await vm.load(loadRequest(p, 2), p.name)));
    await vm.close();
    // a fresh boot per program for the first FRESH programs: nothing carried over
    let freshSame = 0;
    for (let i = 0; i < Math.min(FRESH, programs.length); i++) {
      const v = new Vm(image);
      const log = asKey(await v.load(loadRequest(programs[i]!, 2), programs[i]!.name));
      await v.close();
      if (log === one.logs[i]) freshSame++;
    }
    const same = (a: string[], b: string[]): number => a.filter((x, i) => x === b[i]).length;
    checks.push([image.release, `${same(one.logs, two.logs)}/${COUNT}`, `${same(one.logs, seq)}/${COUNT}`, `${freshSame}/${Math.min(FRESH, COUNT)}`]);
  }
  process.stdout.write(renderTable(
    [{ title: 'Oracle' }, { title: 'VMs', align: 'right' }, { title: 'Boot s', align: 'right' }, { title: 'Load s', align: 'right' }, { title: 'Programs/s', align: 'right' }],
    rows.map((r) => [r.oracle, r.vms || '-', r.vms ? r.boot.toFixed(2) : '-', r.loadSec.toFixed(2), r.perSec.toFixed(0)]),
  ));
  process.stdout.write('\nIdentical full results (verdict, errno, log) across ways of loading, per kernel:\n');
  process.stdout.write(renderTable(
    [{ title: 'Kernel' }, { title: '2 VMs pipelined = 1 VM pipelined' }, { title: '1 VM one at a time = pipelined' }, { title: 'fresh boot per program = pipelined' }],
    checks,
  ));
}
