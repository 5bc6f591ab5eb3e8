// push_jmp_history: record the current insn in cur's history, or combine
// flags into the entry already recorded for it (env->cur_hist_ent).
import type { VerifierEnv } from './env.js';
import type { BpfVerifierState } from './state.js';

export function pushJmpHistory(env: VerifierEnv, cur: BpfVerifierState, insnFlags: number, linkedRegs: bigint): void {
  if (env.curHistEnt) {
    env.hist.combineLast(cur, insnFlags, linkedRegs, env.insnIdx);
    return;
  }
  env.hist.push(cur, { idx: env.insnIdx, prevIdx: env.prevInsnIdx, flags: insnFlags, linkedRegs }, env.insnIdx);
  env.curHistEnt = true;
}
