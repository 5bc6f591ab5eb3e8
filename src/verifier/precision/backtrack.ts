// Precision backtracking: __mark_chain_precision walks the current state's
// instruction history backwards, then its parents', computing which registers
// and stack slots must be precise; backtrack_insn handles one instruction.
import {
  BPF_ALU, BPF_ALU64, BPF_LDX, BPF_STX, BPF_ST, BPF_JMP, BPF_JMP32, BPF_LD, BPF_END, BPF_NEG, BPF_MOV,
  BPF_X, BPF_K, BPF_CALL, BPF_EXIT, BPF_IND, BPF_ABS, BPF_ATOMIC, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL,
  BPF_REG_FP, opClass, opAlu, opMode, opSrc, opJmp,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { disasmInsn } from '../../isa/disasm.js';
import {
  INSN_F_STACK_ACCESS, INSN_F_SPI_SHIFT, INSN_F_SPI_MASK, INSN_F_FRAMENO_MASK,
  INSN_F_SRC_REG_STACK, INSN_F_DST_REG_STACK, type HistEntry,
} from '../../history/history.js';
import { type VerifierEnv, VerifierError, EFAULT, ENOTSUPP, verbose, logLevel2 } from '../state/env.js';
import { RegType, REG_LIVE_READ, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, MAX_CALL_FRAMES, SlotType, type BpfFuncState, type BpfStackState, type BpfVerifierState } from '../state/state.js';
import { printVerifierState } from '../log/logState.js';
import { fmtStackMask } from '../log/regfmt.js';
import { findSubprog, subprogIsGlobal } from '../state/subprogInfo.js';
import { isSyncCallbackCallingInsn } from '../cfg/cfg.js';
import type { BacktrackState } from '../state/analysis.js';

const BPF_REGMASK_ARGS = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5);
const BPF_LOAD_ACQ = 0x100;


export function btReset(bt: BacktrackState): void {
  bt.frame = 0;
  bt.regMasks.fill(0);
  bt.stackLo.fill(0);
  bt.stackHi.fill(0);
}

const btEmpty = (bt: BacktrackState): boolean => {
  for (let i = 0; i <= bt.frame; i++) if (bt.regMasks[i] || bt.stackLo[i] || bt.stackHi[i]) return false;
  return true;
};
export const btSetFrameReg = (bt: BacktrackState, fr: number, reg: number): void => {
  bt.regMasks[fr] = (bt.regMasks[fr] as number) | (1 << reg);
};
const btClearFrameReg = (bt: BacktrackState, fr: number, reg: number): void => {
  bt.regMasks[fr] = (bt.regMasks[fr] as number) & ~(1 << reg);
};
const btSetReg = (bt: BacktrackState, reg: number): void => btSetFrameReg(bt, bt.frame, reg);
const btClearReg = (bt: BacktrackState, reg: number): void => btClearFrameReg(bt, bt.frame, reg);
export const btSetFrameSlot = (bt: BacktrackState, fr: number, slot: number): void => {
  if (slot < 32) bt.stackLo[fr] = ((bt.stackLo[fr] as number) | (1 << slot)) >>> 0;
  else bt.stackHi[fr] = ((bt.stackHi[fr] as number) | (1 << (slot - 32))) >>> 0;
};
const btClearFrameSlot = (bt: BacktrackState, fr: number, slot: number): void => {
  if (slot < 32) bt.stackLo[fr] = ((bt.stackLo[fr] as number) & ~(1 << slot)) >>> 0;
  else bt.stackHi[fr] = ((bt.stackHi[fr] as number) & ~(1 << (slot - 32))) >>> 0;
};
const btRegMask = (bt: BacktrackState): number => bt.regMasks[bt.frame] as number;
const btFrameStackEmpty = (bt: BacktrackState, fr: number): boolean => !bt.stackLo[fr] && !bt.stackHi[fr];
/** The frame's stack mask as a u64 bigint, for printing only. */
const btFrameStackMask = (bt: BacktrackState, fr: number): bigint =>
  (BigInt(bt.stackHi[fr] as number) << 32n) | BigInt(bt.stackLo[fr] as number);
