// Stack reads and writes: spill/fill tracking, slot types, fixed and
// variable offsets (check_stack_{read,write}_{fixed,var}_off).
import { BPF_ST, BPF_MEM, opClass, opMode } from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import { INSN_F_STACK_ACCESS, INSN_F_SPI_SHIFT } from '../../history/history.js';
import { type VerifierEnv, VerifierError, EACCES, EINVAL, verbose } from '../state/env.js';
import { RegType, BPF_ADD_CONST, REG_LIVE_WRITTEN, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfStackState, slotBit } from '../state/state.js';
import { copyRegisterState, newStackSlot, newRegState, scratchKnownScalar } from '../state/regState.js';
import { markRegConstZero, markRegUnknown, getRegWidth, registerIsNull, clearScalarId } from '../state/scalar.js';
import { tnumIsConst } from '../state/tnum.js';
import { tnumStrn as tnumStr } from '../log/regfmt.js';
import { markStackSlotScratched } from '../log/logState.js';
import { pushJmpHistory } from '../state/history.js';
import { markChainPrecision } from '../precision/backtrack.js';
import { bpfMarkStackRead, bpfMarkStackWrite } from '../liveness/liveness.js';
import { curFrame } from './regArg.js';

/** The immediate of a BPF_ST spill (scratchKnownScalar). */
const immReg = newRegState();

const insnStackAccessFlags = (frameno: number, spi: number): number => INSN_F_STACK_ACCESS | (spi << INSN_F_SPI_SHIFT) | frameno;

export const isSpilledReg = (s: BpfStackState): boolean => s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL;
export const isSpilledScalarReg = (s: BpfStackState): boolean => isSpilledReg(s) && s.spilledPtr.type === RegType.SCALAR_VALUE;
const isStackSlotSpecial = (s: BpfStackState): boolean => {
  const t = s.slotType[BPF_REG_SIZE - 1];
  return t === SlotType.STACK_SPILL || t === SlotType.STACK_DYNPTR || t === SlotType.STACK_ITER || t === SlotType.STACK_IRQ_FLAG;
};

/** is_spillable_regtype: pointer types a register spill may save. */
const SPILLABLE = new Set<RegType>([
  RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_STACK, RegType.PTR_TO_CTX, RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META,
  RegType.PTR_TO_PACKET_END, RegType.PTR_TO_FLOW_KEYS, RegType.CONST_PTR_TO_MAP, RegType.PTR_TO_SOCKET,
  RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK, RegType.PTR_TO_XDP_SOCK, RegType.PTR_TO_BTF_ID, RegType.PTR_TO_BUF,
  RegType.PTR_TO_MEM, RegType.PTR_TO_FUNC, RegType.PTR_TO_MAP_KEY, RegType.PTR_TO_ARENA,
]);
const isSpillableRegtype = (t: RegType): boolean => SPILLABLE.has(t);

const isBpfStMem = (insn: Insn): boolean => opClass(insn.code) === BPF_ST && opMode(insn.code) === BPF_MEM;

/** grow_stack_state: make sure `size` bytes of stack are allocated. */
export function growStackState(env: VerifierEnv, state: BpfFuncState, size: number): void {
  const n = Math.ceil(size / BPF_REG_SIZE);
  const old = state.allocatedStack / BPF_REG_SIZE;
  if (old >= n) return;
  for (let i = old; i < n; i++) state.stack.push(newStackSlot());
  state.allocatedStack = n * BPF_REG_SIZE;
  if ((env.stackDepth[state.subprogno] ?? 0) < state.allocatedStack) env.stackDepth[state.subprogno] = state.allocatedStack;
}

function markStackSlotMisc(stype: SlotType[], i: number): void {
  const t = stype[i];
  if (t === SlotType.STACK_ZERO || t === SlotType.STACK_INVALID) return;
  stype[i] = SlotType.STACK_MISC;
}

