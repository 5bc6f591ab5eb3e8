// check_func_arg for the argument kinds of the modelled helpers:
// ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_PTR_TO_MAP_VALUE, ARG_ANYTHING,
// with check_reg_type, check_func_arg_reg_off, check_helper_mem_access and
// check_stack_range_initialized (helper reads of the stack).
import type { MapSpec } from '../../isa/program.js';
import { type VerifierEnv, VerifierError, Unsupported, EACCES, EFAULT, verbose } from '../state/env.js';
import { RegType, PTR_TRUSTED, VMLINUX_TYPE_NAMES, VmlinuxType, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfStackState, slotBit } from '../state/state.js';
import { tnumIsConst } from '../state/tnum.js';
import { markRegUnknown } from '../state/scalar.js';
import { regTypeStr, tnumStrn } from '../log/regfmt.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import { checkStackAccessWithinBounds, Access } from './memAccess.js';
import { checkMapAccess, mapOf } from './mapAccess.js';
import { checkPacketAccess } from './packetAccess.js';
import { checkTimerMapMatch, processTimerFunc } from './timers.js';
import { bpfMarkStackRead } from '../liveness/liveness.js';
import { btSetFrameSlot, markChainPrecision, markChainPrecisionFrom } from '../precision/backtrack.js';

export const enum ArgType { DONTCARE, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, ANYTHING, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, PTR_TO_TIMER, PTR_TO_TASK }
export const enum RetType { INTEGER, PTR_TO_MAP_VALUE_OR_NULL, TRUSTED_TASK }

export interface HelperProto {
  ret: RetType;
  args: readonly ArgType[];
  /** pkt_access: helper may read packet memory given by pointer. */
  pktAccess: boolean;
}

/** bpf_call_arg_meta, the parts these helpers use. */
export interface CallArgMeta {
  map: MapSpec | null;
  mapIndex: number;
  /** const_map_key: the constant key of an array lookup, or -1. */
  constMapKey: bigint;
  /** subprogno of an ARG_PTR_TO_FUNC argument. */
  subprogno: number;
  /** Map of an ARG_PTR_TO_TIMER argument (meta->map_ptr set by process_timer_func), or -1. */
  timerMap: number;
}

function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

// compatible_reg_types: mem_types (map key/value args) and const_map_ptr_types.
const MEM_TYPES = [RegType.PTR_TO_STACK, RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META, RegType.PTR_TO_MAP_KEY,
  RegType.PTR_TO_MAP_VALUE, RegType.PTR_TO_MEM];
const MEM_TYPES_TEXT = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';

const isPktPointer = (r: BpfRegState): boolean => r.type === RegType.PTR_TO_PACKET || r.type === RegType.PTR_TO_PACKET_META;