const btStackMask = (bt: BacktrackState): bigint => btFrameStackMask(bt, bt.frame);
const btIsReg = (bt: BacktrackState, reg: number): boolean => ((bt.regMasks[bt.frame] as number) & (1 << reg)) !== 0;
const btIsFrameReg = (bt: BacktrackState, fr: number, reg: number): boolean => ((bt.regMasks[fr] as number) & (1 << reg)) !== 0;
const btIsFrameSlot = (bt: BacktrackState, fr: number, slot: number): boolean =>
  slot < 32 ? ((bt.stackLo[fr] as number) & (1 << slot)) !== 0 : ((bt.stackHi[fr] as number) & (1 << (slot - 32))) !== 0;

export function fmtRegMask(mask: number): string {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (mask & (1 << i)) out.push(`r${i}`);
  return out.join(',');
}


// Linked registers: up to 6 entries of 10 bits (3 frameno, 6 spi/regno, 1 is_reg) plus a 4-bit count.
export interface LinkedReg { frameno: number; spiOrReg: number; isReg: boolean }
export const LINKED_REGS_MAX = 6;

export function linkedRegsPack(regs: LinkedReg[]): bigint {
  // Up to 4 entries fit in 44 bits: pack with numbers, one bigint at the end.
  if (regs.length <= 4) {
    let n = 0;
    for (const e of regs) n = n * 1024 + (e.frameno | (e.spiOrReg << 3) | ((e.isReg ? 1 : 0) << 9));
    return BigInt(n * 16 + regs.length);
  }
  let val = 0n;
  for (const e of regs) {
    const tmp = BigInt(e.frameno) | (BigInt(e.spiOrReg) << 3n) | ((e.isReg ? 1n : 0n) << 9n);
    val = (val << 10n) | tmp;
  }
  return (val << 4n) | BigInt(regs.length);
}

const unpacked = new Map<bigint, LinkedReg[]>();

/** linked_regs_unpack, memoized: the same packed values recur along a walk. Do not mutate the result. */
export function linkedRegsUnpack(val: bigint): LinkedReg[] {
  let r = unpacked.get(val);
  if (!r) {
    r = linkedRegsUnpackRaw(val);
    if (unpacked.size > 4096) unpacked.clear();
    unpacked.set(val, r);
  }
  return r;
}

function linkedRegsUnpackRaw(val: bigint): LinkedReg[] {
  const cnt = Number(val & 0xfn);
  val >>= 4n;
  const out: LinkedReg[] = [];
  for (let i = 0; i < cnt; i++) {
    out.push({ frameno: Number(val & 7n), spiOrReg: Number((val >> 3n) & 0x3fn), isReg: ((val >> 9n) & 1n) === 1n });
    val >>= 10n;
  }
  return out;
}

function btSyncLinkedRegs(bt: BacktrackState, hist: HistEntry | null): void {
  if (!hist || hist.linkedRegs === 0n) return;
  const regs = linkedRegsUnpack(hist.linkedRegs);
  const some = regs.some((e) => (e.isReg ? btIsFrameReg(bt, e.frameno, e.spiOrReg) : btIsFrameSlot(bt, e.frameno, e.spiOrReg)));
  if (!some) return;
  for (const e of regs) {
    if (e.isReg) btSetFrameReg(bt, e.frameno, e.spiOrReg);
    else btSetFrameSlot(bt, e.frameno, e.spiOrReg);
  }
}

const isPseudoCall = (insn: Insn): boolean => insn.code === (BPF_JMP | BPF_CALL) && insn.src === BPF_PSEUDO_CALL;
const isAtomicLoadInsn = (insn: Insn): boolean =>
  opClass(insn.code) === BPF_STX && opMode(insn.code) === BPF_ATOMIC && insn.imm === BPF_LOAD_ACQ;

function bug(env: VerifierEnv, msg: string): never {
  verbose(env, `verifier bug: ${msg}\n`);
  throw new VerifierError(EFAULT, msg);
}