function scrubSpilledSlot(stype: SlotType[], i: number): void {
  if (stype[i] !== SlotType.STACK_INVALID) stype[i] = SlotType.STACK_MISC;
}

/** scrub_special_slot: a data write destroys any spilled register, dynptr or iterator. */
function scrubSpecialSlot(slot: BpfStackState): void {
  slot.spilledPtr.type = RegType.NOT_INIT;
  if (isStackSlotSpecial(slot)) for (let i = 0; i < BPF_REG_SIZE; i++) scrubSpilledSlot(slot.slotType, i);
}

function saveRegisterState(state: BpfFuncState, spi: number, reg: BpfRegState, size: number): void {
  const slot = state.stack[spi] as BpfStackState;
  copyRegisterState(slot.spilledPtr, reg);
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.slotType[i - 1] = SlotType.STACK_SPILL;
  for (; i; i--) markStackSlotMisc(slot.slotType, i - 1);
}

/** assign_scalar_id_before_mov */
export function assignScalarIdBeforeMov(env: VerifierEnv, src: BpfRegState): void {
  if (src.type !== RegType.SCALAR_VALUE) return;
  if (src.id & BPF_ADD_CONST) {
    src.id = 0;
    src.off = 0;
  }
  if (!src.id && !tnumIsConst(src.varOff)) src.id = ++env.idGen;
}

export function checkStackWriteFixedOff(env: VerifierEnv, state: BpfFuncState, off: number, size: number, valueRegno: number, insnIdx: number): void {
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  const insn = env.insns[insnIdx] as Insn;
  let insnFlags = insnStackAccessFlags(state.frameno, spi);
  const cur = curFrame(env);
  const reg = valueRegno >= 0 ? (cur.regs[valueRegno] as BpfRegState) : null;
  const slot = state.stack[spi] as BpfStackState;

  if (!(off % BPF_REG_SIZE) && size === BPF_REG_SIZE) bpfMarkStackWrite(env, state.frameno, slotBit(spi));
  markStackSlotScratched(env, spi);

  if (reg && !(off % BPF_REG_SIZE) && reg.type === RegType.SCALAR_VALUE && env.bpfCapable) {
    const fits = getRegWidth(reg) <= 8 * size;
    if (fits) assignScalarIdBeforeMov(env, reg);
    saveRegisterState(state, spi, reg, size);
    if (!fits) clearScalarId(slot.spilledPtr);
  } else if (!reg && !(off % BPF_REG_SIZE) && isBpfStMem(insn) && env.bpfCapable) {
    saveRegisterState(state, spi, scratchKnownScalar(immReg, BigInt(insn.imm)), size);
  } else if (reg && isSpillableRegtype(reg.type)) {
    if (size !== BPF_REG_SIZE) {
      verbose(env, 'invalid size of register spill\n');
      throw new VerifierError(EACCES, 'spill size');
    }
    if (state !== cur && reg.type === RegType.PTR_TO_STACK) {
      verbose(env, 'cannot spill pointers to stack into stack frame of the caller\n');
      throw new VerifierError(EINVAL, 'spill');
    }
    saveRegisterState(state, spi, reg, size);
  } else {
    let type = SlotType.STACK_MISC;
    scrubSpecialSlot(slot);
    if ((reg && registerIsNull(reg)) || (!reg && isBpfStMem(insn) && insn.imm === 0)) {
      if (valueRegno >= 0) markChainPrecision(env, valueRegno);
      type = SlotType.STACK_ZERO;
    }
    for (let i = 0; i < size; i++) slot.slotType[(slotIdx - i) % BPF_REG_SIZE] = type;
    insnFlags = 0;
  }
  if (insnFlags) pushJmpHistory(env, env.curState, insnFlags, 0n);
}

