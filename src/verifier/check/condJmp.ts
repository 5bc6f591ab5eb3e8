// check_cond_jmp_op: conditional jumps, may_goto, linked scalars.
import { BPF_JMP, BPF_JMP32, BPF_JA, BPF_JCOND, BPF_X, BPF_JEQ, BPF_JNE, BPF_MAY_GOTO, opClass, opJmp, opSrc } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { INSN_F_DST_REG_STACK, INSN_F_SRC_REG_STACK } from '../../history/history.js';
import { type VerifierEnv, VerifierError, EINVAL, EACCES, ENOMEM, verbose, verboseInvariants, logLevel1 } from '../state/env.js';
import { RegType, PTR_MAYBE_NULL, BPF_ADD_CONST, BPF_ADD_CONST32, type BpfRegState } from '../state/reg.js';
import { markPtrNotNullReg, markPtrOrNullRegs } from './mapAccess.js';
import { BPF_REG_SIZE, type BpfFuncState, type BpfStackState, type BpfVerifierState } from '../state/state.js';
import { copyRegState, copyRegisterState, newRegState, scratchKnownScalar } from '../state/regState.js';
import { markRegKnown, markRegUnknown, regBoundsSync, clearScalarId } from '../state/scalar.js';
import { tnumAdd } from '../state/tnum.js';
import { scalar32MinMaxAdd, scalarMinMaxAdd } from './alu.js';
import { isBranchTaken, regSetMinMax } from './branch.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import { pushJmpHistory } from '../state/history.js';
import { pushStack } from '../state/states.js';
import { markChainPrecision, linkedRegsPack, LINKED_REGS_MAX, type LinkedReg } from '../precision/backtrack.js';
import { printInsnState } from '../log/logState.js';
import { isSpilledReg } from './stackAccess.js';
import { exploredBucket, newIdMap, regsExact } from '../pruning/pruning.js';
import { sameCallsites, frameInsnIdx } from '../state/frames.js';
import { tryMatchPktPointers } from './packetAccess.js';
import { zextReg32 } from '../state/coerce.js';

/** The immediate operand of a conditional jump and its copy for the other branch (scratchKnownScalar). */
const immSrc = newRegState();
const immFake1 = newRegState();

function collectLinkedRegs(env: VerifierEnv, vstate: BpfVerifierState, id: number, out: LinkedReg[]): void {
  id = id & ~BPF_ADD_CONST;
  const add = (reg: BpfRegState, frameno: number, spiOrReg: number, isReg: boolean): void => {
    if (reg.type !== RegType.SCALAR_VALUE || (reg.id & ~BPF_ADD_CONST) !== id) return;
    if (out.length < LINKED_REGS_MAX) out.push({ frameno, spiOrReg, isReg });
    else clearScalarId(reg);
  };
  for (let i = vstate.curframe; i >= 0; i--) {
    const func = vstate.frame[i] as BpfFuncState;
    // 6.18.y: only registers live at the frame's insn can be linked.
    const live = env.opts.switches.chainLiveness ? 0xffff : env.aux[frameInsnIdx(vstate, i)]?.liveRegsBefore ?? 0xffff;
    for (let j = 0; j < 10; j++) if (live & (1 << j)) add(func.regs[j] as BpfRegState, i, j, true);
    for (let j = 0; j < func.allocatedStack / BPF_REG_SIZE; j++) {
      const s = func.stack[j];
      if (!s || !isSpilledReg(s)) continue;
      add(s.spilledPtr, i, j, false);
    }
  }
}

/** `noSync` (linkedRegsAddOnly): the delta-adjusted register is not passed through reg_bounds_sync. */
function syncLinkedRegs(vstate: BpfVerifierState, known: BpfRegState, linked: LinkedReg[], noSync: boolean): void {
  for (const e of linked) {
    const func = vstate.frame[e.frameno] as BpfFuncState;
    const reg = e.isReg ? (func.regs[e.spiOrReg] as BpfRegState) : (func.stack[e.spiOrReg] as { spilledPtr: BpfRegState }).spilledPtr;
    if (reg.type !== RegType.SCALAR_VALUE || reg === known) continue;
    if ((reg.id & ~BPF_ADD_CONST) !== (known.id & ~BPF_ADD_CONST)) continue;
    // 6.18.y: no propagation between a 32-bit and a 64-bit delta.
    if (((reg.id ^ known.id) & BPF_ADD_CONST) === BPF_ADD_CONST) continue;
    if ((!(reg.id & BPF_ADD_CONST) && !(known.id & BPF_ADD_CONST)) || reg.off === known.off) {
      const sd = reg.subregDef;
      copyRegisterState(reg, known);
      reg.subregDef = sd;
    } else {
      const sd = reg.subregDef;
      const off = reg.off;
      const savedId = reg.id;
      const fake = newRegState();
      fake.type = RegType.SCALAR_VALUE;
      markRegKnown(fake, BigInt(reg.off) - BigInt(known.off));
      copyRegisterState(reg, known);
      reg.off = off;
      reg.id = savedId;
      reg.subregDef = sd;
      scalar32MinMaxAdd(reg, fake);
      scalarMinMaxAdd(reg, fake);
      reg.varOff = tnumAdd(reg.varOff, fake.varOff);
      if ((savedId | known.id) & BPF_ADD_CONST32) zextReg32(reg);
      if (!noSync) regBoundsSync(reg);
    }
  }
}

