// --kernel-profile NAME|auto: which kernel build the model follows. `auto`
// (the default) probes the live kernel when bpf() works, else takes the newest
// profile. VERIHIST_KERNEL_PROFILE sets the default (tests pin it).

import { NEWEST_PROFILE, findProfile, profileNames, type KernelProfile } from '../verifier/profile/index.js';
import { UsageError, type IO } from './options.js';

export interface ChosenProfile {
  profile: KernelProfile;
  /** How it was chosen, for reports: `given`, `probed`, `closest to the probe`, `newest (no bpf)`. */
  how: string;
}

/** Resolves the option (or its default); `auto` warns on `io.err` when the kernel matches no profile exactly. */
export async function resolveProfile(raw: Record<string, unknown>, io: IO): Promise<ChosenProfile> {
  const v = typeof raw['kernelProfile'] === 'string' ? raw['kernelProfile'] : process.env['VERIHIST_KERNEL_PROFILE'] ?? 'auto';
  if (v !== 'auto') {
    const p = findProfile(v);
    if (!p) throw new UsageError(`--kernel-profile: unknown profile '${v}' (have ${profileNames().join(', ')}, auto)`);
    return { profile: p, how: 'given' };
  }
  const { bpfAvailable } = await import('../kernel/syscall.js');
  if (!bpfAvailable().ok) return { profile: NEWEST_PROFILE, how: 'newest (no bpf)' };
  const { probeLiveKernel, probeMatches, probeSummary } = await import('../kernel/probe.js');
  const r = probeLiveKernel();
  if (probeMatches(r)) return { profile: r.match.profile, how: 'probed' };
  io.err(`verihist: ${probeSummary(r)}; using ${r.match.profile.name}\n`);
  return { profile: r.match.profile, how: 'closest to the probe' };
}