export function checkStackWriteVarOff(env: VerifierEnv, state: BpfFuncState, ptrRegno: number, off: number, size: number, valueRegno: number, insnIdx: number): void {
  const cur = curFrame(env);
  const ptr = cur.regs[ptrRegno] as BpfRegState;
  const insn = env.insns[insnIdx] as Insn;
  const minOff = Number(ptr.smin) + off;
  const maxOff = Number(ptr.smax) + off + size;
  const value = valueRegno >= 0 ? (cur.regs[valueRegno] as BpfRegState) : null;
  const writingZero = (value && registerIsNull(value)) || (!value && isBpfStMem(insn) && insn.imm === 0);
  let zeroUsed = false;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    const slot = state.stack[spi] as BpfStackState;
    const b = slotIdx % BPF_REG_SIZE;
    markStackSlotScratched(env, spi);
    const st = slot.slotType[b] as SlotType;
    if (writingZero && st === SlotType.STACK_SPILL && isSpilledScalarReg(slot)) {
      const sr = slot.spilledPtr;
      if (tnumIsConst(sr.varOff) && sr.varOff.value === 0n) {
        zeroUsed = true;
        continue;
      }
    }
    scrubSpecialSlot(slot);
    let nt = SlotType.STACK_MISC;
    if (writingZero && st === SlotType.STACK_ZERO) {
      nt = SlotType.STACK_ZERO;
      zeroUsed = true;
    }
    if (st === SlotType.STACK_INVALID && !env.allowUninitStack) {
      verbose(env, `uninit stack in range of var-offset write prohibited for !root; insn ${insnIdx}, off: ${i}`);
      throw new VerifierError(EINVAL, 'uninit');
    }
    slot.slotType[b] = nt;
  }
  if (zeroUsed) markChainPrecision(env, valueRegno);
}

function markRegStackRead(env: VerifierEnv, ptrState: BpfFuncState, minOff: number, maxOff: number, dstRegno: number): void {
  const state = curFrame(env);
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    markStackSlotScratched(env, spi);
    if ((ptrState.stack[spi] as BpfStackState).slotType[slotIdx % BPF_REG_SIZE] !== SlotType.STACK_ZERO) break;
    zeros++;
  }
  const dst = state.regs[dstRegno] as BpfRegState;
  if (zeros === maxOff - minOff) markRegConstZero(dst);
  else markRegUnknown(dst);
}

export function checkStackReadFixedOff(env: VerifierEnv, regState: BpfFuncState, off: number, size: number, dstRegno: number): void {
  const state = curFrame(env);
  const slotIdx = -off - 1;
  const spi = Math.floor(slotIdx / BPF_REG_SIZE);
  let insnFlags = insnStackAccessFlags(regState.frameno, spi);
  const slot = regState.stack[spi] as BpfStackState;
  const stype = slot.slotType;
  const reg = slot.spilledPtr;
  markStackSlotScratched(env, spi);
  bpfMarkStackRead(env, regState.frameno, env.insnIdx, slotBit(spi));

  if (isSpilledReg(slot)) {
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && stype[i - 1] === SlotType.STACK_SPILL; i--) spillSize++;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (reg.type !== RegType.SCALAR_VALUE) {
        verbose(env, 'invalid size of register fill\n');
        throw new VerifierError(EACCES, 'fill');
      }
      if (dstRegno < 0) return;
      if (size <= spillSize && stackNarrowAccessOk(off, size, spillSize)) {
        const dst = state.regs[dstRegno] as BpfRegState;
        const subregDef = dst.subregDef;
        copyRegisterState(dst, reg);
        dst.subregDef = subregDef;
        if (getRegWidth(reg) > size * 8) clearScalarId(dst);
      } else {
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const t = stype[(slotIdx - i) % BPF_REG_SIZE];
          if (t === SlotType.STACK_SPILL) { spillCnt++; continue; }
          if (t === SlotType.STACK_MISC) continue;
          if (t === SlotType.STACK_ZERO) { zeroCnt++; continue; }
          if (t === SlotType.STACK_INVALID && env.allowUninitStack) continue;
          verbose(env, `invalid read from stack off ${off}+${i} size ${size}\n`);
          throw new VerifierError(EACCES, 'read');
        }
        const dst = state.regs[dstRegno] as BpfRegState;
        if (spillCnt === size && tnumIsConst(reg.varOff) && reg.varOff.value === 0n) {
          markRegConstZero(dst);
        } else if (zeroCnt === size) {
          markRegConstZero(dst);
          insnFlags = 0;
        } else {
          markRegUnknown(dst);
          insnFlags = 0;
        }
      }
    } else if (dstRegno >= 0) {
      copyRegisterState(state.regs[dstRegno] as BpfRegState, reg);
      // a fill is a write of dst even where the spilled copy lost its marks at a checkpoint
      if (env.opts.switches.chainLiveness) (state.regs[dstRegno] as BpfRegState).live |= REG_LIVE_WRITTEN;
    } else if (!env.allowPtrLeaks && reg.type !== RegType.SCALAR_VALUE) {
      verbose(env, `leaking pointer from stack off ${off}\n`);
      throw new VerifierError(EACCES, 'leak');
    }
  } else {
    for (let i = 0; i < size; i++) {
      const t = stype[(slotIdx - i) % BPF_REG_SIZE];
      if (t === SlotType.STACK_MISC || t === SlotType.STACK_ZERO) continue;
      if (t === SlotType.STACK_INVALID && env.allowUninitStack) continue;
      verbose(env, `invalid read from stack off ${off}+${i} size ${size}\n`);
      throw new VerifierError(EACCES, 'read');
    }
    if (dstRegno >= 0) markRegStackRead(env, regState, off, off + size, dstRegno);
    insnFlags = 0;
  }
  if (insnFlags) pushJmpHistory(env, env.curState, insnFlags, 0n);
}

