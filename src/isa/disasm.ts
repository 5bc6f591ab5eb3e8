// Instruction text exactly as the 6.18 verifier log prints it after `N: `
// (kernel/bpf/disasm.c print_bpf_insn with the verifier's callbacks).

import type { Insn } from './insn.js';
import {
  BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH,
  BPF_IMM, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX,
  BPF_MOD, BPF_MOV, BPF_NEG, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_ST, BPF_STX, BPF_TO_BE, BPF_X,
  BPF_XCHG, BPF_ABS, BPF_IND, isLdImm64, opAlu, opClass, opMode, opSize, opSrc,
} from './opcode.js';

/** Atomic imm values without uapi names in opcode.ts. */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;
/** MOV64 X with this off is addr_space_cast. */
export const BPF_ADDR_SPACE_CAST = 1;
/** MOV64 X with this off is the kernel-internal per-CPU address move. */
export const BPF_ADDR_PERCPU = -1;
/** BPF_ST mode 0xc0: the kernel-internal speculation barrier. */
export const BPF_NOSPEC = 0xc0;

// Helper names by id (uapi ___BPF_FUNC_MAPPER, frozen at 211); printed as `bpf_<name>`.
export const HELPER_NAMES: readonly string[] = [
  'unspec map_lookup_elem map_update_elem map_delete_elem probe_read ktime_get_ns',
  'trace_printk get_prandom_u32 get_smp_processor_id skb_store_bytes l3_csum_replace',
  'l4_csum_replace tail_call clone_redirect get_current_pid_tgid get_current_uid_gid',
  'get_current_comm get_cgroup_classid skb_vlan_push skb_vlan_pop skb_get_tunnel_key',
  'skb_set_tunnel_key perf_event_read redirect get_route_realm perf_event_output',
  'skb_load_bytes get_stackid csum_diff skb_get_tunnel_opt skb_set_tunnel_opt',
  'skb_change_proto skb_change_type skb_under_cgroup get_hash_recalc get_current_task',
  'probe_write_user current_task_under_cgroup skb_change_tail skb_pull_data csum_update',
  'set_hash_invalid get_numa_node_id skb_change_head xdp_adjust_head probe_read_str',
  'get_socket_cookie get_socket_uid set_hash setsockopt skb_adjust_room redirect_map',
  'sk_redirect_map sock_map_update xdp_adjust_meta perf_event_read_value perf_prog_read_value',
  'getsockopt override_return sock_ops_cb_flags_set msg_redirect_map msg_apply_bytes',
  'msg_cork_bytes msg_pull_data bind xdp_adjust_tail skb_get_xfrm_state get_stack',
  'skb_load_bytes_relative fib_lookup sock_hash_update msg_redirect_hash sk_redirect_hash',
  'lwt_push_encap lwt_seg6_store_bytes lwt_seg6_adjust_srh lwt_seg6_action rc_repeat',
  'rc_keydown skb_cgroup_id get_current_cgroup_id get_local_storage sk_select_reuseport',
  'skb_ancestor_cgroup_id sk_lookup_tcp sk_lookup_udp sk_release map_push_elem map_pop_elem',
  'map_peek_elem msg_push_data msg_pop_data rc_pointer_rel spin_lock spin_unlock sk_fullsock',
  'tcp_sock skb_ecn_set_ce get_listener_sock skc_lookup_tcp tcp_check_syncookie',
  'sysctl_get_name sysctl_get_current_value sysctl_get_new_value sysctl_set_new_value strtol',
  'strtoul sk_storage_get sk_storage_delete send_signal tcp_gen_syncookie skb_output',
  'probe_read_user probe_read_kernel probe_read_user_str probe_read_kernel_str tcp_send_ack',
  'send_signal_thread jiffies64 read_branch_records get_ns_current_pid_tgid xdp_output',
  'get_netns_cookie get_current_ancestor_cgroup_id sk_assign ktime_get_boot_ns seq_printf',
  'seq_write sk_cgroup_id sk_ancestor_cgroup_id ringbuf_output ringbuf_reserve ringbuf_submit',
  'ringbuf_discard ringbuf_query csum_level skc_to_tcp6_sock skc_to_tcp_sock',
  'skc_to_tcp_timewait_sock skc_to_tcp_request_sock skc_to_udp6_sock get_task_stack',
  'load_hdr_opt store_hdr_opt reserve_hdr_opt inode_storage_get inode_storage_delete d_path',
  'copy_from_user snprintf_btf seq_printf_btf skb_cgroup_classid redirect_neigh per_cpu_ptr',
  'this_cpu_ptr redirect_peer task_storage_get task_storage_delete get_current_task_btf',
  'bprm_opts_set ktime_get_coarse_ns ima_inode_hash sock_from_file check_mtu',
  'for_each_map_elem snprintf sys_bpf btf_find_by_name_kind sys_close timer_init',
  'timer_set_callback timer_start timer_cancel get_func_ip get_attach_cookie task_pt_regs',
  'get_branch_snapshot trace_vprintk skc_to_unix_sock kallsyms_lookup_name find_vma loop',
  'strncmp get_func_arg get_func_ret get_func_arg_cnt get_retval set_retval xdp_get_buff_len',
  'xdp_load_bytes xdp_store_bytes copy_from_user_task skb_set_tstamp ima_file_hash kptr_xchg',
  'map_lookup_percpu_elem skc_to_mptcp_sock dynptr_from_mem ringbuf_reserve_dynptr',
  'ringbuf_submit_dynptr ringbuf_discard_dynptr dynptr_read dynptr_write dynptr_data',
  'tcp_raw_gen_syncookie_ipv4 tcp_raw_gen_syncookie_ipv6 tcp_raw_check_syncookie_ipv4',
  'tcp_raw_check_syncookie_ipv6 ktime_get_tai_ns user_ringbuf_drain cgrp_storage_get',
  'cgrp_storage_delete',
].join(' ').split(' ');

