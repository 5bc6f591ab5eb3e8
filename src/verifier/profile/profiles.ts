// Kernel profiles: a name plus the value of every behaviour switch. Adding a
// kernel is adding an entry here (see docs/kernel-profiles.md).

import { BASELINE_SWITCHES, SWITCH_NAMES, differingSwitches, type KernelSwitches, type SwitchName } from './switches.js';

export interface KernelProfile {
  /** Profile name; the kernel release it was recorded on where there is one. */
  name: string;
  /** `uname -r` of the kernel the profile was checked against. */
  release: string;
  description: string;
  switches: KernelSwitches;
}

const withOn = (on: readonly SwitchName[]): KernelSwitches =>
  Object.freeze({ ...BASELINE_SWITCHES, ...Object.fromEntries(on.map((n) => [n, true])) }) as KernelSwitches;

/** Oldest first; the last one is the newest. */
export const PROFILES: readonly KernelProfile[] = [
  {
    name: '6.18.44',
    release: '6.18.44',
    description: 'the 6.18.44 build the model and the first fixtures were made on (6.18.y stable backports, no later verifier changes)',
    switches: BASELINE_SWITCHES,
  },
  {
    name: '6.18.44-fc-v1272',
    release: '6.18.44-fc-v1272',
    description: '6.18.44 with later upstream verifier changes backported (callback SCCs, loop pruning over misc slots, movsx bounds, push_stack E2BIG)',
    switches: withOn(['sccCallbackLoops', 'stackMiscPruningInLoops', 'movsxKeepsRange', 'pushStackE2big', 'nullArgPrecise', 'callbackExitKeepsArgs', 'callbackValueId']),
  },
  {
    name: '6.12',
    release: '6.12.118+deb12-cloud-amd64',
    description: 'Debian 6.12 (the verifier the seed patch was written for), checked against the VM oracle vm:6.12; chain liveness, loop entries instead of SCCs, the peak_states counter',
    switches: withOn(['pushStackE2big', 'nullArgPrecise', 'callbackExitKeepsArgs', 'chainLiveness', 'loopEntry', 'peakStatesCounter', 'noTnumSingleValue', 'plainBugMessages', 'linkedRegsAddOnly', 'addSubWrapUnbounded', 'mulUnsignedOnly', 'noConstKeyElision', 'helperReadClobbersStack']),
  },
];

/** The profile of the kernel the model was written for (6.18 with its backports). */
export const NEWEST_PROFILE: KernelProfile = PROFILES[1] as KernelProfile;
export const BASELINE_PROFILE: KernelProfile = PROFILES[0] as KernelProfile;

export const profileNames = (): string[] => PROFILES.map((p) => p.name);

export function findProfile(name: string): KernelProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}

export interface ProfileMatch {
  /** The profile whose switches equal the observed ones, or the closest. */
  profile: KernelProfile;
  exact: boolean;
  /** Switches where the observation differs from `profile`. */
  differing: SwitchName[];
}

/** The profile matching `observed` exactly, else the one with fewest differing switches (newest on ties). */
export function matchProfile(observed: KernelSwitches): ProfileMatch {
  let best: ProfileMatch | null = null;
  for (const p of PROFILES) {
    const differing = differingSwitches(p.switches, observed);
    if (!best || differing.length <= best.differing.length) best = { profile: p, exact: differing.length === 0, differing };
  }
  return best as ProfileMatch;
}

/** One-line summary of switch values, e.g. `sccCallbackLoops=on movsxKeepsRange=off`. */
export const formatSwitches = (s: KernelSwitches, names: readonly SwitchName[] = SWITCH_NAMES): string =>
  names.map((n) => `${n}=${s[n] ? 'on' : 'off'}`).join(' ');