/** bpf_stack_narrow_access_ok on little endian: the fill reads the spill's low bytes. */
const stackNarrowAccessOk = (off: number, _fillSize: number, _spillSize: number): boolean => off % BPF_REG_SIZE === 0;

export function checkStackReadVarOff(env: VerifierEnv, ptrRegno: number, off: number, size: number, dstRegno: number, ptrState: BpfFuncState): void {
  const reg = curFrame(env).regs[ptrRegno] as BpfRegState;
  checkStackRangeInitialized(env, ptrRegno, off, size, ptrState);
  const minOff = Number(reg.smin) + off;
  const maxOff = Number(reg.smax) + off;
  markRegStackRead(env, ptrState, minOff, maxOff + size, dstRegno);
}

/** check_stack_range_initialized for a BPF_READ through a variable offset (no helper meta). */
function checkStackRangeInitialized(env: VerifierEnv, regno: number, off: number, accessSize: number, state: BpfFuncState): void {
  const reg = curFrame(env).regs[regno] as BpfRegState;
  const minOff = Number(reg.smin) + off;
  const maxOff = Number(reg.smax) + off + accessSize;
  for (let i = minOff; i < maxOff; i++) {
    const slotIdx = -i - 1;
    const spi = Math.floor(slotIdx / BPF_REG_SIZE);
    const slot = state.stack[spi];
    if (!slot) continue;
    const t = slot.slotType[slotIdx % BPF_REG_SIZE];
    if (t === SlotType.STACK_MISC || t === SlotType.STACK_ZERO) continue;
    if (isSpilledReg(slot) && (slot.spilledPtr.type === RegType.SCALAR_VALUE || env.allowPtrLeaks)) continue;
    if (t === SlotType.STACK_INVALID && env.allowUninitStack) continue;
    verbose(env, `invalid variable-offset read from stack R${regno} var_off=${tnumStr(reg.varOff)} off=${off} size=${accessSize}\n`);
    throw new VerifierError(EACCES, 'var read');
  }
  // Reads through variable offsets mark every slot of the range as read.
  for (let i = minOff; i < maxOff; i += 1) {
    const spi = Math.floor((-i - 1) / BPF_REG_SIZE);
    bpfMarkStackRead(env, state.frameno, env.insnIdx, slotBit(spi));
  }
}