export function helperName(id: number): string | undefined {
  const n = HELPER_NAMES[id];
  return n === undefined ? undefined : `bpf_${n}`;
}

/** Helper id by name (with or without the `bpf_` prefix). */
export function helperId(name: string): number | undefined {
  const bare = name.startsWith('bpf_') ? name.slice(4) : name;
  const i = HELPER_NAMES.indexOf(bare);
  return i < 0 ? undefined : i;
}

export interface DisasmOptions {
  /** Name for a kfunc call (src_reg 2); the kernel looks it up in BTF. */
  kfuncName?: (insn: Insn) => string | undefined;
}

// printf("%s", NULL) in the kernel prints "(null)"; unfilled table slots do that.
const NUL = '(null)';
const ALU_OPS: readonly (string | undefined)[] = [
  '+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian',
];
const JMP_OPS: readonly (string | undefined)[] = [
  'jmp', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<=',
];
const ATOMIC_ALU: Readonly<Record<number, string>> = { 0x00: 'add', 0x50: 'and', 0x40: 'or', 0xa0: 'xor' };
const LDST = ['u32', 'u16', 'u8', 'u64'] as const;
const LDSX: readonly (string | undefined)[] = ['s32', 's16', 's8'];
const MOVSX: readonly (string | undefined)[] = ['(s8)', '(s16)', undefined, '(s32)'];

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
const signed = (n: number): string => (n < 0 ? String(n) : `+${n}`);
const u32hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const str = (s: string | undefined): string => s ?? NUL;
const ldst = (code: number): string => LDST[opSize(code) >> 3]!;

/** The u64 an ld_imm64 pair loads (second slot missing -> upper half 0). */
export function ldImm64Value(lo: Insn, hi: Insn | undefined): bigint {
  return (BigInt((hi?.imm ?? 0) >>> 0) << 32n) | BigInt(lo.imm >>> 0);
}

function disasmAlu(i: Insn): string {
  const cls = opClass(i.code);
  const r = cls === BPF_ALU ? 'w' : 'r';
  const op = opAlu(i.code);
  if (op === BPF_END) {
    if (cls === BPF_ALU64) return `r${i.dst} = bswap${i.imm} r${i.dst}`;
    return `r${i.dst} = ${opSrc(i.code) === BPF_TO_BE ? 'be' : 'le'}${i.imm} r${i.dst}`;
  }
  if (op === BPF_NEG) return `${r}${i.dst} = -${r}${i.dst}`;
  if (i.code === (BPF_ALU64 | BPF_MOV | BPF_X) && i.off === BPF_ADDR_SPACE_CAST) {
    return `r${i.dst} = addr_space_cast(r${i.src}, ${i.imm >>> 16}, ${i.imm & 0xffff})`;
  }
  if (i.code === (BPF_ALU64 | BPF_MOV | BPF_X) && i.off === BPF_ADDR_PERCPU) {
    return `r${i.dst} = &(void __percpu *)(r${i.src})`;
  }
  const sdivSmod = (op === BPF_DIV || op === BPF_MOD) && i.off === 1;
  const opStr = sdivSmod ? `s${ALU_OPS[op >> 4]}` : str(ALU_OPS[op >> 4]);
  if (opSrc(i.code) === BPF_X) {
    const movsx = op === BPF_MOV && (i.off === 8 || i.off === 16 || i.off === 32);
    const cast = movsx ? str(MOVSX[(i.off >> 3) - 1]) : '';
    return `${r}${i.dst} ${opStr} ${cast}${r}${i.src}`;
  }
  return `${r}${i.dst} ${opStr} ${i.imm}`;
}

