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
import {
  NEWEST_PROFILE, SWITCH_NAMES, matchProfile, type KernelProfile, type KernelSwitches, type ProfileMatch, type SwitchName,
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

export const PROBES: Readonly<Record<SwitchName, () => Program>> = {
  sccCallbackLoops: loopNullCtx,
  stackMiscPruningInLoops: loopStackMisc,
  movsxKeepsRange: movsxFitting,
  pushStackE2big: mayGotoWalk,
  nullArgPrecise: loopNullCtx,
  callbackExitKeepsArgs: loopCounter,
  chainLiveness: retZero,
};

/** What a load looks like for comparison: verdict, errno, statistics and the log without the time line. */
export const probeView = (r: Result): string =>
  JSON.stringify([r.verdict, r.errno, r.insns, r.total_states, r.peak_states, (r.log ?? '').replace(/^verification time \d+ usec\n/m, '')]);

const modelView = (p: Program, switches: KernelSwitches): string => {
  const profile: KernelProfile = { name: 'probe', release: '', description: '', switches };
  return probeView(verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile }));
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
 * Decides the switches against `load` (the live kernel): every combination of
 * switch values is checked against every probe's kernel log (cheapest probe
 * first, stopping at the first mismatch), so probes whose outcome depends on
 * several switches need no order. A switch is decided when all combinations
 * consistent with the kernel agree on it.
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
    return { program, kernel: probeView(r), cost: r.insns };
  }).sort((a, b) => a.cost - b.cost);
  const consistent: KernelSwitches[] = [];
  for (let mask = 0; mask < 1 << SWITCH_NAMES.length; mask++) {
    const trial = Object.fromEntries(SWITCH_NAMES.map((n, i) => [n, ((mask >> i) & 1) === 1])) as Record<SwitchName, boolean>;
    if (probes.every((p) => modelView(p.program, trial) === p.kernel)) consistent.push(trial);
  }
  const observed = {} as Record<SwitchName, Observation>;
  for (const n of SWITCH_NAMES) {
    const probe = probeOf[n];
    const seen = new Set(consistent.map((c) => c[n]));
    if (consistent.length === 0) observed[n] = { value: null, why: `the kernel's logs match no setting of the switches (probe ${probe})` };
    else if (seen.size === 1) observed[n] = { value: consistent[0]?.[n] as boolean };
    else observed[n] = { value: null, why: `probe ${probe} does not tell ${n} apart` };
  }
  const guess = Object.fromEntries(SWITCH_NAMES.map((n) => {
    const v = observed[n];
    return [n, v.value ?? NEWEST_PROFILE.switches[n]];
  })) as Record<SwitchName, boolean>;
  return { release, observed, match: matchProfile(guess) };
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
  if (undecided.length) parts.push(`undecided: ${undecided.join(', ')}`);
  return `kernel ${r.release} matches no profile (closest ${r.match.profile.name}: ${parts.join('; ')})`;
}

/** Whether every switch was decided and the result is exactly a known profile. */
export const probeMatches = (r: ProbeReport): boolean =>
  r.match.exact && SWITCH_NAMES.every((n) => r.observed[n].value !== null);
