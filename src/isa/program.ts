import type { Insn } from './insn.js';

export type ProgType = 'socket' | 'xdp' | 'kprobe' | 'raw_tp';

export const PROG_TYPES: readonly ProgType[] = ['socket', 'xdp', 'kprobe', 'raw_tp'];

/** Load flags (BPF_F_* of BPF_PROG_LOAD prog_flags). */
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_TEST_RND_HI32 = 1 << 2;
export const BPF_F_TEST_STATE_FREQ = 1 << 3;
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

/** sizeof(struct bpf_timer) in a map value: two opaque u64. */
export const BPF_TIMER_SIZE = 16;

/** Map types the model and the oracle know (user_ringbuf: key and value size 0). */
export type MapType = 'array' | 'hash' | 'user_ringbuf';
export const MAP_TYPES: readonly MapType[] = ['array', 'hash', 'user_ringbuf'];

/** A map the program references (by ld_imm64 BPF_PSEUDO_MAP_IDX / index into this list). */
export interface MapSpec {
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Offset of a `struct bpf_timer` in the value; the map then carries BTF (8-aligned, key size 4 or 8). */
  timerOff?: number;
}

/**
 * BTF of one subprogram: linkage and parameter count; every parameter is a
 * `long`, except the first when `ctx` is set: a pointer to the program
 * type's context struct (`struct __sk_buff *` for socket filters).
 */
export interface FuncInfoSpec {
  linkage: 'static' | 'global';
  params: number;
  ctx?: boolean;
}

/** The context struct a `ctx` parameter points to, per program type (btf_get_prog_ctx_type). */
export const CTX_STRUCT: Readonly<Record<ProgType, string>> = {
  socket: '__sk_buff', xdp: 'xdp_md', kprobe: 'pt_regs', raw_tp: 'bpf_raw_tracepoint_args',
};

export interface Program {
  name: string;
  insns: Insn[];
  progType: ProgType;
  flags: number;
  maps: MapSpec[];
  /**
   * BTF function info, one entry per subprogram in start order; absent = load
   * without BTF. Parameters are `long` scalars; every function returns `int`.
   */
  funcs?: FuncInfoSpec[];
}

/** The BTF name of subprogram i (what the kernel's subprog_name prints): 'main', then 'func1', ... */
export const funcName = (i: number): string => (i === 0 ? 'main' : `func${i}`);

export const makeProgram = (insns: Insn[], opts: Partial<Omit<Program, 'insns'>> = {}): Program => ({
  name: opts.name ?? 'prog',
  insns,
  progType: opts.progType ?? 'socket',
  flags: opts.flags ?? 0,
  maps: opts.maps ?? [],
  ...(opts.funcs ? { funcs: opts.funcs } : {}),
});