/** find_prev_entry: a checkpoint at idx on the current DFS path, shallower than `cur`. */
function findPrevEntry(env: VerifierEnv, cur: BpfVerifierState | null, idx: number): BpfVerifierState | null {
  if (!cur) return null;
  for (const sl of exploredBucket(env, idx)) {
    const st = sl.state;
    if (st.insnIdx === idx && st.branches && sameCallsites(st, cur) && st.dfsDepth < cur.dfsDepth) return st;
  }
  return null;
}

function widenImpreciseScalars(env: VerifierEnv, old: BpfVerifierState, cur: BpfVerifierState): void {
  const m = newIdMap(env);
  const widen = (rold: BpfRegState, rcur: BpfRegState): void => {
    if (rold.type !== RegType.SCALAR_VALUE || rold.type !== rcur.type) return;
    if (rold.precise || rcur.precise || regsExact(rold, rcur, m)) return;
    markRegUnknown(rcur);
  };
  for (let fr = old.curframe; fr >= 0; fr--) {
    const fold = old.frame[fr] as BpfFuncState;
    const fcur = cur.frame[fr] as BpfFuncState;
    for (let i = 0; i < 11; i++) widen(fold.regs[i] as BpfRegState, fcur.regs[i] as BpfRegState);
    const n = Math.min(fold.allocatedStack, fcur.allocatedStack) / BPF_REG_SIZE;
    for (let i = 0; i < n; i++) {
      const so = fold.stack[i] as BpfStackState;
      const sc = fcur.stack[i] as BpfStackState;
      if (!isSpilledReg(so) || !isSpilledReg(sc)) continue;
      widen(so.spilledPtr, sc.spilledPtr);
    }
  }
}

/** reg_not_null: pointer types that are never NULL (stack and ctx pointers are not among them). */
const regNotNull = (r: BpfRegState): boolean => {
  if (r.typeFlags & PTR_MAYBE_NULL) return false;
  switch (r.type) {
    case RegType.PTR_TO_SOCKET: case RegType.PTR_TO_TCP_SOCK: case RegType.PTR_TO_MAP_VALUE: case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_SOCK_COMMON: case RegType.PTR_TO_MEM: case RegType.CONST_PTR_TO_MAP:
      return true;
    default:
      return false;
  }
};

