// The kernel profile live-kernel tests run the model under: the one the
// globalSetup probed (test/setup/kernelProfile.ts), else the newest.
import { NEWEST_PROFILE, findProfile, type KernelProfile } from '../src/verifier/profile/index.js';

export const liveProfile = (): KernelProfile => findProfile(process.env['VERIHIST_KERNEL_PROFILE'] ?? '') ?? NEWEST_PROFILE;