function checkRegType(env: VerifierEnv, regno: number, reg: BpfRegState, arg: ArgType): void {
  if (arg === ArgType.CONST_MAP_PTR) {
    if (reg.type === RegType.CONST_PTR_TO_MAP && reg.typeFlags === 0) return;
    fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=map_ptr`);
  }
  if (arg === ArgType.PTR_TO_FUNC) {
    if (reg.type === RegType.PTR_TO_FUNC && reg.typeFlags === 0) return;
    fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=func`);
  }
  if (arg === ArgType.PTR_TO_TASK) {
    // btf_ptr_types, then the BTF id the proto names (struct task_struct)
    if (reg.type !== RegType.PTR_TO_BTF_ID || (reg.typeFlags & ~PTR_TRUSTED) !== 0) {
      fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=ptr_, trusted_ptr_, rcu_ptr_`);
    }
    if (reg.range !== VmlinuxType.TASK_STRUCT) {
      fail(env, EACCES, `R${regno} is of type ${VMLINUX_TYPE_NAMES[reg.range] ?? ''} but task_struct is expected`);
    }
    return;
  }
  if (arg === ArgType.PTR_TO_TIMER) {
    if (reg.type === RegType.PTR_TO_MAP_VALUE && reg.typeFlags === 0) return;
    fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=map_value`);
  }
  if (arg === ArgType.PTR_TO_STACK_OR_NULL) {
    if (reg.type === RegType.PTR_TO_STACK && reg.typeFlags === 0) return;
    fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=fp`);
  }
  if (reg.typeFlags === 0 && MEM_TYPES.includes(reg.type)) return;
  fail(env, EACCES, `R${regno} type=${regTypeStr(reg)} expected=${MEM_TYPES_TEXT}`);
}

/** check_func_arg_reg_off for non-release args: only map_ptr here needs an unmodified pointer. */
function checkFuncArgRegOff(env: VerifierEnv, regno: number, reg: BpfRegState): void {
  if (reg.type !== RegType.CONST_PTR_TO_MAP) return;
  const t = regTypeStr(reg);
  if (reg.off < 0) fail(env, EACCES, `negative offset ${t} ptr R${regno} off=${reg.off} disallowed`);
  if (reg.off) fail(env, EACCES, `dereference of modified ${t} ptr R${regno} off=${reg.off} disallowed`);
  if (!tnumIsConst(reg.varOff) || reg.varOff.value) fail(env, EACCES, `variable ${t} access var_off=${tnumStrn(reg.varOff)} disallowed`);
}

const funcOf = (env: VerifierEnv, reg: BpfRegState): BpfFuncState => env.curState.frame[reg.frameno] as BpfFuncState;

/**
 * helperReadClobbersStack: as if the helper could write what it reads, a
 * zero byte becomes misc and a spilled scalar an unknown one in misc slots.
 */
function clobberStackByte(s: BpfStackState, byte: number): void {
  if (s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL) {
    markRegUnknown(s.spilledPtr);
    for (let j = 0; j < BPF_REG_SIZE; j++) if (s.slotType[j] !== SlotType.STACK_INVALID) s.slotType[j] = SlotType.STACK_MISC;
  } else if (s.slotType[byte] === SlotType.STACK_ZERO || s.slotType[byte] === SlotType.STACK_INVALID) {
    s.slotType[byte] = SlotType.STACK_MISC;
  }
}

/** check_stack_range_initialized for helper reads (no raw mode). */
function checkStackRangeInitialized(env: VerifierEnv, regno: number, reg: BpfRegState, off: number, accessSize: number, zeroSizeAllowed: boolean): void {
  const state = funcOf(env, reg);
  if (accessSize === 0 && !zeroSizeAllowed) fail(env, EACCES, 'invalid zero-sized read');
  checkStackAccessWithinBounds(env, regno, off, accessSize, Access.READ);
  const konst = tnumIsConst(reg.varOff);
  const minOff = konst ? Number(BigInt.asIntN(64, reg.varOff.value)) + off : Number(reg.smin) + off;
  const maxOff = konst ? minOff : Number(reg.smax) + off;
  for (let i = minOff; i < maxOff + accessSize; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    if (state.allocatedStack <= slot) fail(env, EFAULT, 'allocated_stack too small');
    const s = state.stack[spi] as BpfStackState;
    const t = s.slotType[slot % BPF_REG_SIZE];
    const ok = t === SlotType.STACK_MISC || t === SlotType.STACK_ZERO ||
      (t === SlotType.STACK_INVALID && env.allowUninitStack) ||
      (s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL && (s.spilledPtr.type === RegType.SCALAR_VALUE || env.allowPtrLeaks));
    if (!ok) {
      if (konst) fail(env, EACCES, `invalid read from stack R${regno} off ${minOff}+${i - minOff} size ${accessSize}`);
      fail(env, EACCES, `invalid read from stack R${regno} var_off ${tnumStrn(reg.varOff)}+${i - minOff} size ${accessSize}`);
    }
    if (env.opts.switches.helperReadClobbersStack) clobberStackByte(s, slot % BPF_REG_SIZE);
    bpfMarkStackRead(env, reg.frameno, env.insnIdx, slotBit(spi));
  }
}

/** check_helper_mem_access for a read of accessSize bytes through regno. */
export function checkHelperMemAccess(env: VerifierEnv, regno: number, accessSize: number, zeroSizeAllowed: boolean): void {
  const reg = curRegs(env)[regno] as BpfRegState;
  switch (reg.type) {
    case RegType.PTR_TO_MAP_VALUE:
      checkMapAccess(env, regno, reg, reg.off, accessSize, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_STACK:
      checkStackRangeInitialized(env, regno, reg, reg.off, accessSize, zeroSizeAllowed);
      return;
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      checkPacketAccess(env, regno, reg.off, accessSize, zeroSizeAllowed);
      return;
    default:
      throw new Unsupported(env.insnIdx, `helper memory access through ${regTypeStr(reg)}`);
  }
}

/** get_constant_map_key: the key as a constant when it is a known stack value (marks it precise). */
function getConstantMapKey(env: VerifierEnv, key: BpfRegState, keySize: number): bigint | null {
  if (!env.bpfCapable || key.type !== RegType.PTR_TO_STACK || !tnumIsConst(key.varOff)) return null;
  const state = funcOf(env, key);
  const stackOff = key.off + Number(BigInt.asIntN(64, key.varOff.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / BPF_REG_SIZE);
  const off = slot % BPF_REG_SIZE;
  const s = state.stack[spi] as BpfStackState;
  let zeroSize = 0;
  for (let i = off; i >= 0 && s.slotType[i] === SlotType.STACK_ZERO; i--) zeroSize++;
  if (zeroSize >= keySize) return 0n;
  if (s.slotType[BPF_REG_SIZE - 1] !== SlotType.STACK_SPILL || s.spilledPtr.type !== RegType.SCALAR_VALUE) return null;
  let spillSize = 0;
  for (let i = off; i >= 0 && s.slotType[i] === SlotType.STACK_SPILL; i--) spillSize++;
  if (spillSize !== keySize || !tnumIsConst(s.spilledPtr.varOff)) return null;
  btSetFrameSlot(env.bt, key.frameno, spi);
  markChainPrecisionFrom(env, env.curState, -1);
  return BigInt.asIntN(64, s.spilledPtr.varOff.value);
}

/** can_elide_value_nullness */
export const canElideValueNullness = (env: VerifierEnv, m: MapSpec): boolean => !env.opts.switches.noConstKeyElision && m.type === 'array';

/** check_func_arg for argument `arg` (0-based) of a helper. */
export function checkFuncArg(env: VerifierEnv, arg: number, meta: CallArgMeta, fn: HelperProto): void {
  const argType = fn.args[arg] ?? ArgType.DONTCARE;
  const regno = arg + 1;
  if (argType === ArgType.DONTCARE) return;
  checkRegArg(env, regno, RegArgType.SRC_OP);
  const reg = curRegs(env)[regno] as BpfRegState;
  if (argType === ArgType.ANYTHING) {
    if (!env.allowPtrLeaks && reg.type !== RegType.SCALAR_VALUE) fail(env, EACCES, `R${regno} leaks addr into helper function`);
    return;
  }
  if (isPktPointer(reg) && !(env.prog.progType === 'xdp' && fn.pktAccess)) {
    fail(env, EACCES, 'helper access to the packet is not allowed');
  }
  // register_is_null on a nullable arg skips the type check
  if (argType === ArgType.PTR_TO_STACK_OR_NULL && reg.type === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff) &&
    reg.varOff.value === 0n) {
    // nullArgPrecise: the NULL-ness decides the helper's behaviour, so it must be precise
    if (env.opts.switches.nullArgPrecise) markChainPrecision(env, regno);
    return;
  }
  checkRegType(env, regno, reg, argType);
  checkFuncArgRegOff(env, regno, reg);
  switch (argType) {
    case ArgType.CONST_MAP_PTR:
      if (meta.timerMap >= 0) checkTimerMapMatch(env, meta.timerMap, reg);
      meta.map = mapOf(env, reg.mapIndex) ?? null;
      meta.mapIndex = reg.mapIndex;
      break;
    case ArgType.PTR_TO_MAP_KEY: {
      if (!meta.map) fail(env, EFAULT, 'verifier bug: invalid map_ptr to access map->key');
      checkHelperMemAccess(env, regno, meta.map.keySize, false);
      if (canElideValueNullness(env, meta.map)) meta.constMapKey = getConstantMapKey(env, reg, meta.map.keySize) ?? -1n;
      break;
    }
    case ArgType.PTR_TO_FUNC:
      meta.subprogno = reg.range;
      break;
    case ArgType.PTR_TO_TIMER:
      meta.timerMap = processTimerFunc(env, regno, reg);
      break;
    case ArgType.PTR_TO_MAP_VALUE:
      if (!meta.map) fail(env, EFAULT, 'verifier bug: invalid map_ptr to access map->value');
      checkHelperMemAccess(env, regno, meta.map.valueSize, false);
      break;
    default:
      break;
  }
}