export function checkCondJmpOp(env: VerifierEnv, insn: Insn): number {
  const thisBranch = env.curState;
  const regs = curRegs(env);
  const opcode = opJmp(insn.code);
  const idx = env.insnIdx;

  if (opcode === BPF_JA || opcode > BPF_JCOND) {
    verbose(env, `invalid BPF_JMP/JMP32 opcode ${opcode.toString(16)}\n`);
    throw new VerifierError(EINVAL, 'jmp opcode');
  }
  if (opcode === BPF_JCOND) {
    if (insn.code !== (BPF_JMP | BPF_JCOND) || insn.src !== BPF_MAY_GOTO || insn.dst || insn.imm) {
      verbose(env, `invalid may_goto imm ${insn.imm}\n`);
      throw new VerifierError(EINVAL, 'may_goto');
    }
    const prev = findPrevEntry(env, thisBranch.parent, idx);
    let queued: BpfVerifierState;
    try {
      queued = pushStack(env, idx + 1, idx, false);
    } catch (e) {
      // push_stack failing here is -ENOMEM (conditional jumps report -EFAULT)
      if (e instanceof VerifierError && !env.opts.switches.pushStackE2big) throw new VerifierError(ENOMEM, e.message);
      throw e;
    }
    queued.mayGotoDepth++;
    if (prev) widenImpreciseScalars(env, prev, queued);
    return idx + insn.off + 1;
  }

  checkRegArg(env, insn.dst, RegArgType.SRC_OP);
  const dst = regs[insn.dst] as BpfRegState;
  let src: BpfRegState;
  let insnFlags = 0;
  if (opSrc(insn.code) === BPF_X) {
    if (insn.imm !== 0) {
      verbose(env, 'BPF_JMP/JMP32 uses reserved fields\n');
      throw new VerifierError(EINVAL, 'jmp');
    }
    checkRegArg(env, insn.src, RegArgType.SRC_OP);
    src = regs[insn.src] as BpfRegState;
    const pkt = (r: BpfRegState): boolean => r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META || r.type === RegType.PTR_TO_PACKET_END;
    if (!(pkt(dst) && pkt(src)) && !env.allowPtrLeaks && src.type !== RegType.SCALAR_VALUE) {
      verbose(env, `R${insn.src} pointer comparison prohibited\n`);
      throw new VerifierError(EACCES, 'ptr cmp');
    }
    if (src.type === RegType.PTR_TO_STACK) insnFlags |= INSN_F_SRC_REG_STACK;
    if (dst.type === RegType.PTR_TO_STACK) insnFlags |= INSN_F_DST_REG_STACK;
  } else {
    if (insn.src !== 0) {
      verbose(env, 'BPF_JMP/JMP32 uses reserved fields\n');
      throw new VerifierError(EINVAL, 'jmp');
    }
    src = scratchKnownScalar(immSrc, BigInt(insn.imm));
    if (dst.type === RegType.PTR_TO_STACK) insnFlags |= INSN_F_DST_REG_STACK;
  }
  if (insnFlags) pushJmpHistory(env, thisBranch, insnFlags, 0n);

  const isJmp32 = opClass(insn.code) === BPF_JMP32;
  const pred = isBranchTaken(dst, src, opcode, isJmp32, regNotNull);
  if (pred >= 0) {
    if (dst.type === RegType.SCALAR_VALUE) markChainPrecision(env, insn.dst);
    if (opSrc(insn.code) === BPF_X && src.type === RegType.SCALAR_VALUE) markChainPrecision(env, insn.src);
  }
  if (pred === 1) {
    if (logLevel1(env)) printInsnState(env, thisBranch, thisBranch.curframe);
    return idx + insn.off + 1;
  }
  if (pred === 0) {
    if (logLevel1(env)) printInsnState(env, thisBranch, thisBranch.curframe);
    return idx + 1;
  }

  const linked: LinkedReg[] = [];
  if (opSrc(insn.code) === BPF_X && src.type === RegType.SCALAR_VALUE && src.id) collectLinkedRegs(env, thisBranch, src.id, linked);
  if (dst.type === RegType.SCALAR_VALUE && dst.id) collectLinkedRegs(env, thisBranch, dst.id, linked);
  if (linked.length > 1) pushJmpHistory(env, thisBranch, 0, linkedRegsPack(linked));

  const other = pushStack(env, idx + insn.off + 1, idx, false);
  const otherRegs = (other.frame[other.curframe] as BpfFuncState).regs;
  let msgs: string[];
  if (opSrc(insn.code) === BPF_X) {
    msgs = regSetMinMax(otherRegs[insn.dst] as BpfRegState, otherRegs[insn.src] as BpfRegState, dst, src, opcode, isJmp32);
  } else {
    const fake0 = src;
    const fake1 = immFake1;
    copyRegState(fake1, fake0);
    msgs = regSetMinMax(otherRegs[insn.dst] as BpfRegState, fake0, dst, fake1, opcode, isJmp32);
  }
  for (const m of msgs) verboseInvariants(env, m);

  if (opSrc(insn.code) === BPF_X && src.type === RegType.SCALAR_VALUE && src.id) {
    syncLinkedRegs(thisBranch, src, linked, env.opts.switches.linkedRegsAddOnly);
    syncLinkedRegs(other, otherRegs[insn.src] as BpfRegState, linked, env.opts.switches.linkedRegsAddOnly);
  }
  if (dst.type === RegType.SCALAR_VALUE && dst.id) {
    syncLinkedRegs(thisBranch, dst, linked, env.opts.switches.linkedRegsAddOnly);
    syncLinkedRegs(other, otherRegs[insn.dst] as BpfRegState, linked, env.opts.switches.linkedRegsAddOnly);
  }
  // A maybe-null pointer compared with a non-null one is non-null where they are equal.
  if (!isJmp32 && opSrc(insn.code) === BPF_X && src.type !== RegType.SCALAR_VALUE && dst.type !== RegType.SCALAR_VALUE &&
    (src.typeFlags & PTR_MAYBE_NULL) !== (dst.typeFlags & PTR_MAYBE_NULL) &&
    src.type !== RegType.PTR_TO_BTF_ID && dst.type !== RegType.PTR_TO_BTF_ID) {
    const eqRegs = opcode === BPF_JEQ ? otherRegs : opcode === BPF_JNE ? regs : null;
    if (eqRegs) markPtrNotNullReg(eqRegs[(src.typeFlags & PTR_MAYBE_NULL) ? insn.src : insn.dst] as BpfRegState);
  }
  if (!isJmp32 && opSrc(insn.code) !== BPF_X && insn.imm === 0 && (opcode === BPF_JEQ || opcode === BPF_JNE) &&
    (dst.typeFlags & PTR_MAYBE_NULL)) {
    markPtrOrNullRegs(thisBranch, insn.dst, opcode === BPF_JNE);
    markPtrOrNullRegs(other, insn.dst, opcode === BPF_JEQ);
  } else if (!tryMatchPktPointers(insn, dst, regs[insn.src] as BpfRegState, thisBranch, other) &&
    !env.allowPtrLeaks && dst.type !== RegType.SCALAR_VALUE) {
    verbose(env, `R${insn.dst} pointer comparison prohibited\n`);
    throw new VerifierError(EACCES, 'ptr cmp');
  }
  if (logLevel1(env)) printInsnState(env, thisBranch, thisBranch.curframe);
  return idx + 1;
}

