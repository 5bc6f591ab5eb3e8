// Instructions and helpers that only newer kernels know: a generator for an
// older kernel leaves them out, and a comparison against one excludes the
// programs that use them (the kernel would reject them at the opcode check).
import { BPF_JCOND, BPF_JMP } from '../isa/opcode.js';
import type { Program } from '../isa/program.js';

export interface KernelFeature {
  name: string;
  /** First release (major, minor) that loads it. */
  since: readonly [number, number];
  upstream: string;
  /** Whether a program uses it. */
  usedBy(p: Program): boolean;
}

export const FEATURES: readonly KernelFeature[] = [
  {
    name: 'may_goto',
    since: [6, 9],
    upstream: 'bpf: Introduce may_goto instruction',
    usedBy: (p) => p.insns.some((i) => i.code === (BPF_JMP | BPF_JCOND)),
  },
];

export type FeatureName = 'may_goto';

/** (major, minor) of a release string such as `6.12.118+deb12-cloud-amd64` or `6.12`; null when it has none. */
export function releaseVersion(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Whether `release` loads the feature (unknown releases are assumed new enough). */
export function kernelSupports(release: string, name: FeatureName): boolean {
  const f = FEATURES.find((x) => x.name === name) as KernelFeature;
  const v = releaseVersion(release);
  if (!v) return true;
  return v[0] > f.since[0] || (v[0] === f.since[0] && v[1] >= f.since[1]);
}

/** Features `p` uses that `release` does not have. */
export function missingFeatures(release: string, p: Program): KernelFeature[] {
  return FEATURES.filter((f) => f.usedBy(p) && !kernelSupports(release, f.name as FeatureName));
}