/** Returns ENOTSUPP to request the conservative fallback, 0 otherwise. */
export function backtrackInsn(env: VerifierEnv, idx: number, subseqIdx: number, hist: HistEntry | null, bt: BacktrackState): number {
  const insn = env.insns[idx] as Insn;
  const cls = opClass(insn.code);
  const opcode = opAlu(insn.code);
  const mode = opMode(insn.code);
  const dreg = insn.dst;
  const sreg = insn.src;

  if (insn.code === 0) return 0;
  if (logLevel2(env)) {
    verbose(env, `mark_precise: frame${bt.frame}: regs=${fmtRegMask(btRegMask(bt))} stack=${fmtStackMask(btStackMask(bt))} before ${idx}: ${disasmInsn(env.insns, idx)}\n`);
  }
  const faults = env.opts.faults;
  // Most entries carry no linked registers: test that once, not on both syncs.
  const linkedHist = hist !== null && hist.linkedRegs !== 0n && !faults['bt-skip-linked-regs'] ? hist : null;
  if (linkedHist) btSyncLinkedRegs(bt, linkedHist);

  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!btIsReg(bt, dreg)) return 0;
    if (opcode === BPF_END || opcode === BPF_NEG) return 0;
    if (opcode === BPF_MOV) {
      btClearReg(bt, dreg);
      if (opSrc(insn.code) === BPF_X && sreg !== BPF_REG_FP) btSetReg(bt, sreg);
    } else if (opSrc(insn.code) === BPF_X && sreg !== BPF_REG_FP && !faults['bt-drop-src-reg']) {
      btSetReg(bt, sreg);
    }
  } else if (cls === BPF_LDX || isAtomicLoadInsn(insn)) {
    if (!btIsReg(bt, dreg)) return 0;
    btClearReg(bt, dreg);
    if (!hist || !(hist.flags & INSN_F_STACK_ACCESS)) return 0;
    const spi = (hist.flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
    const fr = hist.flags & INSN_F_FRAMENO_MASK;
    if (!faults['bt-drop-stack-slot']) btSetFrameSlot(bt, fr, spi);
  } else if (cls === BPF_STX || cls === BPF_ST) {
    if (btIsReg(bt, dreg)) return ENOTSUPP;
    if (!hist || !(hist.flags & INSN_F_STACK_ACCESS)) return 0;
    const spi = (hist.flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
    const fr = hist.flags & INSN_F_FRAMENO_MASK;
    if (!btIsFrameSlot(bt, fr, spi)) return 0;
    btClearFrameSlot(bt, fr, spi);
    if (cls === BPF_STX) btSetReg(bt, sreg);
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    const jop = opJmp(insn.code);
    if (isPseudoCall(insn)) {
      const subprog = findSubprog(env, idx + insn.imm + 1);
      if (subprog < 0) throw new VerifierError(EFAULT, 'find_subprog');
      if (subprogIsGlobal(env, subprog)) {
        if (idx + 1 !== subseqIdx) bug(env, 'extra insn from subprog');
        if (btRegMask(bt) & BPF_REGMASK_ARGS) bug(env, `global subprog unexpected regs ${btRegMask(bt).toString(16)}`);
        btClearReg(bt, 0);
        return 0;
      }
      if (btRegMask(bt) & ~BPF_REGMASK_ARGS) bug(env, `static subprog unexpected regs ${btRegMask(bt).toString(16)}`);
      if (!btFrameStackEmpty(bt, bt.frame)) bug(env, `static subprog leftover stack slots ${btStackMask(bt).toString(16)}`);
      for (let i = 1; i <= 5; i++) {
        if (btIsReg(bt, i)) {
          btClearReg(bt, i);
          if (!faults['bt-callee-args-dropped']) btSetFrameReg(bt, bt.frame - 1, i);
        }
      }
      if (bt.frame === 0) bug(env, 'subprog exit from frame 0');
      bt.frame--;
      return 0;
    } else if (isSyncCallbackCallingInsn(insn) && idx !== subseqIdx - 1) {
      if (btRegMask(bt) & ~BPF_REGMASK_ARGS) bug(env, `callback unexpected regs ${btRegMask(bt).toString(16)}`);
      if (!btFrameStackEmpty(bt, bt.frame)) bug(env, `callback leftover stack slots ${btStackMask(bt).toString(16)}`);
      for (let i = 1; i <= 5; i++) btClearReg(bt, i);
      if (bt.frame === 0) bug(env, 'subprog exit from frame 0');
      bt.frame--;
      return 0;
    } else if (jop === BPF_CALL) {
      if (insn.src === BPF_PSEUDO_KFUNC_CALL && insn.imm === 0) return ENOTSUPP;
      btClearReg(bt, 0);
      if (btRegMask(bt) & BPF_REGMASK_ARGS) bug(env, `backtracking call unexpected regs ${btRegMask(bt).toString(16)}`);
    } else if (jop === BPF_EXIT) {
      const intoCallback = subseqIdx >= 0 && !!env.aux[subseqIdx]?.callsCallback;
      // callbackExitKeepsArgs: the caller's r1-r5 marks stay set across the callback body
      const keepArgs = intoCallback && env.opts.switches.callbackExitKeepsArgs;
      if (intoCallback && !keepArgs) for (let i = 1; i <= 5; i++) btClearReg(bt, i);
      if (!keepArgs && btRegMask(bt) & BPF_REGMASK_ARGS) bug(env, `backtracking exit unexpected regs ${btRegMask(bt).toString(16)}`);
      const r0Precise = subseqIdx - 1 >= 0 && isPseudoCall(env.insns[subseqIdx - 1] as Insn) && btIsReg(bt, 0);
      btClearReg(bt, 0);
      if (bt.frame === MAX_CALL_FRAMES - 1) bug(env, `subprog enter from frame ${bt.frame}`);
      bt.frame++;
      if (r0Precise) btSetReg(bt, 0);
      return 0;
    } else if (opSrc(insn.code) === BPF_X) {
      if (!btIsReg(bt, dreg) && !btIsReg(bt, sreg)) return 0;
      if (!hist || !(hist.flags & INSN_F_SRC_REG_STACK)) btSetReg(bt, sreg);
      if (!hist || !(hist.flags & INSN_F_DST_REG_STACK)) btSetReg(bt, dreg);
    } else if (opSrc(insn.code) === BPF_K) {
      // dreg <cond> K: nothing new.
    }
  } else if (cls === BPF_LD) {
    if (!btIsReg(bt, dreg)) return 0;
    btClearReg(bt, dreg);
    if (mode === BPF_IND || mode === BPF_ABS) return ENOTSUPP;
  }
  if (linkedHist) btSyncLinkedRegs(bt, linkedHist);
  return 0;
}

// What backtrack_insn does with an insn, decoded once per program: the common
// steps then skip the opcode decode and the general path (backtrackInsn).
const BT_GENERAL = 0, BT_NOP = 1, BT_CLEAR_DST = 2, BT_MOV_X = 3, BT_ALU_X = 4, BT_LDX = 5, BT_STX = 6, BT_ST = 7, BT_JMP_X = 8;

function btKindOf(insn: Insn): number {
  const code = insn.code;
  if (code === 0) return BT_NOP;
  const cls = opClass(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const op = opAlu(code);
    if (op === BPF_END || op === BPF_NEG) return BT_NOP;
    const x = opSrc(code) === BPF_X && insn.src !== BPF_REG_FP;
    if (op === BPF_MOV) return x ? BT_MOV_X : BT_CLEAR_DST;
    return x ? BT_ALU_X : BT_NOP;
  }
  if (cls === BPF_LDX || isAtomicLoadInsn(insn)) return BT_LDX;
  if (cls === BPF_STX) return BT_STX;
  if (cls === BPF_ST) return BT_ST;
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const jop = opJmp(code);
    if (jop === BPF_CALL || jop === BPF_EXIT) return BT_GENERAL;
    return opSrc(code) === BPF_X ? BT_JMP_X : BT_NOP;
  }
  if (cls === BPF_LD) {
    const mode = opMode(code);
    return mode === BPF_IND || mode === BPF_ABS ? BT_GENERAL : BT_CLEAR_DST;
  }
  return BT_GENERAL;
}

