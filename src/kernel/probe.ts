// `verihist kernel --probe`: which behaviour switches the live kernel has.
// Each switch has a probe program on which the model's level-2 log differs
// between the switch on and off; the kernel's log decides which one it is.

import { readFileSync } from 'node:fs';
import { BPF_PSEUDO_FUNC } from '../isa/opcode.js';
import { makeProgram, type Program } from '../isa/program.js';
import * as b from '../isa/builder.js';
import type { Insn } from '../isa/insn.js';
import type { Result } from '../result/result.js';
import { loadInKernel } from './oracle.js';
import { CopyHistory } from '../history/copy.js';
import { verifyProgram } from '../verifier/verify.js';
import { normalizeMapLoads } from '../verifier/check/mapAccess.js';
import {
  NEWEST_PROFILE, PROFILES, SWITCH_NAMES, matchProfile, type KernelProfile, type KernelSwitches, type ProfileMatch, type SwitchName,
} from '../verifier/profile/index.js';

const BPF_FUNC_LOOP = 181;
const ldFunc = (dst: number, at: number, target: number): Insn[] => b.ldImm64(dst, BigInt(target - at - 1), BPF_PSEUDO_FUNC);
const CB_FUNCS: Program['funcs'] = [{ linkage: 'static', params: 1 }, { linkage: 'static', params: 2 }];

/** bpf_loop(3, cb, NULL, 0); cb returns index > 1. */
const loopNullCtx = (): Program => makeProgram(b.prog(
  b.mov64Imm(b.R1, 3), ldFunc(b.R2, 1, 8), b.mov64Imm(b.R3, 0), b.mov64Imm(b.R4, 0), b.call(BPF_FUNC_LOOP),
  b.mov64Imm(b.R0, 0), b.exit(),
  b.mov64Imm(b.R0, 0), b.jmpImm('jle', b.R1, 1, 1), b.mov64Imm(b.R0, 1), b.exit(),
), { name: 'probe_loop_null_ctx', funcs: CB_FUNCS });

