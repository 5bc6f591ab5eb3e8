// Direct packet access (verifier.c check_packet_access, __check_mem_access for
// packets, check_pkt_ptr_alignment, may_access_direct_pkt_data) and the
// packet-pointer comparisons against pkt_end (find_good_pkt_pointers,
// mark_pkt_end, try_match_pkt_pointers).
import { BPF_JMP32, BPF_X, BPF_JGT, BPF_JLT, BPF_JGE, BPF_JLE, opClass, opJmp, opSrc } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { type VerifierEnv, VerifierError, EACCES, EINVAL, verbose } from '../state/env.js';
import { RegType, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfVerifierState } from '../state/state.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst } from '../state/tnum.js';
import { tnumStrn } from '../log/regfmt.js';
import { AT_PKT_END, BEYOND_PKT_END } from './branch.js';
import { curRegs } from './regArg.js';

export const MAX_PACKET_OFF = 0xffff;

/** type_is_pkt_pointer: data or data_meta (not data_end). */
export const isPktPointer = (r: BpfRegState): boolean =>
  r.typeFlags === 0 && (r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META);

/** may_access_direct_pkt_data without helper meta, for the modelled program types. */
export const mayAccessDirectPktData = (env: VerifierEnv): boolean => env.prog.progType === 'xdp';

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

/** check_pkt_ptr_alignment: strict mode emulates NET_IP_ALIGN (2). */
export function checkPktPtrAlignment(env: VerifierEnv, reg: BpfRegState, off: number, size: number, strict: boolean): void {
  if (!strict || size === 1) return;
  const ipAlign = 2;
  const regOff = tnumAdd(reg.varOff, tnumConst(BigInt(ipAlign + reg.off + off)));
  if (!tnumIsAligned(regOff, BigInt(size))) {
    fail(env, EACCES, `misaligned packet access off ${ipAlign}+${tnumStrn(reg.varOff)}+${reg.off}+${off} size ${size}`);
  }
}

/** check_packet_access; `off` already includes reg.off. */
export function checkPacketAccess(env: VerifierEnv, regno: number, off: number, size: number, zeroSizeAllowed: boolean): void {
  const reg = curRegs(env)[regno] as BpfRegState;
  if (reg.smin < 0n) {
    fail(env, EACCES, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (reg.range < 0) fail(env, EINVAL, `R${regno} offset is outside of the packet`);
  // __check_mem_access with mem_size = range
  const sizeOk = size > 0 || (size === 0 && zeroSizeAllowed);
  if (!(off >= 0 && sizeOk && off + size <= reg.range)) {
    verbose(env, `invalid access to packet, off=${off} size=${size}, R${regno}(id=${reg.id},off=${off},r=${reg.range})\n`);
    fail(env, EACCES, `R${regno} offset is outside of the packet`);
  }
}

/** Every register and spilled register of every frame (bpf_for_each_reg_in_vstate). */
export function forEachRegInVstate(vstate: BpfVerifierState, fn: (r: BpfRegState) => void): void {
  for (let i = 0; i <= vstate.curframe; i++) {
    const f = vstate.frame[i] as BpfFuncState;
    for (const r of f.regs) fn(r);
    for (let j = 0; j < f.allocatedStack / BPF_REG_SIZE; j++) {
      const s = f.stack[j];
      if (s && s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL) fn(s.spilledPtr);
    }
  }
}

/** find_good_pkt_pointers: registers sharing dst's id may access [ptr, ptr + dst.off (+1)). */
export function findGoodPktPointers(vstate: BpfVerifierState, dst: BpfRegState, type: RegType, rangeRightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  if (dst.umax > BigInt(MAX_PACKET_OFF) || dst.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  const newRange = dst.off + (rangeRightOpen ? 1 : 0);
  const id = dst.id;
  forEachRegInVstate(vstate, (r) => {
    if (r.type === type && r.typeFlags === 0 && r.id === id) r.range = Math.max(r.range, newRange);
  });
}

/** mark_pkt_end: the packet pointer is at (>=) or beyond (>) pkt_end in this branch. */
export function markPktEnd(vstate: BpfVerifierState, regno: number, rangeOpen: boolean): void {
  const reg = (vstate.frame[vstate.curframe] as BpfFuncState).regs[regno] as BpfRegState;
  if (reg.type !== RegType.PTR_TO_PACKET || reg.typeFlags !== 0) return;
  reg.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

/** reg_is_init_pkt_pointer: an unmodified pointer of type `which`. */
const regIsInitPktPointer = (r: BpfRegState, which: RegType): boolean =>
  r.type === which && r.typeFlags === 0 && r.id === 0 && r.off === 0 && tnumIsConst(r.varOff) && r.varOff.value === 0n;

/**
 * try_match_pkt_pointers: for `dst op src` between a packet pointer and
 * pkt_end (or pkt_meta and an unmodified pkt), widen ranges in the branch
 * where the access is in bounds and mark pkt_end in the other. `dst`/`src`
 * are this branch's registers.
 */
export function tryMatchPktPointers(insn: Insn, dst: BpfRegState, src: BpfRegState,
  thisBranch: BpfVerifierState, otherBranch: BpfVerifierState): boolean {
  if (opSrc(insn.code) !== BPF_X || opClass(insn.code) === BPF_JMP32) return false;
  const pkt = (r: BpfRegState, t: RegType): boolean => r.type === t && r.typeFlags === 0;
  // pkt' op pkt_end, or pkt_meta' op pkt
  const dstLeft = (pkt(dst, RegType.PTR_TO_PACKET) && pkt(src, RegType.PTR_TO_PACKET_END)) ||
    (pkt(dst, RegType.PTR_TO_PACKET_META) && regIsInitPktPointer(src, RegType.PTR_TO_PACKET));
  // pkt_end op pkt', or pkt op pkt_meta'
  const srcLeft = (pkt(dst, RegType.PTR_TO_PACKET_END) && pkt(src, RegType.PTR_TO_PACKET)) ||
    (regIsInitPktPointer(dst, RegType.PTR_TO_PACKET) && pkt(src, RegType.PTR_TO_PACKET_META));
  if (!dstLeft && !srcLeft) return false;
  // Which branch learns the range, whether it is right-open, and the pkt_end mark.
  let good: BpfVerifierState;
  let end: BpfVerifierState;
  let rightOpen: boolean;
  switch (opJmp(insn.code)) {
    case BPF_JGT:
      [good, end, rightOpen] = dstLeft ? [thisBranch, otherBranch, false] : [otherBranch, thisBranch, true];
      break;
    case BPF_JLT:
      [good, end, rightOpen] = dstLeft ? [otherBranch, thisBranch, true] : [thisBranch, otherBranch, false];
      break;
    case BPF_JGE:
      [good, end, rightOpen] = dstLeft ? [thisBranch, otherBranch, true] : [otherBranch, thisBranch, false];
      break;
    case BPF_JLE:
      [good, end, rightOpen] = dstLeft ? [otherBranch, thisBranch, false] : [thisBranch, otherBranch, true];
      break;
    default:
      return false;
  }
  const ptr = dstLeft ? dst : src;
  findGoodPktPointers(good, ptr, ptr.type, rightOpen);
  // the pkt_end mark is open (beyond) exactly when the good range is closed
  markPktEnd(end, dstLeft ? insn.dst : insn.src, !rightOpen);
  return true;
}