/** Per insn: kind | dst << 8 | src << 12, so a fast step reads one word, not the insn. */
function btKinds(insns: readonly Insn[]): Int32Array {
  const out = new Int32Array(insns.length);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i] as Insn;
    out[i] = btKindOf(insn) | ((insn.dst & 0xf) << 8) | ((insn.src & 0xf) << 12);
  }
  return out;
}

/**
 * backtrack_insn for the decoded common kinds, when there is no log to print,
 * no linked registers on the entry and no backtrack fault: -1 means "take the
 * general path".
 */
function backtrackFast(word: number, hist: HistEntry | null, bt: BacktrackState): number {
  const fr = bt.frame;
  const mask = bt.regMasks[fr] as number;
  const d = 1 << ((word >> 8) & 0xf);
  const kind = word & 0xff;
  switch (kind) {
    case BT_NOP:
      return 0;
    case BT_CLEAR_DST:
      if (mask & d) bt.regMasks[fr] = mask & ~d;
      return 0;
    case BT_MOV_X:
      if (mask & d) bt.regMasks[fr] = (mask & ~d) | (1 << (word >> 12));
      return 0;
    case BT_ALU_X:
      if (mask & d) bt.regMasks[fr] = mask | (1 << (word >> 12));
      return 0;
    case BT_LDX:
      if (!(mask & d)) return 0;
      bt.regMasks[fr] = mask & ~d;
      if (hist && hist.flags & INSN_F_STACK_ACCESS) btSetFrameSlot(bt, hist.flags & INSN_F_FRAMENO_MASK, (hist.flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK);
      return 0;
    case BT_STX:
    case BT_ST: {
      if (mask & d) return ENOTSUPP;
      if (!hist || !(hist.flags & INSN_F_STACK_ACCESS)) return 0;
      const spi = (hist.flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
      const sfr = hist.flags & INSN_F_FRAMENO_MASK;
      if (!btIsFrameSlot(bt, sfr, spi)) return 0;
      btClearFrameSlot(bt, sfr, spi);
      if (kind === BT_STX) bt.regMasks[fr] = mask | (1 << (word >> 12));
      return 0;
    }
    case BT_JMP_X: {
      const sm = 1 << (word >> 12);
      if (!(mask & (d | sm))) return 0;
      let m = mask;
      if (!hist || !(hist.flags & INSN_F_SRC_REG_STACK)) m |= sm;
      if (!hist || !(hist.flags & INSN_F_DST_REG_STACK)) m |= d;
      bt.regMasks[fr] = m;
      return 0;
    }
    default:
      return -1;
  }
}

const hasBtFault = (env: VerifierEnv): boolean => {
  const f = env.opts.faults;
  return !!(f['bt-drop-stack-slot'] || f['bt-drop-src-reg'] || f['bt-skip-linked-regs']);
};

const isSpilledReg = (s: BpfStackState): boolean => s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL;
const isSpilledScalarReg = (s: BpfStackState): boolean => isSpilledReg(s) && s.spilledPtr.type === RegType.SCALAR_VALUE;

export function markAllScalarsPrecise(env: VerifierEnv, start: BpfVerifierState): void {
  if (logLevel2(env)) verbose(env, `mark_precise: frame${start.curframe}: falling back to forcing all scalars precise\n`);
  for (let st = start.parent; st; st = st.parent) {
    for (let i = 0; i <= st.curframe; i++) {
      const func = st.frame[i] as BpfFuncState;
      for (let j = 0; j < BPF_REG_FP; j++) {
        const reg = func.regs[j];
        if (!reg || reg.type !== RegType.SCALAR_VALUE || reg.precise) continue;
        reg.precise = true;
        if (logLevel2(env)) verbose(env, `force_precise: frame${i}: forcing r${j} to be precise\n`);
      }
      for (let j = 0; j < func.allocatedStack / BPF_REG_SIZE; j++) {
        const slot = func.stack[j] as BpfStackState;
        if (!isSpilledReg(slot)) continue;
        const reg = slot.spilledPtr;
        if (reg.type !== RegType.SCALAR_VALUE || reg.precise) continue;
        reg.precise = true;
        if (logLevel2(env)) verbose(env, `force_precise: frame${i}: forcing fp${-(j + 1) * 8} to be precise\n`);
      }
    }
  }
}

export function markAllScalarsImprecise(st: BpfVerifierState): void {
  for (let i = 0; i <= st.curframe; i++) {
    const func = st.frame[i] as BpfFuncState;
    for (let j = 0; j < BPF_REG_FP; j++) {
      const reg = func.regs[j];
      if (reg && reg.type === RegType.SCALAR_VALUE) reg.precise = false;
    }
    for (let j = 0; j < func.allocatedStack / BPF_REG_SIZE; j++) {
      const slot = func.stack[j] as BpfStackState;
      if (!isSpilledReg(slot)) continue;
      if (slot.spilledPtr.type === RegType.SCALAR_VALUE) slot.spilledPtr.precise = false;
    }
  }
}

/**
 * __mark_chain_precision. `regno` >= 0 seeds the backtrack state with that
 * register; otherwise env.bt must already hold the masks. Returns whether any
 * precise mark changed.
 */
export function markChainPrecisionFrom(env: VerifierEnv, starting: BpfVerifierState, regno: number): boolean {
  if (!env.bpfCapable) return false;
  const bt = env.bt;
  let changed = false;
  let st: BpfVerifierState | null = starting;
  let firstIdx = st.firstInsnIdx;
  let lastIdx = starting.insnIdx;
  let subseqIdx = -1;
  let skipFirst = true;
  bt.frame = starting.curframe;

  if (regno >= 0) {
    const reg = (st.frame[bt.frame] as BpfFuncState).regs[regno];
    if (!reg || reg.type !== RegType.SCALAR_VALUE) bug(env, 'backtracking misuse');
    btSetReg(bt, regno);
  }
  if (btEmpty(bt)) return false;
  const kinds = bt.kinds ?? (bt.kinds = btKinds(env.insns));
  const fast = !logLevel2(env) && !hasBtFault(env);

  for (;;) {
    const cursor = env.hist.cursor(st, lastIdx);
    if (logLevel2(env)) verbose(env, `mark_precise: frame${bt.frame}: last_idx ${lastIdx} first_idx ${firstIdx} subseq_idx ${subseqIdx} \n`);
    if (lastIdx < 0) {
      const f0 = st.frame[0] as BpfFuncState;
      if (st.curframe === 0 && f0.subprogno > 0 && f0.callsite === -1 && btFrameStackEmpty(bt, bt.frame) && (btRegMask(bt) & ~BPF_REGMASK_ARGS) === 0) {
        const mask = btRegMask(bt);
        for (let i = 0; i < 32; i++) {
          if (!(mask & (1 << i))) continue;
          const reg = f0.regs[i];
          btClearReg(bt, i);
          if (reg && reg.type === RegType.SCALAR_VALUE) {
            reg.precise = true;
            changed = true;
          }
        }
        return changed;
      }
      bug(env, `backtracking func entry subprog ${f0.subprogno} reg_mask ${btRegMask(bt).toString(16)} stack_mask ${btStackMask(bt).toString(16)}`);
    }
    // The hottest loop: get_prev_insn_idx is inlined, with the unconsumed
    // entry count and the top entry in locals.
    const first = st.firstInsnIdx;
    let cnt = cursor.count;
    let top: HistEntry | null = cnt > 0 ? cursor.at(cnt - 1) : null;
    for (let i = lastIdx; ;) {
      if (skipFirst) skipFirst = false;
      else {
        const entry = top !== null && top.idx === i ? top : null;
        let err = fast && (entry === null || entry.linkedRegs === 0n) ? backtrackFast(kinds[i] as number, entry, bt) : -1;
        if (err < 0) err = backtrackInsn(env, i, subseqIdx, entry, bt);
        if (err === ENOTSUPP) {
          markAllScalarsPrecise(env, starting);
          btReset(bt);
          return changed;
        }
      }
      if (bt.frame === 0 ? !(bt.regMasks[0] || bt.stackLo[0] || bt.stackHi[0]) : btEmpty(bt)) return changed;
      subseqIdx = i;
      if (top !== null && top.idx === i) {
        if (cnt === 1 && i === first) break;
        cnt--;
        i = top.prevIdx;
        top = cnt > 0 ? cursor.at(cnt - 1) : null;
      } else {
        if (cnt === 0 && i === first) break;
        i--;
      }
      if (i === -1) break;
      if (i >= env.insns.length) bug(env, `backtracking idx ${i}`);
    }
    st = st.parent;
    if (!st) break;
    // Fault bt-parent-walk-stops-early: give up after the first parent, marks left unset.
    if (env.opts.faults['bt-parent-walk-stops-early'] && st !== starting.parent) return changed;

    for (let fr = bt.frame; fr >= 0; fr--) {
      // A corrupted history (e.g. a clobbered shared slice) can walk into a
      // frame this parent does not have. The kernel only touches such a frame
      // when it has marks to apply or prints it at log level 2, and then
      // dereferences NULL; the model reports that as a verifier bug.
      if (fr > st.curframe) {
        if ((bt.regMasks[fr] as number) || !btFrameStackEmpty(bt, fr) || logLevel2(env)) {
          bug(env, `NULL frame dereference: backtracking frame ${fr} of a parent state with curframe ${st.curframe}`);
        }
        continue;
      }
      const func = st.frame[fr] as BpfFuncState;
      const rmask = bt.regMasks[fr] as number;
      for (let i = 0; i < 32; i++) {
        if (!(rmask & (1 << i))) continue;
        const reg = func.regs[i];
        if (!reg || reg.type !== RegType.SCALAR_VALUE) {
          btClearFrameReg(bt, fr, i);
          continue;
        }
        if (reg.precise) btClearFrameReg(bt, fr, i);
        else {
          reg.precise = true;
          changed = true;
        }
      }
      for (let i = 0; !btFrameStackEmpty(bt, fr) && i < 64; i++) {
        if (!btIsFrameSlot(bt, fr, i)) continue;
        if (i >= func.allocatedStack / BPF_REG_SIZE) bug(env, `stack slot ${i}, total slots ${func.allocatedStack / BPF_REG_SIZE}`);
        const slot = func.stack[i] as BpfStackState;
        if (!isSpilledScalarReg(slot)) {
          btClearFrameSlot(bt, fr, i);
          continue;
        }
        if (slot.spilledPtr.precise) btClearFrameSlot(bt, fr, i);
        else {
          slot.spilledPtr.precise = true;
          changed = true;
        }
      }
      if (logLevel2(env)) {
        verbose(env, `mark_precise: frame${fr}: parent state regs=${fmtRegMask(bt.regMasks[fr] as number)} stack=${fmtStackMask(btFrameStackMask(bt, fr))}: `);
        printVerifierState(env, st, fr, true);
      }
    }
    if (btEmpty(bt)) return changed;
    subseqIdx = firstIdx;
    lastIdx = st.lastInsnIdx;
    firstIdx = st.firstInsnIdx;
  }
  if (!btEmpty(bt)) {
    markAllScalarsPrecise(env, starting);
    btReset(bt);
  }
  return changed;
}

export const markChainPrecision = (env: VerifierEnv, regno: number): boolean =>
  markChainPrecisionFrom(env, env.curState, regno);

/** propagate_precision: returns whether any mark changed. */
export function propagatePrecision(env: VerifierEnv, old: BpfVerifierState, cur: BpfVerifierState): boolean {
  const bt = env.bt;
  // chainLiveness: only marks the old state's continuation actually read carry over.
  const readMask = env.opts.switches.chainLiveness ? REG_LIVE_READ : 0;
  for (let fr = old.curframe; fr >= 0; fr--) {
    const state = old.frame[fr] as BpfFuncState;
    let first = true;
    for (let i = 0; i < BPF_REG_FP; i++) {
      const r = state.regs[i] as BpfRegState;
      if (r.type !== RegType.SCALAR_VALUE || !r.precise || (readMask && !(r.live & readMask))) continue;
      if (logLevel2(env)) verbose(env, first ? `frame ${fr}: propagating r${i}` : `,r${i}`);
      btSetFrameReg(bt, fr, i);
      first = false;
    }
    for (let i = 0; i < state.allocatedStack / BPF_REG_SIZE; i++) {
      const s = state.stack[i] as BpfStackState;
      if (!isSpilledReg(s)) continue;
      const r = s.spilledPtr;
      if (r.type !== RegType.SCALAR_VALUE || !r.precise || (readMask && !(r.live & readMask))) continue;
      if (logLevel2(env)) verbose(env, first ? `frame ${fr}: propagating fp${(-i - 1) * BPF_REG_SIZE}` : `,fp${(-i - 1) * BPF_REG_SIZE}`);
      btSetFrameSlot(bt, fr, i);
      first = false;
    }
    if (!first) verbose(env, '\n');
  }
  return markChainPrecisionFrom(env, cur, -1);
}
