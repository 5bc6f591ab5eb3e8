// VM oracles: `vm:6.12` loads programs into a cached Debian kernel booted
// under QEMU and gives back the same Result the live oracle does. One pool
// of VMs per kernel stays booted for the process (closeVms() ends them);
// loads are spread over the pool's VMs, one per core by default.

import { availableParallelism } from 'node:os';
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { loadRequest } from '../kernel/loadRequest.js';
import { toResult, type KernelLoadOptions } from '../kernel/oracle.js';
import { findKernel, VmError, type KernelImage } from './images.js';
import { Vm, type VmOptions } from './machine.js';
import { requireQemu } from './qemu.js';

export interface VmLoad {
  result: Result;
  /** The guest crashed or hung while loading this program: why. */
  crash?: string;
}

export interface PoolOptions extends VmOptions {
  /** VMs booted side by side (default: one per core, at most 2). */
  vms?: number;
}

export class VmPool {
  readonly vms: Vm[];
  private readonly inFlight: number[];

  constructor(readonly image: KernelImage, o: PoolOptions = {}) {
    const n = Math.max(1, o.vms ?? Math.min(2, availableParallelism()));
    this.vms = Array.from({ length: n }, () => new Vm(image, o));
    this.inFlight = this.vms.map(() => 0);
  }

  /** Boots every VM (in parallel). */
  async start(): Promise<void> {
    await Promise.all(this.vms.map((v) => v.start()));
  }

  get release(): string {
    return this.vms[0]!.release || this.image.release;
  }

  async load(program: Program, opts: KernelLoadOptions, label = program.name): Promise<VmLoad> {
    // counted here, not by the VM's queue, so loads queued before a boot ends still spread
    let i = 0;
    for (let j = 1; j < this.vms.length; j++) if (this.inFlight[j]! < this.inFlight[i]!) i = j;
    this.inFlight[i]!++;
    const reply = await this.vms[i]!.load(loadRequest(program, opts.logLevel, opts.extraFlags ?? 0), label)
      .finally(() => { this.inFlight[i]!--; });
    if (reply.kind === 'crashed') {
      const result: Result = { verdict: 'reject', errno: 0, error: reply.reason ?? 'VM crashed', insns: 0, total_states: 0, peak_states: 0, max_states_per_insn: 0, markPrecise: [] };
      return { result, crash: reply.reason ?? 'VM crashed' };
    }
    if (reply.kind === 'setup-failed') throw new VmError(`${label}: ${reply.log.trim().split('\n')[0] ?? 'setup failed'} (errno ${reply.errno}) in the ${this.release} guest`);
    return { result: toResult(reply.kind === 'loaded', reply.errno, reply.log, opts.keepLog ?? false) };
  }

  async close(): Promise<void> {
    await Promise.all(this.vms.map((v) => v.close()));
  }
}

const pools = new Map<string, VmPool>();

/** Parses `vm:6.12` (or `vm:<release>`); undefined for other side names. */
export function vmSpec(side: string): string | undefined {
  return side.startsWith('vm:') && side.length > 3 ? side.slice(3) : undefined;
}

/** The pool for a kernel spec, booted on first use and kept for the process. */
export async function vmPool(spec: string, o: PoolOptions = {}): Promise<VmPool> {
  let p = pools.get(spec);
  if (!p) {
    requireQemu();
    p = new VmPool(findKernel(spec), o);
    pools.set(spec, p);
  }
  await p.start();
  return p;
}

/** Checks a spec can be served (qemu installed, kernel cached) without booting. */
export function checkVmSpec(spec: string): KernelImage {
  requireQemu();
  return findKernel(spec);
}

export async function closeVms(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}
