// Register text of the verifier log (kernel/bpf/log.c tnum_strn,
// print_scalar_ranges, reg_type_str, print_reg_state). 6.18 prints no `_w`
// write marks: `R0=scalar(...)`, `R1=ctx()`, `R10=fp0`, `R2=-8`, `R3=P5`.
import { RegType, PTR_MAYBE_NULL, MEM_RDONLY, type BpfRegState, PTR_TRUSTED, VMLINUX_TYPE_NAMES } from '../state/reg.js';
import type { MapSpec } from '../../isa/program.js';
import { type Tnum, tnumIsConst, tnumIsUnknown } from '../state/tnum.js';
import { toU64, toS64, U64_MAX, S64_MIN, S64_MAX, S32_MIN, S32_MAX, U32_MAX, BPF_ADD_CONST_ANY } from '../state/scalar.js';

const hex = (x: bigint): string => `0x${x.toString(16)}`;

/** verbose_unum: decimal up to U16_MAX, else %#llx. */
export function fmtUnum(x: bigint): string {
  const u = toU64(x);
  return u <= 0xffffn ? u.toString() : hex(u);
}

/** verbose_snum: decimal within [S16_MIN, S16_MAX], else %#llx of the u64. */
export function fmtSnum(x: bigint): string {
  const s = toS64(x);
  return s >= -0x8000n && s <= 0x7fffn ? s.toString() : hex(toU64(x));
}

/** tnum_strn */
export function tnumStrn(t: Tnum): string {
  if (t.mask === 0n) return fmtUnum(t.value);
  return `(${hex(t.value)}; ${hex(t.mask)})`;
}

const BASE_TYPE_STR: Readonly<Record<RegType, string>> = {
  [RegType.NOT_INIT]: '?',
  [RegType.SCALAR_VALUE]: 'scalar',
  [RegType.PTR_TO_CTX]: 'ctx',
  [RegType.CONST_PTR_TO_MAP]: 'map_ptr',
  [RegType.PTR_TO_MAP_VALUE]: 'map_value',
  [RegType.PTR_TO_MAP_KEY]: 'map_key',
  [RegType.PTR_TO_STACK]: 'fp',
  [RegType.PTR_TO_PACKET_META]: 'pkt_meta',
  [RegType.PTR_TO_PACKET]: 'pkt',
  [RegType.PTR_TO_PACKET_END]: 'pkt_end',
  [RegType.PTR_TO_FLOW_KEYS]: 'flow_keys',
  [RegType.PTR_TO_SOCKET]: 'sock',
  [RegType.PTR_TO_SOCK_COMMON]: 'sock_common',
  [RegType.PTR_TO_TCP_SOCK]: 'tcp_sock',
  [RegType.PTR_TO_TP_BUFFER]: 'tp_buffer',
  [RegType.PTR_TO_XDP_SOCK]: 'xdp_sock',
  [RegType.PTR_TO_BTF_ID]: 'ptr_',
  [RegType.PTR_TO_MEM]: 'mem',
  [RegType.PTR_TO_ARENA]: 'arena',
  [RegType.PTR_TO_BUF]: 'buf',
  [RegType.PTR_TO_FUNC]: 'func',
  [RegType.CONST_PTR_TO_DYNPTR]: 'dynptr_ptr',
};

/** reg_type_str for the flags the model knows (rdonly_, _or_null); takes a type or a register. */
export function regTypeStr(typeOrReg: RegType | BpfRegState, flags = 0): string {
  const type = typeof typeOrReg === 'object' ? typeOrReg.type : typeOrReg;
  const typeFlags = typeof typeOrReg === 'object' ? typeOrReg.typeFlags : flags;
  let postfix = '';
  if (typeFlags & PTR_MAYBE_NULL) postfix = type === RegType.PTR_TO_BTF_ID ? 'or_null_' : '_or_null';
  const prefix = (typeFlags & MEM_RDONLY ? 'rdonly_' : '') + (typeFlags & PTR_TRUSTED ? 'trusted_' : '');
  return `${prefix}${BASE_TYPE_STR[type]}${postfix}`;
}

/** print_scalar_ranges: the comma list of non-default bounds, merged by equal values. */
export function printScalarRanges(reg: BpfRegState): string {
  const s32v = (v: number): bigint => {
    const s = BigInt(v);
    return s >= -0x8000n && s <= 0x7fffn ? toU64(s) : BigInt(v >>> 0);
  };
  const names = ['smin', 'smax', 'umin', 'umax', 'smin32', 'smax32', 'umin32', 'umax32'];
  const vals: bigint[] = [
    toU64(reg.smin), toU64(reg.smax), reg.umin, reg.umax,
    s32v(reg.s32Min), s32v(reg.s32Max), BigInt(reg.u32Min), BigInt(reg.u32Max),
  ];
  const omit: boolean[] = [
    reg.smin === S64_MIN, reg.smax === S64_MAX, reg.umin === 0n, reg.umax === U64_MAX,
    reg.s32Min === S32_MIN, reg.s32Max === S32_MAX, reg.u32Min === 0, reg.u32Max === U32_MAX,
  ];
  let out = '';
  let sep = '';
  for (let i = 0; i < 8; i++) {
    if (omit[i]) continue;
    const name = names[i] as string;
    const val = vals[i] as bigint;
    const neg1 = name[0] === 's' && toS64(val) < 0n;
    out += `${sep}${name}=`;
    sep = ',';
    for (let j = i + 2; j < 8; j += 2) {
      if (omit[j] || vals[j] !== val) continue;
      const n2 = names[j] as string;
      // don't merge a negative with a positive
      const neg2 = n2[0] === 's' && toS64(vals[j] as bigint) < 0n;
      if (neg2 !== neg1) continue;
      omit[j] = true;
      out += `${n2}=`;
    }
    out += name[0] === 's' ? fmtSnum(val) : fmtUnum(val);
  }
  return out;
}

