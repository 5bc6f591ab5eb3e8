// Per-instruction aux data filled by the pre-do_check passes (the subset of
// struct bpf_insn_aux_data those passes own), plus the result shape they share.

export interface InsnAux {
  /** is_prune_point: do_check calls is_state_visited here. */
  prunePoint: boolean;
  /** is_force_checkpoint: may_goto, sync-callback calls, iter_next kfuncs. */
  forceCheckpoint: boolean;
  /** is_jmp_point: reaching this insn records a history entry. */
  jmpPoint: boolean;
  /** bpf_calls_callback: helper/kfunc calls that invoke a sync callback. */
  callsCallback: boolean;
  /** SCC id as compute_scc assigns it; 0 = not in a nontrivial SCC. */
  scc: number;
  /**
   * live_regs_before, the kernel's u16 mask (bit i = register ri). Bits above
   * r10 can be set, as in the kernel, by insns whose "use" defaults to 0xffff
   * (LD_ABS/LD_IND, unknown opcodes); consumers look at bits 0..10 only.
   */
  liveRegsBefore: number;
  /** Position in the postorder computed by compute_postorder (undefined if not visited, e.g. ld_imm64 2nd slot). */
  postorder?: number;
  /** Index of the containing subprogram. */
  subprog: number;
  /** Set by do_check when the insn is processed. */
  seen: boolean;
}

export function newInsnAux(n: number): InsnAux[] {
  const out: InsnAux[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      prunePoint: false,
      forceCheckpoint: false,
      jmpPoint: false,
      callsCallback: false,
      scc: 0,
      liveRegsBefore: 0,
      subprog: 0,
      seen: false,
    });
  }
  return out;
}

export { EPERM, ENOENT, E2BIG, EFAULT, EINVAL } from './errno.js';

/** Outcome of a pass: the kernel's error text (no trailing newline) and positive errno on failure. */
export type PassResult = { ok: true } | { ok: false; error: string; errno: number };

export const passFail = (error: string, errno: number): PassResult => ({ ok: false, error, errno });
export const PASS_OK: PassResult = { ok: true };
