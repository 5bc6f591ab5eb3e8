// Conditional jump reasoning for scalars (verifier.c is_scalar_branch_taken,
// is_branch_taken, flip_opcode, rev_opcode, regs_refine_cond_op,
// reg_set_min_max). Opcodes are BPF_OP values (BPF_JEQ, ...); the reversed
// JSET is BPF_JSET | BPF_X as in the kernel.
import {
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT,
  BPF_JSLE, BPF_X,
} from '../../isa/opcode.js';
import { RegType, PTR_MAYBE_NULL, type BpfRegState } from '../state/reg.js';
import {
  type Tnum, tnumSubreg, tnumSubregIsConst, tnumIsConst, tnumOverlap, tnumIntersect, tnumWithSubreg, tnumOr,
  tnumAnd, tnumConst,
} from '../state/tnum.js';
import {
  isRegConst, regConstValue, markRegUnbounded, regBoundsSync, regBoundsSanityReset, toU64, toS64,
  lo32, lo32s,
} from '../state/scalar.js';

export type BranchOutcome = 1 | 0 | -1;

/** The reversed JSET (no BPF opcode exists for it). */
export const BPF_JSET_REV = BPF_JSET | BPF_X;

/** Packet-pointer range markers (enum bpf_pkt_range markers in reg->range). */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

/** flip_opcode: `a op b` as `b op' a`. */
export function flipOpcode(opcode: number): number {
  switch (opcode) {
    case BPF_JEQ: case BPF_JNE: case BPF_JSET: return opcode;
    case BPF_JGE: return BPF_JLE;
    case BPF_JGT: return BPF_JLT;
    case BPF_JLE: return BPF_JGE;
    case BPF_JLT: return BPF_JGT;
    case BPF_JSGE: return BPF_JSLE;
    case BPF_JSGT: return BPF_JSLT;
    case BPF_JSLE: return BPF_JSGE;
    case BPF_JSLT: return BPF_JSGT;
    default: return 0;
  }
}

/** rev_opcode: the condition of the fall-through branch. */
export function revOpcode(opcode: number): number {
  switch (opcode) {
    case BPF_JEQ: return BPF_JNE;
    case BPF_JNE: return BPF_JEQ;
    case BPF_JSET: return BPF_JSET_REV;
    case BPF_JSET_REV: return BPF_JSET;
    case BPF_JGE: return BPF_JLT;
    case BPF_JGT: return BPF_JLE;
    case BPF_JLE: return BPF_JGT;
    case BPF_JLT: return BPF_JGE;
    case BPF_JSGE: return BPF_JSLT;
    case BPF_JSGT: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGT;
    case BPF_JSLT: return BPF_JSGE;
    default: return 0;
  }
}

/** is_scalar_branch_taken: 1 taken, 0 not taken, -1 unknown. */
export function isScalarBranchTaken(reg1: BpfRegState, reg2: BpfRegState, opcode: number, is32: boolean): BranchOutcome {
  if (is32) return isScalarBranchTaken32(reg1, reg2, opcode);
  let t1: Tnum = reg1.varOff;
  let t2: Tnum = reg2.varOff;
  const umin1 = reg1.umin, umax1 = reg1.umax, smin1 = reg1.smin, smax1 = reg1.smax;
  const umin2 = reg2.umin, umax2 = reg2.umax, smin2 = reg2.smin, smax2 = reg2.smax;

  switch (opcode) {
    case BPF_JEQ:
    case BPF_JNE: {
      const eq = opcode === BPF_JEQ;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return (t1.value === t2.value) === eq ? 1 : 0;
      const differ = !tnumOverlap(t1, t2) ||
        umin1 > umax2 || umax1 < umin2 ||
        smin1 > smax2 || smax1 < smin2 ||
        reg1.u32Min > reg2.u32Max || reg1.u32Max < reg2.u32Min ||
        reg1.s32Min > reg2.s32Max || reg1.s32Max < reg2.s32Min;
      if (differ) return eq ? 0 : 1;
      break;
    }
    case BPF_JSET: {
      if (!isRegConst(reg2, false)) {
        const tr = reg1; reg1 = reg2; reg2 = tr;
        const tt = t1; t1 = t2; t2 = tt;
      }
      if (!isRegConst(reg2, false)) return -1;
      if ((~t1.mask & t1.value) & t2.value) return 1;
      if (!((t1.mask | t1.value) & t2.value)) return 0;
      break;
    }
    default:
      return rangeBranchTaken(opcode, umin1, umax1, smin1, smax1, umin2, umax2, smin2, smax2);
  }
  return -1;
}