/** bpf_loop(4, cb, &fp-8, 0) where cb increments the caller's counter. */
const loopCounter = (): Program => makeProgram(b.prog(
  b.stMem('dw', b.R10, -8, 0), b.mov64Imm(b.R1, 4), ldFunc(b.R2, 2, 10), b.mov64Reg(b.R3, b.R10),
  b.alu64Imm('add', b.R3, -8), b.mov64Imm(b.R4, 0), b.call(BPF_FUNC_LOOP), b.ldxMem('dw', b.R0, b.R10, -8), b.exit(),
  b.ldxMem('dw', b.R0, b.R2, 0), b.alu64Imm('add', b.R0, 1), b.stxMem('dw', b.R2, b.R0, 0), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_loop_counter', funcs: CB_FUNCS });

/** r3 = (s16)r0 with r0 in [-2048, 2047]. */
const movsxFitting = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 0xfff), b.alu64Imm('sub', b.R0, 2048), b.movsx64(b.R3, b.R0, 16),
  b.jmpImm('jsgt', b.R3, 2047, 1), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_movsx_fitting' });

/** A may_goto walk over the packet that exceeds the 8192-jump sequence. */
const mayGotoWalk = (): Program => makeProgram(b.prog(
  b.ldxMem('w', b.R2, b.R1, 0), b.ldxMem('w', b.R3, b.R1, 4),
  b.mayGoto(5), b.mov64Reg(b.R4, b.R2), b.alu64Imm('add', b.R4, 1), b.jmpReg('jgt', b.R4, b.R3, 2),
  b.alu64Imm('add', b.R2, 1), b.ja(-6), b.mov64Imm(b.R0, 2), b.exit(),
), { name: 'probe_may_goto_walk', progType: 'xdp' });

/** A may_goto loop whose head first sees fp-8 as misc bytes, then as a spilled scalar. */
const loopStackMisc = (): Program => makeProgram(b.prog(
  b.call(7), b.stxMem('b', b.R10, b.R0, -8), b.mayGoto(3), b.call(7), b.stxMem('dw', b.R10, b.R0, -8), b.ja(-4),
  b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_loop_stack_misc' });

/** r0 = 0; exit: the log shows which liveness scheme prints the state. */
const retZero = (): Program => makeProgram(b.prog(b.mov64Imm(b.R0, 0), b.exit()), { name: 'probe_ret0' });

/** A bounded loop: 6.17+ kernels log its SCC, older ones track a loop entry silently. */
const boundedLoop = (): Program => makeProgram(b.prog(
  b.mov64Imm(b.R1, 0), b.mov64Imm(b.R2, 0), ...Array.from({ length: 6 }, () => b.alu64Imm('add', b.R2, 1)),
  b.alu64Imm('add', b.R1, 1), b.jmpImm('jlt', b.R1, 8, -8), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_bounded_loop' });

/**
 * Eight paths join at one insn with r7 pointing to a different stack slot
 * each: the join's checkpoints miss and are evicted, and whether the
 * statistics line counts them as freed tells the peak_states scheme.
 */
const evictedJoin = (): Program => {
  // A long-bodied loop first: its head checkpoints are evicted while still on the path.
  const body: (Insn | Insn[])[] = [b.mov64Imm(b.R1, 0), b.mov64Imm(b.R2, 0), ...Array.from({ length: 110 }, () => b.alu64Imm('add', b.R2, 1)),
    b.alu64Imm('add', b.R1, 1), b.jmpImm('jlt', b.R1, 8, -112), b.call(7), b.mov64Reg(b.R6, b.R0)];
  const n = 8;
  const FILL = 8;
  const filler = (): Insn[] => b.prog(...Array.from({ length: FILL }, () => b.alu64Imm('add', b.R8, 1)));
  body.push(b.mov64Imm(b.R8, 0));
  for (let k = 1; k <= n; k++) {
    // if r6 != k skip this arm; arm: r7 = fp - 8k; goto join
    body.push(b.jmpImm('jne', b.R6, k, 3 + FILL), b.mov64Reg(b.R7, b.R10), b.alu64Imm('add', b.R7, -8 * k), ...filler(), b.ja((4 + FILL) * (n - k) + 2));
  }
  body.push(b.mov64Reg(b.R7, b.R10), b.alu64Imm('add', b.R7, -8 * (n + 1)));
  body.push(b.stMem('dw', b.R7, 0, 0), b.mov64Imm(b.R0, 0), b.exit());
  return makeProgram(b.prog(...body), { name: 'probe_evicted_join' });
};

/** r1 = r0; r1 += -3 on a linked scalar: newer kernels keep the link with a negative delta. */
const linkedNegDelta = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 0xff), b.mov64Reg(b.R1, b.R0), b.alu64Imm('add', b.R1, -3),
  b.jmpImm('jgt', b.R0, 10, 1), b.mov64Reg(b.R0, b.R1), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_linked_neg_delta' });

/** r0 & 0x40 known nonzero: newer kernels see that only 0x40 fits both the range and the tnum. */
const tnumSingleValue = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 0x40), b.jmpImm('jeq', b.R0, 0, 1), b.mov64Reg(b.R1, b.R0), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_tnum_single_value' });

/**
 * `if r0 s<= r0` with r0 in [49, 56] and tnum (0x30; 0x8): kernels that do not
 * collapse r0 to 56 explore the impossible branch, and the bounds sanity check
 * reports it (with or without the verifier_bug prefix).
 */
const selfCompare = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 8), b.alu64Imm('add', b.R0, 0x30), b.jmpImm('jlt', b.R0, 49, 2),
  b.jmpReg('jsle', b.R0, b.R0, 1), b.mov64Imm(b.R0, 1), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_self_compare' });

/**
 * r7 = r0 & 8; r0 = r7 + 11; if r6 != r0: syncing r7 from r0 adds -11 to
 * [11, 19], where both unsigned ends wrap; newer kernels keep [0, 8], older
 * ones lose the unsigned range (visible where no reg_bounds_sync follows).
 */
const addWraps = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 8), b.mov64Reg(b.R7, b.R0), b.call(7), b.mov64Reg(b.R6, b.R0),
  b.mov64Reg(b.R0, b.R7), b.alu64Imm('add', b.R0, 11), b.jmpReg('jne', b.R6, b.R0, 1), b.mov64Imm(b.R0, 0),
  b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_add_wraps' });

/** (r0 & 7) - 8, times 3: newer kernels multiply the signed range, older ones give up on a negative factor. */
const mulNegative = (): Program => makeProgram(b.prog(
  b.call(7), b.alu64Imm('and', b.R0, 7), b.alu64Imm('sub', b.R0, 8), b.alu64Imm('mul', b.R0, 3), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_mul_negative' });

/**
 * A timer in an array value, armed with a callback that reads the value:
 * the callback's r3 prints with or without an id.
 */
const timerCallback = (): Program => makeProgram(b.prog(
  b.ldMapValue(b.R6, 0, 0), b.mov64Reg(b.R1, b.R6), b.alu64Imm('add', b.R1, 8), b.ldMapIdx(b.R2, 0), b.mov64Imm(b.R3, 1),
  b.call(169), b.mov64Reg(b.R1, b.R6), b.alu64Imm('add', b.R1, 8), ldFunc(b.R2, 10, 15), b.call(170), b.mov64Imm(b.R0, 0), b.exit(),
  b.ldxMem('dw', b.R0, b.R3, 0), b.mov64Imm(b.R0, 0), b.exit(),
), {
  name: 'probe_timer_callback', funcs: [{ linkage: 'static', params: 0 }, { linkage: 'static', params: 0 }],
  maps: [{ name: 'timer', type: 'array', keySize: 4, valueSize: 24, maxEntries: 1, timerOff: 8 }],
});

/** An array lookup with the constant key 0: map_value, or map_value_or_null on older kernels. */
const constKeyLookup = (): Program => makeProgram(b.prog(
  b.stMem('w', b.R10, -4, 0), b.mov64Reg(b.R2, b.R10), b.alu64Imm('add', b.R2, -4), b.ldMapIdx(b.R1, 0),
  b.call(1), b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_const_key_lookup', maps: [{ name: 'arr', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }] });

/** A map update reading a spilled key and value from the stack, both read back after the call. */
const helperStackRead = (): Program => makeProgram(b.prog(
  b.mov64Imm(b.R1, 0), b.stxMem('dw', b.R10, b.R1, -8), b.mov64Imm(b.R1, 7), b.stxMem('dw', b.R10, b.R1, -16),
  b.mov64Reg(b.R2, b.R10), b.alu64Imm('add', b.R2, -8), b.mov64Reg(b.R3, b.R10), b.alu64Imm('add', b.R3, -16),
  b.mov64Imm(b.R4, 0), b.ldMapIdx(b.R1, 0), b.call(2), b.ldxMem('dw', b.R1, b.R10, -8), b.ldxMem('dw', b.R1, b.R10, -16),
  b.mov64Imm(b.R0, 0), b.exit(),
), { name: 'probe_helper_stack_read', maps: [{ name: 'h', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 4 }] });

export const PROBES: Readonly<Record<SwitchName, () => Program>> = {
  sccCallbackLoops: loopNullCtx,
  stackMiscPruningInLoops: loopStackMisc,
  movsxKeepsRange: movsxFitting,
  pushStackE2big: mayGotoWalk,
  nullArgPrecise: loopNullCtx,
  callbackExitKeepsArgs: loopCounter,
  chainLiveness: retZero,
  loopEntry: boundedLoop,
  peakStatesCounter: evictedJoin,
  linkedRegsAddOnly: linkedNegDelta,
  noTnumSingleValue: tnumSingleValue,
  plainBugMessages: selfCompare,
  addSubWrapUnbounded: addWraps,
  mulUnsignedOnly: mulNegative,
  callbackValueId: timerCallback,
  noConstKeyElision: constKeyLookup,
  helperReadClobbersStack: helperStackRead,
};

/** What a load looks like for comparison: verdict, errno, statistics and the log without the time line. */
export const probeView = (r: Result, p?: Program): string => {
  const log = (r.log ?? '').replace(/^verification time \d+ usec\n/m, '');
  // map addresses differ from load to load
  return JSON.stringify([r.verdict, r.errno, r.insns, r.total_states, r.peak_states, p ? normalizeMapLoads(log, p) : log]);
};

const modelView = (p: Program, switches: KernelSwitches): string => {
  const profile: KernelProfile = { name: 'probe', release: '', description: '', switches };
  return probeView(verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile }), p);
};

/** A switch's observed value, or why it could not be decided. */
export type Observation = { value: boolean } | { value: null; why: string };

export interface ProbeReport {
  release: string;
  observed: Record<SwitchName, Observation>;
  match: ProfileMatch;
}

export type KernelLoad = (p: Program) => Result;

/**
 * Decides the switches against `load` (the live kernel). A setting of the
 * switches is consistent when the model's log equals the kernel's on every
 * probe. The kernel matches a profile whose setting is consistent; each
 * switch is then observed by flipping it alone in that setting (or in the
 * newest profile's, when none matches): when the flipped setting is
 * consistent too, the probes cannot tell that switch apart on this kernel
 * (e.g. a message only older bounds logic ever prints), and it stays
 * undecided without blocking the match.
 */
export function probeSwitches(load: KernelLoad, release: string): ProbeReport {
  const programs = new Map<string, Program>();
  const probeOf = {} as Record<SwitchName, string>;
  for (const name of SWITCH_NAMES) {
    const p = PROBES[name]();
    programs.set(p.name, p);
    probeOf[name] = p.name;
  }
  const probes = [...programs.values()].map((program) => {
    const r = load(program);
    return { program, kernel: probeView(r, program), cost: r.insns };
  }).sort((a, b) => a.cost - b.cost);
  const memo = new Map<string, boolean>();
  const consistent = (sw: KernelSwitches): boolean => {
    const key = SWITCH_NAMES.map((n) => (sw[n] ? 1 : 0)).join('');
    let ok = memo.get(key);
    if (ok === undefined) {
      ok = probes.every((p) => modelView(p.program, sw) === p.kernel);
      memo.set(key, ok);
    }
    return ok;
  };
  const matching = [...PROFILES].reverse().filter((p) => consistent(p.switches));
  // The setting to observe around: a matching profile, else the nearest consistent one (one or two flips away).
  const base = matching[0]?.switches ?? nearestConsistent(consistent) ?? NEWEST_PROFILE.switches;
  const baseOk = consistent(base);
  const observed = {} as Record<SwitchName, Observation>;
  for (const n of SWITCH_NAMES) {
    const probe = probeOf[n];
    if (!baseOk) {
      observed[n] = { value: null, why: `the kernel's logs match no setting of the switches near a profile (probe ${probe})` };
    } else if (!consistent({ ...base, [n]: !base[n] })) {
      observed[n] = { value: base[n] };
    } else {
      observed[n] = { value: null, why: `probe ${probe} does not tell ${n} apart on this kernel` };
    }
  }
  if (matching.length === 1) {
    const profile = matching[0] as KernelProfile;
    return { release, observed, match: { profile, exact: true, differing: [] } };
  }
  // Several consistent profiles: the probes cannot choose; report the newest, not exact.
  if (matching.length > 1) return { release, observed, match: { profile: matching[0] as KernelProfile, exact: false, differing: [] } };
  return { release, observed, match: { ...matchProfile(base), exact: false } };
}

/** A consistent setting one or two switch flips from some profile (newest profiles first), if any. */
function nearestConsistent(consistent: (sw: KernelSwitches) => boolean): KernelSwitches | null {
  const bases = [...PROFILES].reverse().map((p) => p.switches);
  for (const b of bases) {
    for (const n of SWITCH_NAMES) {
      const one = { ...b, [n]: !b[n] };
      if (consistent(one)) return one;
    }
  }
  for (const b of bases) {
    for (let i = 0; i < SWITCH_NAMES.length; i++) {
      for (let j = i + 1; j < SWITCH_NAMES.length; j++) {
        const n = SWITCH_NAMES[i] as SwitchName, m = SWITCH_NAMES[j] as SwitchName;
        const two = { ...b, [n]: !b[n], [m]: !b[m] };
        if (consistent(two)) return two;
      }
    }
  }
  return null;
}

export const kernelRelease = (): string => {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return 'unknown';
  }
};

let cached: ProbeReport | null = null;

/** Probes the live kernel once per process (callers check bpfAvailable first). */
export function probeLiveKernel(): ProbeReport {
  cached ??= probeSwitches((p) => loadInKernel(p, { logLevel: 2, keepLog: true }), kernelRelease());
  return cached;
}

/** One line: release, matched or closest profile, and the switches that differ or stayed undecided. */
export function probeSummary(r: ProbeReport): string {
  const undecided = SWITCH_NAMES.filter((n) => r.observed[n].value === null);
  if (probeMatches(r)) return `kernel ${r.release} matches profile ${r.match.profile.name}`;
  const parts = [];
  if (r.match.differing.length) parts.push(`differs in ${r.match.differing.join(', ')}`);
  else if (!undecided.length) parts.push('several profiles fit');
  if (undecided.length) parts.push(`undecided: ${undecided.join(', ')}`);
  return `kernel ${r.release} matches no profile (closest ${r.match.profile.name}: ${parts.join('; ')})`;
}

/** Whether exactly one known profile is consistent with every probe. */
export const probeMatches = (r: ProbeReport): boolean => r.match.exact;
