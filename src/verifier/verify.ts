// bpf_check for the model: the pre-passes, do_check_main, do_check_subprogs (global subprograms), and the Result.
import type { Program } from '../isa/program.js';
import { BPF_JMP, BPF_JCOND } from '../isa/opcode.js';
import { BPF_F_TEST_STATE_FREQ, funcName } from '../isa/program.js';
import { disasmInsn } from '../isa/disasm.js';
import type { Result, StatePrecision, FramePrecision } from '../result/result.js';
import type { InsnHistory } from '../history/history.js';
import { type VerifierEnv, type VerifierOptions, VerifierError, Unsupported, verbose } from './state/env.js';
import { VLog } from './state/vlog.js';
import { RegType, type BpfRegState } from './state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfStackState, type BpfVerifierState } from './state/state.js';
import { newVerifierState, BPF_MAIN_FUNC } from './state/regState.js';
import { markRegKnownZero, markRegUnknown, setBoundsSwitches } from './state/scalar.js';
import { runCfgPasses } from './cfg/cfg.js';
import { formatLiveRegsLog } from './cfg/liveRegs.js';
import { socketCallParams } from './cfg/helperProtos.js';
import { newBacktrackState, newStackLiveness } from './state/analysis.js';
import { doCheck } from './check/doCheck.js';
import { initFuncState, checkMaxStackDepth } from './check/calls.js';
import { checkCallbacksExplored, inlinedLoopCallsites } from './check/callbacks.js';
import { containingSubprog } from './state/subprogInfo.js';
import { doCheckSubprogs } from './check/globalSubprogs.js';

import { NEWEST_PROFILE, type KernelProfile } from './profile/profiles.js';
import { faultFlags, type VerifierFault } from './profile/faults.js';

export interface VerifyOptions {
  history: InsnHistory;
  backedgePropagation?: boolean;
  logLevel?: number;
  testStateFreq?: boolean;
  /** Kernel profile to model; default: the newest one. */
  profile?: KernelProfile;
  /** Called every PROGRESS_INSNS processed insns. */
  onProgress?: (insnsProcessed: number) => void;
  /** Deliberate bugs to inject (the fault catalog); none by default. */
  faults?: readonly VerifierFault[];
}

function newEnv(prog: Program, opts: VerifierOptions, log: VLog): VerifierEnv {
  const hist = opts.history;
  const st = newVerifierState(hist.newSlot());
  return {
    prog, insns: prog.insns, aux: [], subprogs: { info: [], count: 0 }, postorder: [], opts, hist, log,
    testStateFreq: opts.testStateFreq ?? (prog.flags & BPF_F_TEST_STATE_FREQ) !== 0,
    bpfCapable: true, allowPtrLeaks: true, allowUninitStack: true,
    curState: st, head: null, stackSize: 0, explored: [], freeList: [], listedStates: [],
    insnIdx: 0, prevInsnIdx: -1, insnProcessed: 0, prevInsnProcessed: 0, jmpsProcessed: 0, prevJmpsProcessed: 0,
    totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, exploredStatesSize: 0, freeListSize: 0, numBackedges: 0, longestMarkReadWalk: 0,
    idGen: 0, curHistEnt: false, doPrintState: false, scratchedRegs: 0, scratchedStack: 0n, prevLogPos: 0, prevInsnPrintPos: 0,
    bt: newBacktrackState(), liveness: newStackLiveness(),
    sccVisits: new Map(), ptrTypes: [], checkpoints: [], stackDepth: [],
  };
}

/** The entry state of `subprog`: main gets the context in r1, a global subprog its prototype's arguments. */
function initEntryState(env: VerifierEnv, subprog: number): void {
  const st = env.curState;
  const f: BpfFuncState = initFuncState(env, BPF_MAIN_FUNC, 0, subprog);
  st.frame = [f];
  st.curframe = 0;
  st.firstInsnIdx = env.subprogs.info[subprog]?.start ?? 0;
  st.lastInsnIdx = -1;
  if (subprog === 0) {
    const r1 = f.regs[1] as BpfRegState;
    markRegKnownZero(r1);
    r1.type = RegType.PTR_TO_CTX;
    return;
  }
  verbose(env, `Validating ${funcName(subprog)}() func#${subprog}...\n`);
  // `long` parameters (ARG_ANYTHING) start as unknown scalars, a ctx parameter as the context
  const fi = env.prog.funcs?.[subprog];
  for (let i = 1; i <= (fi?.params ?? 0); i++) {
    const r = f.regs[i] as BpfRegState;
    if (i === 1 && fi?.ctx) {
      markRegKnownZero(r);
      r.type = RegType.PTR_TO_CTX;
    } else {
      markRegUnknown(r);
    }
  }
}

/** free_states: a new do_check_common starts with no explored states, stack or SCC visits (counters stay). */
function freeStates(env: VerifierEnv): void {
  env.head = null;
  env.stackSize = 0;
  env.explored = [];
  env.freeList = [];
  for (const st of env.listedStates) st.listNode = null;
  env.listedStates = [];
  env.sccVisits.clear();
}

/** do_check_common: verify `subprog` from its entry state; below level 2 a success leaves only the statistics. */
function doCheckCommon(env: VerifierEnv, subprog: number): void {
  if (subprog > 0) {
    env.curState = newVerifierState(env.hist.newSlot());
    env.insnIdx = env.subprogs.info[subprog]?.start ?? 0;
  }
  initEntryState(env, subprog);
  doCheck(env);
  if (!(env.log.level & 2)) env.log.reset(0);
  freeStates(env);
}

