// Time per verifier phase, from V8's sampling profiler (node:inspector) over
// model runs: each sample is charged to the innermost phase function on its
// stack, so the shares add up to 100% without timers in the hot loop.

import { Session } from 'node:inspector/promises';
import type { Program } from '../src/isa/program.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { makeHistory } from '../src/history/index.js';
import { renderTable } from '../src/util/table.js';

/** Phase name -> model functions (named after their verifier.c counterparts) that start it. */
const PHASES: Array<[string, string[]]> = [
  ['cfg passes (check_cfg, SCCs, live regs, subprogs)', ['runCfgPasses']],
  ['precision backtracking (__mark_chain_precision)', ['markChainPrecisionFrom', 'propagatePrecision', 'markAllScalarsPrecise']],
  ['state copies (push_stack, pop_stack, checkpoints)', ['cloneVerifierState', 'copyVerifierState', 'pushStack', 'popStack']],
  ['is_state_visited (states_equal, regsafe, lists)', ['isStateVisited']],
  ['stack liveness (write marks, live stack)', ['bpfResetStackWriteMarks', 'bpfCommitStackWriteMarks', 'bpfUpdateLiveStack']],
  ['ALU (check_alu_op, bounds)', ['checkAluOp']],
  ['jumps (check_cond_jmp_op, reg_set_min_max)', ['checkCondJmpOp']],
  ['memory (check_mem_access, stack/map/ctx/packet)', ['checkLoadMem', 'checkStoreReg', 'checkStoreImm', 'checkMemAccess']],
  ['calls and helpers', ['checkHelperCall', 'checkFuncCall', 'processBpfExit']],
  ['do_check loop and the rest', ['doCheck', 'verifyProgram']],
];

interface ProfileNode { id: number; callFrame: { functionName: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Phase shares (percent) of the model's time on `programs`, `reps` runs each. */
export async function phaseShares(programs: Program[], reps: number): Promise<Map<string, number>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  for (let r = 0; r < reps; r++) {
    for (const p of programs) verifyProgram(p, { history: makeHistory('copy'), backedgePropagation: true, logLevel: 0 });
  }
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();

  const phaseOf = new Map<string, string>();
  for (const [phase, fns] of PHASES) for (const f of fns) phaseOf.set(f, phase);
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const memo = new Map<number, string>();
  const phaseOfNode = (id: number): string => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const n = byId.get(id);
    const name = n?.callFrame.functionName ?? '';
    let ph = name === '(garbage collector)' ? 'garbage collection' : phaseOf.get(name);
    if (ph === undefined) {
      const up = parent.get(id);
      ph = up === undefined ? 'outside the verifier' : phaseOfNode(up);
    }
    memo.set(id, ph);
    return ph;
  };
  const shares = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((s, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const ph = phaseOfNode(s);
    if (ph === 'outside the verifier') return;
    shares.set(ph, (shares.get(ph) ?? 0) + dt);
    total += dt;
  });
  for (const [k, v] of shares) shares.set(k, (100 * v) / Math.max(total, 1));
  return shares;
}

/** Prints one column of phase shares per program set. */
export async function benchPhases(sets: Array<[string, Program[], number]>): Promise<void> {
  const cols: Array<Map<string, number>> = [];
  for (const [, progs, reps] of sets) cols.push(await phaseShares(progs, reps));
  const names = [...PHASES.map(([p]) => p), 'garbage collection'];
  const rows = names.map((n) => [n, ...cols.map((c) => `${(c.get(n) ?? 0).toFixed(1)}%`)]);
  process.stdout.write('\nModel time per phase (share of profiler samples; innermost phase function wins)\n');
  process.stdout.write(renderTable([{ title: 'Phase' }, ...sets.map(([name]) => ({ title: name, align: 'right' as const }))], rows));
}