/**
 * The 32-bit half of is_scalar_branch_taken: the subregister tnums and the
 * u32/s32 bounds, all on numbers (the low halves of var_off via lo32).
 */
function isScalarBranchTaken32(reg1: BpfRegState, reg2: BpfRegState, opcode: number): BranchOutcome {
  switch (opcode) {
    case BPF_JEQ:
    case BPF_JNE: {
      const eq = opcode === BPF_JEQ;
      const v1 = lo32(reg1.varOff.value), v2 = lo32(reg2.varOff.value);
      if (tnumSubregIsConst(reg1.varOff) && tnumSubregIsConst(reg2.varOff)) return (v1 === v2) === eq ? 1 : 0;
      // tnum_overlap of the subregisters: the known low bits of both agree
      const mu = (~lo32(reg1.varOff.mask) & ~lo32(reg2.varOff.mask)) >>> 0;
      const differ = ((v1 & mu) >>> 0) !== ((v2 & mu) >>> 0) ||
        reg1.u32Min > reg2.u32Max || reg1.u32Max < reg2.u32Min ||
        reg1.s32Min > reg2.s32Max || reg1.s32Max < reg2.s32Min;
      if (differ) return eq ? 0 : 1;
      return -1;
    }
    case BPF_JSET: {
      if (!isRegConst(reg2, true)) {
        const tr = reg1; reg1 = reg2; reg2 = tr;
      }
      if (!isRegConst(reg2, true)) return -1;
      const v1 = lo32(reg1.varOff.value), m1 = lo32(reg1.varOff.mask), v2 = lo32(reg2.varOff.value);
      if ((~m1 & v1 & v2) >>> 0) return 1;
      if (!(((m1 | v1) & v2) >>> 0)) return 0;
      return -1;
    }
    default:
      return rangeBranchTaken(opcode, reg1.u32Min, reg1.u32Max, reg1.s32Min, reg1.s32Max,
        reg2.u32Min, reg2.u32Max, reg2.s32Min, reg2.s32Max);
  }
}

/** The range rules of is_scalar_branch_taken, for 64-bit (bigint) or 32-bit (number) bounds. */
function rangeBranchTaken<T extends bigint | number>(opcode: number, umin1: T, umax1: T, smin1: T, smax1: T,
  umin2: T, umax2: T, smin2: T, smax2: T): BranchOutcome {
  switch (opcode) {
    case BPF_JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      break;
    case BPF_JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      break;
    case BPF_JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      break;
    case BPF_JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      break;
    case BPF_JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      break;
    case BPF_JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      break;
    case BPF_JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      break;
    case BPF_JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      break;
    default:
      break;
  }
  return -1;
}

const isPktPointer = (r: BpfRegState): boolean =>
  r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META;
const isPktPointerAny = (r: BpfRegState): boolean => isPktPointer(r) || r.type === RegType.PTR_TO_PACKET_END;

/** is_pkt_ptr_branch_taken (both regs packet pointers, 64-bit compare). */
export function isPktPtrBranchTaken(dst: BpfRegState, src: BpfRegState, opcode: number): BranchOutcome {
  let pkt: BpfRegState;
  if (src.type === RegType.PTR_TO_PACKET_END) {
    pkt = dst;
  } else if (dst.type === RegType.PTR_TO_PACKET_END) {
    pkt = src;
    opcode = flipOpcode(opcode);
  } else {
    return -1;
  }
  if (pkt.range >= 0) return -1;
  switch (opcode) {
    case BPF_JLE:
    case BPF_JGT:
      if (pkt.range === BEYOND_PKT_END) return opcode === BPF_JGT ? 1 : 0;
      break;
    case BPF_JLT:
    case BPF_JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return opcode === BPF_JGE ? 1 : 0;
      break;
    default:
      break;
  }
  return -1;
}

/**
 * is_branch_taken. `regNotNull` is the kernel's reg_not_null() for pointer
 * registers (type-specific, owned by the pointer model); without it a
 * pointer-vs-0 compare stays unknown.
 */
