// check_helper_call for the helpers the model supports: integer-returning
// helpers without arguments, the map helpers lookup/update/delete (array and
// hash maps), bpf_loop and the bpf_timer helpers. Everything else is
// reported as unsupported.
import type { Insn } from '../../isa/insn.js';
import { PROG_TYPES, type ProgType } from '../../isa/program.js';
import { helperName as disasmHelperName } from '../../isa/disasm.js';
import { type VerifierEnv, VerifierError, Unsupported, EINVAL, EFAULT, verbose } from '../state/env.js';
import { RegType, PTR_MAYBE_NULL, PTR_TRUSTED, VmlinuxType, type BpfRegState } from '../state/reg.js';
import { markRegKnownZero, markRegNotInit, markRegUnknown, regBoundsSync } from '../state/scalar.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';
import { checkFindVmaCall, checkForEachMapElemCall, checkLoopCall, checkUserRingbufDrainCall } from './callbacks.js';
import { initFuncState, setupFuncEntry } from './calls.js';
import {
  BPF_FUNC_timer_cancel, BPF_FUNC_timer_init, BPF_FUNC_timer_set_callback, BPF_FUNC_timer_start, pushAsyncCb,
} from './timers.js';
import { btfCheckSubprogCall } from './callbacks.js';
import { MAP_TYPE_ID } from './mapAccess.js';
import { ArgType, RetType, canElideValueNullness, checkFuncArg, type CallArgMeta, type HelperProto } from './helperArgs.js';

const helperName = (id: number): string => disasmHelperName(id) ?? 'unknown';

export const BPF_FUNC_map_lookup_elem = 1;
export const BPF_FUNC_map_update_elem = 2;
export const BPF_FUNC_map_delete_elem = 3;
export const BPF_FUNC_ktime_get_ns = 5;
export const BPF_FUNC_get_prandom_u32 = 7;
export const BPF_FUNC_get_smp_processor_id = 8;
export const BPF_FUNC_loop = 181;
export const BPF_FUNC_for_each_map_elem = 164;
export const BPF_FUNC_user_ringbuf_drain = 209;
export const BPF_FUNC_get_current_task_btf = 158;
export const BPF_FUNC_find_vma = 180;
const BPF_FUNC_MAX_ID = 212;

/** nr_cpu_ids of the oracle machine (cpu/possible = 0-1). */
export const NR_CPU_IDS = 2;

const MAP_PTR_KEY = [ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MAP_KEY] as const;

/** bpf_func_proto of the modelled helpers (kernel/bpf/helpers.c). */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map<number, HelperProto>([
  [BPF_FUNC_map_lookup_elem, { ret: RetType.PTR_TO_MAP_VALUE_OR_NULL, args: MAP_PTR_KEY, pktAccess: true }],
  [BPF_FUNC_map_update_elem, {
    ret: RetType.INTEGER, args: [...MAP_PTR_KEY, ArgType.PTR_TO_MAP_VALUE, ArgType.ANYTHING], pktAccess: true,
  }],
  [BPF_FUNC_map_delete_elem, { ret: RetType.INTEGER, args: MAP_PTR_KEY, pktAccess: true }],
  [BPF_FUNC_ktime_get_ns, { ret: RetType.INTEGER, args: [], pktAccess: false }],
  [BPF_FUNC_get_prandom_u32, { ret: RetType.INTEGER, args: [], pktAccess: false }],
  [BPF_FUNC_get_smp_processor_id, { ret: RetType.INTEGER, args: [], pktAccess: false }],
  [BPF_FUNC_loop, {
    ret: RetType.INTEGER, args: [ArgType.ANYTHING, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING], pktAccess: false,
  }],
  [BPF_FUNC_for_each_map_elem, {
    ret: RetType.INTEGER, args: [ArgType.CONST_MAP_PTR, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING], pktAccess: false,
  }],
  [BPF_FUNC_get_current_task_btf, { ret: RetType.TRUSTED_TASK, args: [], pktAccess: false }],
  [BPF_FUNC_find_vma, {
    ret: RetType.INTEGER, args: [ArgType.PTR_TO_TASK, ArgType.ANYTHING, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING],
    pktAccess: false,
  }],
  [BPF_FUNC_user_ringbuf_drain, {
    ret: RetType.INTEGER, args: [ArgType.CONST_MAP_PTR, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING], pktAccess: false,
  }],
  [BPF_FUNC_timer_init, { ret: RetType.INTEGER, args: [ArgType.PTR_TO_TIMER, ArgType.CONST_MAP_PTR, ArgType.ANYTHING], pktAccess: false }],
  [BPF_FUNC_timer_set_callback, { ret: RetType.INTEGER, args: [ArgType.PTR_TO_TIMER, ArgType.PTR_TO_FUNC], pktAccess: false }],
  [BPF_FUNC_timer_start, { ret: RetType.INTEGER, args: [ArgType.PTR_TO_TIMER, ArgType.ANYTHING, ArgType.ANYTHING], pktAccess: false }],
  [BPF_FUNC_timer_cancel, { ret: RetType.INTEGER, args: [ArgType.PTR_TO_TIMER], pktAccess: false }],
]);