function disasmStx(i: Insn): string {
  const mem = `(${ldst(i.code)} *)(r${i.dst} ${signed(i.off)})`;
  const mode = opMode(i.code);
  if (mode === BPF_MEM) return `*${mem} = r${i.src}`;
  if (mode !== BPF_ATOMIC) return `BUG_${hex2(i.code)}`;
  const w = opSize(i.code) === BPF_DW ? '64' : '';
  const aluName = ATOMIC_ALU[i.imm & ~BPF_FETCH];
  if (aluName !== undefined && (i.imm & BPF_FETCH) === 0) return `lock *${mem} ${ALU_OPS[i.imm >> 4]} r${i.src}`;
  if (aluName !== undefined) return `r${i.src} = atomic${w}_fetch_${aluName}(${mem}, r${i.src})`;
  if (i.imm === BPF_CMPXCHG) return `r0 = atomic${w}_cmpxchg(${mem}, r0, r${i.src})`;
  if (i.imm === BPF_XCHG) return `r${i.src} = atomic${w}_xchg(${mem}, r${i.src})`;
  if (i.imm === BPF_LOAD_ACQ) return `r${i.dst} = load_acquire((${ldst(i.code)} *)(r${i.src} ${signed(i.off)}))`;
  if (i.imm === BPF_STORE_REL) return `store_release(${mem}, r${i.src})`;
  return `BUG_${hex2(i.code)}`;
}

function disasmCall(i: Insn, opts: DisasmOptions): string {
  if (i.src === BPF_PSEUDO_CALL) return `call pc${signed(i.imm)}`;
  let name: string | undefined;
  if (i.src === 0) name = helperName(i.imm);
  if (name === undefined && i.src === BPF_PSEUDO_KFUNC_CALL) name = opts.kfuncName?.(i) ?? 'kernel-function';
  return `call ${name ?? 'unknown'}#${i.imm}`;
}

function disasmJmp(i: Insn, opts: DisasmOptions): string {
  const cls = opClass(i.code);
  const op = opAlu(i.code);
  if (op === BPF_CALL) return disasmCall(i, opts);
  if (i.code === (BPF_JMP | BPF_JA)) return `goto pc${signed(i.off)}`;
  if (i.code === (BPF_JMP | BPF_JCOND) && i.src === BPF_MAY_GOTO) return `may_goto pc${signed(i.off)}`;
  if (i.code === (BPF_JMP32 | BPF_JA)) return `gotol pc${signed(i.imm)}`;
  if (i.code === (BPF_JMP | BPF_EXIT)) return 'exit';
  const r = cls === BPF_JMP32 ? 'w' : 'r';
  const rhs = opSrc(i.code) === BPF_X ? `${r}${i.src}` : u32hex(i.imm);
  return `if ${r}${i.dst} ${str(JMP_OPS[op >> 4])} ${rhs} goto pc${signed(i.off)}`;
}

/** Text after `(xx) ` for the slot at idx. */
function body(insns: Insn[], idx: number, opts: DisasmOptions): string {
  const i = insns[idx]!;
  switch (opClass(i.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      return disasmAlu(i);
    case BPF_STX:
      return disasmStx(i);
    case BPF_ST: {
      const mode = opMode(i.code);
      if (mode === BPF_MEM) return `*(${ldst(i.code)} *)(r${i.dst} ${signed(i.off)}) = ${i.imm}`;
      if (mode === BPF_NOSPEC) return 'nospec';
      return `BUG_st_${hex2(i.code)}`;
    }
    case BPF_LDX: {
      const mode = opMode(i.code);
      if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(i.code)}`;
      const ty = mode === BPF_MEM ? ldst(i.code) : str(LDSX[opSize(i.code) >> 3]);
      return `r${i.dst} = *(${ty} *)(r${i.src} ${signed(i.off)})`;
    }
    case BPF_LD: {
      const mode = opMode(i.code);
      if (mode === BPF_ABS) return `r0 = *(${ldst(i.code)} *)skb[${i.imm}]`;
      if (mode === BPF_IND) return `r0 = *(${ldst(i.code)} *)skb[r${i.src} + ${i.imm}]`;
      if (mode === BPF_IMM && opSize(i.code) === BPF_DW) {
        return `r${i.dst} = 0x${ldImm64Value(i, insns[idx + 1]).toString(16)}`;
      }
      return `BUG_ld_${hex2(i.code)}`;
    }
    default:
      return disasmJmp(i, opts);
  }
}

/**
 * `(xx) text` for insns[idx], byte for byte as the kernel log prints it.
 * BUG_* forms carry no `(xx)` prefix, as in the kernel.
 */
export function disasmInsn(insns: Insn[], idx: number, opts: DisasmOptions = {}): string {
  const i = insns[idx];
  if (i === undefined) throw new RangeError(`insn index ${idx} out of range (program has ${insns.length})`);
  const b = body(insns, idx, opts);
  return b.startsWith('BUG_') ? b : `(${hex2(i.code)}) ${b}`;
}

/** `N: (xx) text` per instruction, skipping the second slot of each ld_imm64. */
export function disasmProgram(insns: Insn[], opts: DisasmOptions = {}): string[] {
  const out: string[] = [];
  for (let idx = 0; idx < insns.length; idx++) {
    out.push(`${idx}: ${disasmInsn(insns, idx, opts)}`);
    if (isLdImm64(insns[idx]!.code)) idx++;
  }
  return out;
}