export function isBranchTaken(reg1: BpfRegState, reg2: BpfRegState, opcode: number, is32: boolean,
  regNotNull: (r: BpfRegState) => boolean = () => false): BranchOutcome {
  if (isPktPointerAny(reg1) && isPktPointerAny(reg2) && !is32) return isPktPtrBranchTaken(reg1, reg2, opcode);
  if (reg1.type !== RegType.SCALAR_VALUE || reg2.type !== RegType.SCALAR_VALUE) {
    if (!isRegConst(reg2, is32)) {
      opcode = flipOpcode(opcode);
      const t = reg1; reg1 = reg2; reg2 = t;
    }
    if (!isRegConst(reg2, is32)) return -1;
    if ((reg1.typeFlags & PTR_MAYBE_NULL) !== 0 || !regNotNull(reg1)) return -1;
    if (regConstValue(reg2, is32) !== 0n) return -1;
    if (opcode === BPF_JEQ) return 0;
    if (opcode === BPF_JNE) return 1;
    return -1;
  }
  return isScalarBranchTaken(reg1, reg2, opcode, is32);
}

const isPowerOf2 = (x: bigint): boolean => x !== 0n && (x & (x - 1n)) === 0n;

/**
 * regs_refine_cond_op: narrow reg1 and reg2 (in place) assuming
 * `reg1 opcode reg2` holds. reg1 and reg2 may be the same object.
 */
export function regsRefineCondOp(reg1: BpfRegState, reg2: BpfRegState, opcode: number, is32: boolean): void {
  switch (opcode) {
    case BPF_JGE: case BPF_JGT: case BPF_JSGE: case BPF_JSGT: {
      opcode = flipOpcode(opcode);
      const t = reg1; reg1 = reg2; reg2 = t;
      break;
    }
    default:
      break;
  }

  switch (opcode) {
    case BPF_JEQ:
      if (is32) {
        reg1.u32Min = Math.max(reg1.u32Min, reg2.u32Min);
        reg1.u32Max = Math.min(reg1.u32Max, reg2.u32Max);
        reg1.s32Min = Math.max(reg1.s32Min, reg2.s32Min);
        reg1.s32Max = Math.min(reg1.s32Max, reg2.s32Max);
        reg2.u32Min = reg1.u32Min;
        reg2.u32Max = reg1.u32Max;
        reg2.s32Min = reg1.s32Min;
        reg2.s32Max = reg1.s32Max;
        const t = tnumIntersect(tnumSubreg(reg1.varOff), tnumSubreg(reg2.varOff));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
        reg2.varOff = tnumWithSubreg(reg2.varOff, t);
      } else {
        reg1.umin = reg1.umin > reg2.umin ? reg1.umin : reg2.umin;
        reg1.umax = reg1.umax < reg2.umax ? reg1.umax : reg2.umax;
        reg1.smin = reg1.smin > reg2.smin ? reg1.smin : reg2.smin;
        reg1.smax = reg1.smax < reg2.smax ? reg1.smax : reg2.smax;
        reg2.umin = reg1.umin;
        reg2.umax = reg1.umax;
        reg2.smin = reg1.smin;
        reg2.smax = reg1.smax;
        reg1.varOff = tnumIntersect(reg1.varOff, reg2.varOff);
        reg2.varOff = reg1.varOff;
      }
      break;
    case BPF_JNE: {
      if (!isRegConst(reg2, is32)) {
        const t = reg1; reg1 = reg2; reg2 = t;
      }
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      if (is32) {
        // a constant at an edge shrinks the range; the kernel ignores wraparound here
        if (reg1.u32Min === lo32(val)) reg1.u32Min = (reg1.u32Min + 1) >>> 0;
        if (reg1.u32Max === lo32(val)) reg1.u32Max = (reg1.u32Max - 1) >>> 0;
        if (reg1.s32Min === lo32s(val)) reg1.s32Min = (reg1.s32Min + 1) | 0;
        if (reg1.s32Max === lo32s(val)) reg1.s32Max = (reg1.s32Max - 1) | 0;
      } else {
        if (reg1.umin === val) reg1.umin = toU64(reg1.umin + 1n);
        if (reg1.umax === val) reg1.umax = toU64(reg1.umax - 1n);
        if (reg1.smin === toS64(val)) reg1.smin = toS64(reg1.smin + 1n);
        if (reg1.smax === toS64(val)) reg1.smax = toS64(reg1.smax - 1n);
      }
      break;
    }
    case BPF_JSET: {
      if (!isRegConst(reg2, is32)) {
        const t = reg1; reg1 = reg2; reg2 = t;
      }
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      // only a single-bit mask tells which bit is set
      if (!isPowerOf2(val)) break;
      if (is32) {
        const t = tnumOr(tnumSubreg(reg1.varOff), tnumConst(val));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumOr(reg1.varOff, tnumConst(val));
      }
      break;
    }
    case BPF_JSET_REV: {
      if (!isRegConst(reg2, is32)) {
        const t = reg1; reg1 = reg2; reg2 = t;
      }
      if (!isRegConst(reg2, is32)) break;
      const val = regConstValue(reg2, is32);
      // forget ranges first: a dead branch would otherwise break invariants
      markRegUnbounded(reg1);
      if (is32) {
        const t = tnumAnd(tnumSubreg(reg1.varOff), tnumConst(toU64(~val)));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumAnd(reg1.varOff, tnumConst(toU64(~val)));
      }
      break;
    }
    case BPF_JLE:
      if (is32) {
        reg1.u32Max = Math.min(reg1.u32Max, reg2.u32Max);
        reg2.u32Min = Math.max(reg1.u32Min, reg2.u32Min);
      } else {
        reg1.umax = reg1.umax < reg2.umax ? reg1.umax : reg2.umax;
        reg2.umin = reg1.umin > reg2.umin ? reg1.umin : reg2.umin;
      }
      break;
    case BPF_JLT:
      if (is32) {
        reg1.u32Max = Math.min(reg1.u32Max, (reg2.u32Max - 1) >>> 0);
        reg2.u32Min = Math.max((reg1.u32Min + 1) >>> 0, reg2.u32Min);
      } else {
        const m = toU64(reg2.umax - 1n);
        reg1.umax = reg1.umax < m ? reg1.umax : m;
        const n = toU64(reg1.umin + 1n);
        reg2.umin = n > reg2.umin ? n : reg2.umin;
      }
      break;
    case BPF_JSLE:
      if (is32) {
        reg1.s32Max = Math.min(reg1.s32Max, reg2.s32Max);
        reg2.s32Min = Math.max(reg1.s32Min, reg2.s32Min);
      } else {
        reg1.smax = reg1.smax < reg2.smax ? reg1.smax : reg2.smax;
        reg2.smin = reg1.smin > reg2.smin ? reg1.smin : reg2.smin;
      }
      break;
    case BPF_JSLT:
      if (is32) {
        reg1.s32Max = Math.min(reg1.s32Max, (reg2.s32Max - 1) | 0);
        reg2.s32Min = Math.max((reg1.s32Min + 1) | 0, reg2.s32Min);
      } else {
        const m = toS64(reg2.smax - 1n);
        reg1.smax = reg1.smax < m ? reg1.smax : m;
        const n = toS64(reg1.smin + 1n);
        reg2.smin = n > reg2.smin ? n : reg2.smin;
      }
      break;
    default:
      break;
  }
}