/**
 * Program types whose get_func_proto returns each modelled helper (root
 * loader). All come from bpf_base_func_proto, which socket filters and XDP
 * reach via bpf_sk_base_func_proto and kprobe/raw_tp via
 * bpf_tracing_func_proto (smp_processor_id directly): every modelled type.
 */
const HELPER_PROG_TYPES: ReadonlyMap<number, readonly ProgType[]> = new Map(
  [...HELPER_PROTOS.keys()].map((id) => [id, PROG_TYPES]),
);

/** check_map_func_compatibility for the modelled map types: a user ring buffer only goes to its drain helper, and back. */
function checkMapFuncCompatibility(env: VerifierEnv, meta: CallArgMeta, funcId: number): void {
  const map = meta.map;
  if (!map || (map.type === 'user_ringbuf') === (funcId === BPF_FUNC_user_ringbuf_drain)) return;
  verbose(env, `cannot pass map_type ${MAP_TYPE_ID[map.type]} into func ${helperName(funcId)}#${funcId}\n`);
  throw new VerifierError(EINVAL, 'map type');
}

export function checkHelperCall(env: VerifierEnv, insn: Insn): void {
  const funcId = insn.imm;
  if (funcId < 0 || funcId >= BPF_FUNC_MAX_ID) {
    verbose(env, `invalid func ${helperName(funcId)}#${funcId}\n`);
    throw new VerifierError(EINVAL, 'func id');
  }
  const fn = HELPER_PROTOS.get(funcId);
  if (!fn) throw new Unsupported(env.insnIdx, `helper ${helperName(funcId)}#${funcId}`);
  if (!HELPER_PROG_TYPES.get(funcId)?.includes(env.prog.progType)) {
    verbose(env, `program of this type cannot use helper ${helperName(funcId)}#${funcId}\n`);
    throw new VerifierError(EINVAL, 'helper not allowed');
  }
  const meta: CallArgMeta = { map: null, mapIndex: -1, constMapKey: 0n, subprogno: 0, timerMap: -1 };
  for (let i = 0; i < 5; i++) checkFuncArg(env, i, meta, fn);
  if (funcId === BPF_FUNC_loop) checkLoopCall(env, meta.subprogno, setupFuncEntry);
  if (funcId === BPF_FUNC_for_each_map_elem) checkForEachMapElemCall(env, meta.subprogno, setupFuncEntry);
  if (funcId === BPF_FUNC_user_ringbuf_drain) checkUserRingbufDrainCall(env, meta.subprogno, setupFuncEntry);
  if (funcId === BPF_FUNC_find_vma) checkFindVmaCall(env, meta.subprogno, setupFuncEntry);
  if (funcId === BPF_FUNC_timer_set_callback) {
    // push_callback_call: the BTF check logs a mismatch, then the async branch
    btfCheckSubprogCall(env, meta.subprogno, curRegs(env));
    pushAsyncCb(env, meta.subprogno, env.insnIdx, initFuncState);
  }

  const regs = curRegs(env);
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i] as BpfRegState);
    checkRegArg(env, i, RegArgType.DST_OP_NO_MARK);
  }
  const r0 = regs[0] as BpfRegState;
  r0.subregDef = 0;
  if (fn.ret === RetType.TRUSTED_TASK) {
    // RET_PTR_TO_BTF_ID_TRUSTED of struct task_struct
    markRegKnownZero(r0);
    r0.type = RegType.PTR_TO_BTF_ID;
    r0.typeFlags = PTR_TRUSTED;
    r0.range = VmlinuxType.TASK_STRUCT;
    return;
  }
  if (fn.ret === RetType.PTR_TO_MAP_VALUE_OR_NULL) {
    markRegKnownZero(r0);
    if (!meta.map) {
      verbose(env, 'verifier bug: unexpected null map_ptr\n');
      throw new VerifierError(EFAULT, 'null map_ptr');
    }
    let flags = PTR_MAYBE_NULL;
    // 6.18: an array lookup with a constant in-range key cannot fail
    if (funcId === BPF_FUNC_map_lookup_elem && canElideValueNullness(env, meta.map) &&
      meta.constMapKey >= 0n && meta.constMapKey < BigInt(meta.map.maxEntries)) flags = 0;
    r0.mapIndex = meta.mapIndex;
    r0.type = RegType.PTR_TO_MAP_VALUE;
    r0.typeFlags = flags;
    if (flags & PTR_MAYBE_NULL) r0.id = ++env.idGen;
    return;
  }
  markRegUnknown(r0);
  checkMapFuncCompatibility(env, meta, funcId);
  if (funcId === BPF_FUNC_get_smp_processor_id) {
    const max = NR_CPU_IDS - 1;
    r0.umax = BigInt(max);
    r0.u32Max = max;
    r0.smax = BigInt(max);
    r0.s32Max = max;
    r0.umin = 0n;
    r0.u32Min = 0;
    r0.smin = 0n;
    r0.s32Min = 0;
    regBoundsSync(r0);
  }
}