function collectPrecision(states: BpfVerifierState[]): StatePrecision[] {
  return states.map((st) => {
    const frames: FramePrecision[] = [];
    for (let i = 0; i <= st.curframe; i++) {
      const f = st.frame[i] as BpfFuncState;
      const regs: number[] = [];
      for (let j = 0; j < f.regs.length; j++) {
        const r = f.regs[j] as BpfRegState;
        if (r.type === RegType.SCALAR_VALUE && r.precise) regs.push(j);
      }
      const stackSlots: number[] = [];
      for (let j = 0; j < f.stack.length; j++) {
        const s = f.stack[j] as BpfStackState;
        if (s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL && s.spilledPtr.type === RegType.SCALAR_VALUE && s.spilledPtr.precise) stackSlots.push(j);
      }
      frames.push({ frameno: f.frameno, regs, stackSlots });
    }
    return { insnIdx: st.insnIdx, frames };
  });
}

const lastMeaningfulLine = (log: string): string => {
  const lines = log.split('\n').filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
};

/** Verify `prog` with the model. Never throws for rejections or unsupported constructs. */
export function verifyProgram(prog: Program, o: VerifyOptions): Result {
  const opts: VerifierOptions = {
    history: o.history,
    backedgePropagation: o.backedgePropagation ?? true,
    logLevel: o.logLevel ?? 0,
    switches: (o.profile ?? NEWEST_PROFILE).switches,
    faults: faultFlags(o.faults ?? []),
    ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  };
  // Rejections need the last log line even when no log was asked for: level 0
  // runs as BPF_LOG_STATS (4), which records messages but no per-insn lines.
  const log = new VLog(opts.logLevel || 4);
  setBoundsSwitches(opts.switches);
  const started = process.hrtime.bigint();
  const env = newEnv(prog, opts, log);
  let errno = 0;
  let unsupportedAt: number | undefined;
  let unsupportedWhat = '';
  let error = '';
  try {
    const passes = runCfgPasses(prog.insns, { logLevel: log.level, bpfCapable: true, callParams: socketCallParams, switches: opts.switches });
    for (const l of passes.log) verbose(env, `${l}\n`);
    if (!passes.ok) {
      verbose(env, `${passes.error}\n`);
      throw new VerifierError(passes.errno, passes.error);
    }
    env.aux = passes.aux;
    env.subprogs = passes.subprogs;
    env.postorder = passes.postorder;
    if (log.level & 2 && !opts.switches.chainLiveness) {
      for (const l of formatLiveRegsLog(prog.insns, env.aux, (i) => disasmInsn(prog.insns, i))) verbose(env, `${l}\n`);
    }
    doCheckCommon(env, 0);
    doCheckSubprogs(env, (i) => doCheckCommon(env, i));
    checkMaxStackDepth(env);
    checkCallbacksExplored(env);
  } catch (e) {
    if (e instanceof VerifierError) errno = e.errno;
    else if (e instanceof Unsupported) {
      unsupportedAt = e.insnIdx;
      unsupportedWhat = e.message;
    } else throw e;
  }
  if (unsupportedAt === undefined) {
    if (errno) error = lastMeaningfulLine(log.text());
    if (log.level & 4) {
      // The model's own time stands where the kernel prints its verification time.
      verbose(env, `verification time ${Math.round(Number(process.hrtime.bigint() - started) / 1000)} usec\n`);
      const depths: number[] = [];
      for (let i = 0; i < Math.max(env.subprogs.count, 1); i++) depths.push(env.stackDepth[i] ?? 0);
      // do_misc_fixups (after a successful run and dead code removal): a
      // subprog with a reachable may_goto gets two hidden 8-byte slots (the
      // x86-64 JIT supports timed may_goto).
      if (!errno) {
        // optimize_bpf_loop: an inlined bpf_loop keeps its counter, bound and ctx in 3 slots past the frame
        const inlined = new Set(inlinedLoopCallsites(env).map((idx) => containingSubprog(env, idx)));
        for (const s of inlined) {
          const d = depths[s] ?? 0;
          depths[s] = d + 24 + (Math.ceil(d / 8) * 8 - d);
        }
        for (let i = 0; i < depths.length; i++) {
          const start = env.subprogs.info[i]?.start ?? 0;
          const end = env.subprogs.info[i + 1]?.start ?? prog.insns.length;
          for (let j = start; j < end; j++) {
            if (prog.insns[j]?.code === (BPF_JMP | BPF_JCOND) && env.aux[j]?.seen) {
              depths[i] = (depths[i] ?? 0) + 16;
              break;
            }
          }
        }
      }
      verbose(env, `stack depth ${depths.join('+')}\n`);
    }
    verbose(env, `processed ${env.insnProcessed} insns (limit 1000000) max_states_per_insn ${env.maxStatesPerInsn} total_states ${env.totalStates} peak_states ${env.peakStates} mark_read ${env.longestMarkReadWalk}\n`);
  }
  const result: Result = {
    verdict: unsupportedAt !== undefined ? 'unsupported' : errno ? 'reject' : 'accept',
    errno,
    error: unsupportedAt !== undefined ? unsupportedWhat : error,
    insns: env.insnProcessed,
    total_states: env.totalStates,
    peak_states: env.peakStates,
    max_states_per_insn: env.maxStatesPerInsn,
    markPrecise: [],
    precision: collectPrecision(env.checkpoints),
    history: o.history.stats(),
  };
  const text = log.text();
  result.markPrecise = text.split('\n').filter((l) => l.startsWith('mark_precise:'));
  if (opts.logLevel) result.log = text;
  if (unsupportedAt !== undefined) result.unsupportedAt = unsupportedAt;
  return result;
}
