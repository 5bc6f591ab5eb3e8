// vitest globalSetup, run once before the workers start (they inherit the env).
// Live-kernel tests run the model under the probed profile
// (VERIHIST_KERNEL_PROFILE, read by test/liveProfile.ts and the CLI). On a
// kernel no profile matches exactly, bpf() is hidden and those tests skip with
// a one-line reason naming the differing switches.
import { bpfAvailable, resetBpfAvailability } from '../../src/kernel/syscall.js';
import { probeLiveKernel, probeMatches, probeSummary } from '../../src/kernel/probe.js';
import { NEWEST_PROFILE } from '../../src/verifier/profile/index.js';

export default function setup(): void {
  process.env['VERIHIST_KERNEL_PROFILE'] = NEWEST_PROFILE.name;
  if (!bpfAvailable().ok) return;
  const r = probeLiveKernel();
  if (probeMatches(r)) {
    process.env['VERIHIST_KERNEL_PROFILE'] = r.match.profile.name;
    return;
  }
  process.env['VERIHIST_NO_KERNEL'] = probeSummary(r);
  resetBpfAvailability();
}
