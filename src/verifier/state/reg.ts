// struct bpf_reg_state. 64-bit quantities are bigint (u64 values are kept in
// [0, 2^64), s64 values in [-2^63, 2^63)); 32-bit bounds are plain numbers
// (u32 in [0, 2^32), s32 in [-2^31, 2^31)).

export interface Tnum {
  value: bigint; // u64
  mask: bigint;  // u64
}

export enum RegType {
  NOT_INIT = 0,
  SCALAR_VALUE,
  PTR_TO_CTX,
  CONST_PTR_TO_MAP,
  PTR_TO_MAP_VALUE,
  PTR_TO_MAP_KEY,
  PTR_TO_STACK,
  PTR_TO_PACKET_META,
  PTR_TO_PACKET,
  PTR_TO_PACKET_END,
  PTR_TO_FLOW_KEYS,
  PTR_TO_SOCKET,
  PTR_TO_SOCK_COMMON,
  PTR_TO_TCP_SOCK,
  PTR_TO_TP_BUFFER,
  PTR_TO_XDP_SOCK,
  PTR_TO_BTF_ID,
  PTR_TO_MEM,
  PTR_TO_ARENA,
  PTR_TO_BUF,
  PTR_TO_FUNC,
  CONST_PTR_TO_DYNPTR,
}

// Type flags (enum bpf_type_flag), as in the kernel.
export const PTR_MAYBE_NULL = 1 << 8;
export const MEM_RDONLY = 1 << 9;
export const PTR_TRUSTED = 1 << 20;

/**
 * The vmlinux BTF types a PTR_TO_BTF_ID can name in the model; the index is
 * kept in `range`, which the kernel's union shares with btf_id.
 */
export const enum VmlinuxType { NONE = 0, TASK_STRUCT = 1, VM_AREA_STRUCT = 2 }
export const VMLINUX_TYPE_NAMES: readonly string[] = ['', 'task_struct', 'vm_area_struct'];

// Scalar id flags marking "this scalar = linked base + reg.off"; 6.18.y splits
// them by the ALU width that created the delta (BPF_ADD_CONST64/32).
export const BPF_ADD_CONST64 = 0x80000000;
export const BPF_ADD_CONST32 = 0x40000000;
export const BPF_ADD_CONST = BPF_ADD_CONST64 | BPF_ADD_CONST32;

export interface BpfRegState {
  type: RegType;
  typeFlags: number;
  /** Fixed offset for pointers; for scalars with BPF_ADD_CONST in id, the delta to the base. */
  off: number;
  varOff: Tnum;
  smin: bigint; smax: bigint;
  umin: bigint; umax: bigint;
  s32Min: number; s32Max: number;
  u32Min: number; u32Max: number;
  /** Scalar/pointer id (linked scalars, maybe-null pointers); may carry BPF_ADD_CONST. */
  id: number;
  refObjId: number;
  /** Packet pointer range, or map value/mem size where relevant. */
  range: number;
  /** Index into Program.maps for CONST_PTR_TO_MAP / PTR_TO_MAP_VALUE / PTR_TO_MAP_KEY. */
  mapIndex: number;
  /** Frame the PTR_TO_STACK points into. */
  frameno: number;
  /** insn index + 1 that last wrote the 32-bit subregister (DEF_NOT_SUBREG = 0). */
  subregDef: number;
  precise: boolean;
  /** Chain liveness (profile switch chainLiveness, 6.12): REG_LIVE_* bits. */
  live: number;
  /** Chain liveness: the same register (or stack slot) in the parent checkpoint. */
  parent: BpfRegState | null;
}

// enum bpf_reg_liveness (chain liveness only).
export const REG_LIVE_NONE = 0;
export const REG_LIVE_READ32 = 1;
export const REG_LIVE_READ64 = 2;
export const REG_LIVE_READ = REG_LIVE_READ32 | REG_LIVE_READ64;
export const REG_LIVE_WRITTEN = 4;
export const REG_LIVE_DONE = 8;
