// `kernel --probe --vm <kernel>`: the probe programs loaded into a kernel
// booted in a VM, then matched to a profile exactly as for the live kernel.
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { PROBES, probeSwitches, type ProbeReport } from '../kernel/probe.js';
import type { VmPool } from './oracle.js';

export async function probeVm(pool: VmPool): Promise<ProbeReport> {
  const programs = new Map<string, Program>();
  for (const make of Object.values(PROBES)) {
    const p = make();
    programs.set(p.name, p);
  }
  const results = new Map<string, Result>();
  await Promise.all([...programs.values()].map(async (p) => {
    const r = await pool.load(p, { logLevel: 2, keepLog: true }, p.name);
    if (r.crash !== undefined) throw new Error(`probe ${p.name}: the guest crashed (${r.crash})`);
    results.set(p.name, r.result);
  }));
  return probeSwitches((p) => results.get(p.name) as Result, pool.release);
}