export interface RegFmtOpts {
  /** frameno of the function state being printed (PTR_TO_STACK of another frame prints fp[N]). */
  stateFrameno?: number;
  /** Map name and sizes for map pointers (by reg.mapIndex). */
  mapInfo?: (mapIndex: number) => { name: string; keySize: number; valueSize: number } | undefined;
  /** BTF type name for PTR_TO_BTF_ID. */
  btfTypeName?: string;
  /** Dynptr type text for CONST_PTR_TO_DYNPTR. */
  dynptrType?: string;
}

/** print_reg_state: the text after `R1=`. */
export function formatRegState(reg: BpfRegState, opts: RegFmtOpts = {}): string {
  const t = reg.type;
  let out = '';
  if (t === RegType.SCALAR_VALUE && reg.precise) out += 'P';
  if (t === RegType.SCALAR_VALUE && tnumIsConst(reg.varOff)) return out + fmtSnum(reg.varOff.value);

  out += regTypeStr(t, reg.typeFlags);
  if (t === RegType.PTR_TO_ARENA) return out;
  if (t === RegType.PTR_TO_STACK) {
    if ((opts.stateFrameno ?? reg.frameno) !== reg.frameno) out += `[${reg.frameno}]`;
    if (tnumIsConst(reg.varOff)) return out + fmtSnum(reg.varOff.value + BigInt(reg.off));
  }
  if (t === RegType.PTR_TO_BTF_ID) out += opts.btfTypeName ?? VMLINUX_TYPE_NAMES[reg.range] ?? '';
  out += '(';
  let sep = '';
  const add = (s: string): void => {
    out += sep + s;
    sep = ',';
  };
  if (reg.id) add(`id=${(reg.id & ~BPF_ADD_CONST_ANY) >>> 0}`);
  if (reg.id & BPF_ADD_CONST_ANY) out += reg.off >= 0 ? `+${reg.off}` : `${reg.off}`;
  if (reg.refObjId) add(`ref_obj_id=${reg.refObjId}`);
  if (t === RegType.CONST_PTR_TO_MAP || t === RegType.PTR_TO_MAP_KEY || t === RegType.PTR_TO_MAP_VALUE) {
    const m = opts.mapInfo?.(reg.mapIndex);
    if (m) {
      if (m.name) add(`map=${m.name}`);
      add(`ks=${m.keySize},vs=${m.valueSize}`);
    }
  }
  if (t !== RegType.SCALAR_VALUE && reg.off) add(`off=${fmtSnum(BigInt(reg.off))}`);
  if (t === RegType.PTR_TO_PACKET || t === RegType.PTR_TO_PACKET_META) add(`r=${fmtUnum(BigInt(reg.range))}`);
  if (t === RegType.PTR_TO_MEM) add(`sz=${fmtUnum(BigInt(reg.range))}`);
  // the only dynptr the model makes is a user_ringbuf callback's BPF_DYNPTR_TYPE_LOCAL
  if (t === RegType.CONST_PTR_TO_DYNPTR) add(`type=${opts.dynptrType ?? 'local'}`);
  if (tnumIsConst(reg.varOff)) {
    if (reg.varOff.value) add(`imm=${fmtSnum(reg.varOff.value)}`);
  } else {
    const ranges = printScalarRanges(reg);
    if (ranges) add(ranges);
    if (!tnumIsUnknown(reg.varOff)) add(`var_off=${tnumStrn(reg.varOff)}`);
  }
  return out + ')';
}

/**
 * The register part of print_verifier_state: " R0=... R10=fp0" for every
 * initialized register accepted by `include` (all by default).
 */
export function formatRegs(regs: readonly BpfRegState[], stateFrameno: number,
  include: (regno: number) => boolean = () => true, opts: RegFmtOpts = {}): string {
  let out = '';
  for (let i = 0; i < regs.length; i++) {
    const r = regs[i] as BpfRegState;
    if (r.type === RegType.NOT_INIT || !include(i)) continue;
    out += ` R${i}=${formatRegState(r, { ...opts, stateFrameno })}`;
  }
  return out;
}

/** Stack slot mask as the kernel logs it: `-8,-16`. */
export function fmtStackMask(mask: bigint): string {
  const out: string[] = [];
  for (let i = 0; mask !== 0n && i < 64; i++) if (mask & (1n << BigInt(i))) out.push(`${-(i + 1) * 8}`);
  return out.join(',');
}

/**
 * Whether the oracle creates maps with their name (map_name of BPF_MAP_CREATE);
 * the kernel prints `map=NAME` only for named maps. src/kernel/syscall.ts
 * bpfMapCreate passes no name today.
 */
export const ORACLE_NAMES_MAPS = false;

/** The mapInfo option of formatRegState for this program's maps. */
export function mapInfoFor(maps: readonly MapSpec[]): NonNullable<RegFmtOpts['mapInfo']> {
  return (idx) => {
    const m = maps[idx];
    return m ? { name: ORACLE_NAMES_MAPS ? m.name.slice(0, 15) : '', keySize: m.keySize, valueSize: m.valueSize } : undefined;
  };
}
