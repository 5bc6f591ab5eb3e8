// print_verifier_state / print_insn_state and the scratch marks that decide
// which registers and slots an instruction's state line shows.
import { MAX_BPF_REG } from '../../isa/opcode.js';
import { type VerifierEnv, verbose } from '../state/env.js';
import { REG_LIVE_DONE, REG_LIVE_READ, REG_LIVE_WRITTEN, RegType } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfVerifierState, slotBit } from '../state/state.js';
import { formatRegState, type RegFmtOpts } from './regfmt.js';
import { mapInfoFor } from './regfmt.js';

const SLOT_CHAR: Record<number, string> = {
  [SlotType.STACK_INVALID]: '?',
  [SlotType.STACK_SPILL]: 'r',
  [SlotType.STACK_MISC]: 'm',
  [SlotType.STACK_ZERO]: '0',
  [SlotType.STACK_DYNPTR]: 'd',
  [SlotType.STACK_ITER]: 'i',
  [SlotType.STACK_IRQ_FLAG]: 'f',
};

const BPF_LOG_ALIGNMENT = 40;
const ALL_SLOTS = (1n << 64n) - 1n;
const BPF_LOG_MIN_ALIGNMENT = 8;

export const markRegScratched = (env: VerifierEnv, regno: number): void => {
  env.scratchedRegs |= 1 << regno;
};
export const markStackSlotScratched = (env: VerifierEnv, spi: number): void => {
  env.scratchedStack |= slotBit(spi);
};
export const markVerifierStateClean = (env: VerifierEnv): void => {
  env.scratchedRegs = 0;
  env.scratchedStack = 0n;
};
export const markVerifierStateScratched = (env: VerifierEnv): void => {
  env.scratchedRegs = (1 << MAX_BPF_REG) - 1;
  env.scratchedStack = ALL_SLOTS;
};
export const verifierStateScratched = (env: VerifierEnv): boolean => env.scratchedRegs !== 0 || env.scratchedStack !== 0n;

/** print_liveness (chain liveness only): `_r`, `_w`, `_D` after a register or slot name. */
export function livenessSuffix(live: number): string {
  if (!(live & (REG_LIVE_READ | REG_LIVE_WRITTEN | REG_LIVE_DONE))) return '';
  return `_${live & REG_LIVE_READ ? 'r' : ''}${live & REG_LIVE_WRITTEN ? 'w' : ''}${live & REG_LIVE_DONE ? 'D' : ''}`;
}

export function printVerifierState(env: VerifierEnv, vstate: BpfVerifierState, frameno: number, printAll: boolean): void {
  const state = vstate.frame[frameno] as BpfFuncState;
  const fmt: RegFmtOpts = env.prog.maps.length ? { stateFrameno: state.frameno, mapInfo: mapInfoFor(env.prog.maps) } : { stateFrameno: state.frameno };
  const chain = env.opts.switches.chainLiveness;
  let out = '';
  if (state.frameno) out += ` frame${state.frameno}:`;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const reg = state.regs[i];
    if (!reg || reg.type === RegType.NOT_INIT) continue;
    if (!printAll && !(env.scratchedRegs & (1 << i))) continue;
    out += ` R${i}${chain ? livenessSuffix(reg.live) : ''}=${formatRegState(reg, fmt)}`;
  }
  for (let i = 0; i < state.allocatedStack / BPF_REG_SIZE; i++) {
    if (!printAll && !(env.scratchedStack & slotBit(i))) continue;
    const slot = state.stack[i];
    if (!slot) continue;
    let types = '';
    let valid = false;
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      const t = slot.slotType[j] as SlotType;
      if (t !== SlotType.STACK_INVALID) valid = true;
      types += SLOT_CHAR[t] ?? '?';
    }
    if (!valid) continue;
    const off = (-i - 1) * BPF_REG_SIZE;
    const sfx = chain ? livenessSuffix(slot.spilledPtr.live) : '';
    if (slot.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL) {
      // print MISC/ZERO/INVALID bytes above a sub-register spill
      let j = 0;
      while (j < BPF_REG_SIZE && slot.slotType[j] !== SlotType.STACK_SPILL) j++;
      out += ` fp${off}${sfx}=${types.slice(0, j)}${formatRegState(slot.spilledPtr, fmt)}`;
    } else {
      out += ` fp${off}${sfx}=${types}`;
    }
  }
  if (state.inCallbackFn) out += ' cb';
  if (state.inAsyncCallbackFn) out += ' async_cb';
  verbose(env, `${out}\n`);
  if (!printAll) markVerifierStateClean(env);
}

const vlogAlignment = (pos: number): number => {
  const x = Math.max(pos + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(x / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - pos - 1;
};

export function printInsnState(env: VerifierEnv, vstate: BpfVerifierState, frameno: number): void {
  if (env.prevLogPos && env.prevLogPos === env.log.endPos) {
    env.log.reset(env.prevLogPos - 1);
    verbose(env, `${' '.repeat(Math.max(vlogAlignment(env.prevInsnPrintPos), 1))};`);
  } else {
    verbose(env, `${env.insnIdx}:`);
  }
  printVerifierState(env, vstate, frameno, false);
}
