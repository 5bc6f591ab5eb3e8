// vitest globalSetup, run once before the workers start (they inherit the env): live-kernel tests compare the model under its
// default (newest) profile, so they run only on a kernel that profile matches.
// On any other kernel bpf() is hidden and those tests skip with the reason.
import { bpfAvailable, resetBpfAvailability } from '../../src/kernel/syscall.js';
import { probeLiveKernel, probeMatches, probeSummary } from '../../src/kernel/probe.js';
import { NEWEST_PROFILE } from '../../src/verifier/profile/index.js';

export default function setup(): void {
  if (!bpfAvailable().ok) return;
  const r = probeLiveKernel();
  if (!probeMatches(r) || r.match.profile.name !== NEWEST_PROFILE.name) {
    process.env['VERIHIST_NO_KERNEL'] = probeMatches(r)
      ? `kernel ${r.release} is profile ${r.match.profile.name}, live tests need ${NEWEST_PROFILE.name}`
      : probeSummary(r);
    resetBpfAvailability();
  }
}