/**
 * reg_set_min_max: refine the fall-through pair with rev_opcode(opcode) and
 * the jump pair with opcode, then sync and sanity-check all four (true pair
 * first). Does nothing unless the false pair are both scalars. Returns the
 * sanity messages (see regBoundsSanityCheck), usually none; for each, the
 * kernel (when not testing invariants) logs "verifier bug: ...", resets that
 * register's bounds and continues, and so does this function.
 */
export function regSetMinMax(
  trueReg1: BpfRegState, trueReg2: BpfRegState, falseReg1: BpfRegState, falseReg2: BpfRegState,
  opcode: number, is32: boolean,
): string[] {
  const msgs: string[] = [];
  if (falseReg1.type !== RegType.SCALAR_VALUE || falseReg2.type !== RegType.SCALAR_VALUE) return msgs;
  regsRefineCondOp(falseReg1, falseReg2, revOpcode(opcode), is32);
  regBoundsSync(falseReg1);
  regBoundsSync(falseReg2);
  regsRefineCondOp(trueReg1, trueReg2, opcode, is32);
  regBoundsSync(trueReg1);
  regBoundsSync(trueReg2);
  const pairs: [BpfRegState, string][] = [
    [trueReg1, 'true_reg1'], [trueReg2, 'true_reg2'], [falseReg1, 'false_reg1'], [falseReg2, 'false_reg2'],
  ];
  for (const [r, name] of pairs) {
    const m = regBoundsSanityReset(r, name);
    if (m !== null) msgs.push(m);
  }
  return msgs;
}
