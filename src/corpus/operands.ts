// Inline-asm input operands (`__imm(...)`, `__imm_const(...)`, `[x]"i"(e)`)
// resolved to the text that replaces `%[name]` in the template, or to a
// skip reason when they need something the testbed does not model yet.

import type { Insn } from '../isa/insn.js';
import {
  BPF_ALU64, BPF_ATOMIC, BPF_B, BPF_DW, BPF_H, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_MEM,
  BPF_MOV, BPF_ST, BPF_STX, BPF_W, BPF_X, BPF_K, BPF_ALU, BPF_LDX, BPF_LD, BPF_IMM,
} from '../isa/opcode.js';
import { ConstExprError, evalConstExpr, splitArgs } from './constExpr.js';

export type Operand =
  | { name: string; kind: 'text'; text: string }
  | { name: string; kind: 'insn'; insn: Insn }
  | { name: string; kind: 'skip'; reason: string };

/** Names of things the file declares, used to classify `&name` operands. */
export interface FileSymbols {
  maps: Set<string>;
  data: Set<string>;
  functions: Set<string>;
  defines: Map<string, string>;
}

// uapi struct layouts (include/uapi/linux/bpf.h), for offsetof() in __imm_const.
const OFFSETS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  __sk_buff: {
    len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
    vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68,
    tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96,
    remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140,
    flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176,
    tstamp_type: 180, hwtstamp: 184,
  },
  xdp_md: { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 },
  bpf_sock: { bound_dev_if: 0, family: 4, type: 8, protocol: 12, mark: 16, priority: 20, src_ip4: 24 },
  bpf_xdp_sock: { queue_id: 0 },
};

const LIMITS: Readonly<Record<string, bigint>> = {
  INT_MIN: -(2n ** 31n), INT_MAX: 2n ** 31n - 1n, UINT_MAX: 2n ** 32n - 1n,
  SHRT_MIN: -(2n ** 15n), SHRT_MAX: 2n ** 15n - 1n, USHRT_MAX: 2n ** 16n - 1n,
  LLONG_MIN: -(2n ** 63n), LLONG_MAX: 2n ** 63n - 1n, ULLONG_MAX: 2n ** 64n - 1n,
  S32_MIN: -(2n ** 31n), S32_MAX: 2n ** 31n - 1n, U32_MAX: 2n ** 32n - 1n,
  S16_MIN: -(2n ** 15n), S16_MAX: 2n ** 15n - 1n, U16_MAX: 2n ** 16n - 1n,
  S64_MIN: -(2n ** 63n), S64_MAX: 2n ** 63n - 1n, U64_MAX: 2n ** 64n - 1n,
};

// Opcode-building names used by BPF_RAW_INSN & co. (include/linux/filter.h).
const OPCODE_NAMES: Readonly<Record<string, number>> = {
  BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_JMP32, BPF_ALU64,
  BPF_W, BPF_H, BPF_B, BPF_DW, BPF_IMM, BPF_MEM, BPF_ATOMIC, BPF_K, BPF_X, BPF_MOV, BPF_JA, BPF_JCOND,
  BPF_LOAD_ACQ: 0x100, BPF_STORE_REL: 0x110, BPF_REG_FP: 10,
};

function exprEnv(sym: FileSymbols) {
  const ident = (name: string, depth = 0): bigint | undefined => {
    if (name in LIMITS) return LIMITS[name];
    if (name in OPCODE_NAMES) return BigInt(OPCODE_NAMES[name]!);
    const reg = /^BPF_REG_(\d+)$/.exec(name);
    if (reg) return BigInt(reg[1]!);
    const def = sym.defines.get(name);
    if (def !== undefined && depth < 8) {
      try {
        return evalConstExpr(def, { ident: (n) => ident(n, depth + 1) });
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  return {
    ident: (n: string) => ident(n),
    call: (name: string, args: string[]): bigint | undefined => {
      if (name !== 'offsetof' || args.length !== 2) return undefined;
      const st = /^struct\s+(\w+)$/.exec(args[0]!.trim());
      const table = st ? OFFSETS[st[1]!] : undefined;
      const off = table?.[args[1]!.trim()];
      return off === undefined ? undefined : BigInt(off);
    },
  };
}

/** Evaluates a raw-instruction macro (BPF_RAW_INSN, BPF_ST_MEM, ...) to an Insn. */
function rawInsn(expr: string, sym: FileSymbols): Insn | string {
  const m = /^\s*(\w+)\s*\(([\s\S]*)\)\s*$/.exec(expr);
  if (!m) return `cannot evaluate raw insn '${expr.trim()}'`;
  const env = exprEnv(sym);
  let args: number[];
  try {
    args = splitArgs(m[2]!).map((a) => Number(evalConstExpr(a, env)));
  } catch (e) {
    return `cannot evaluate raw insn '${expr.trim()}': ${e instanceof Error ? e.message : String(e)}`;
  }
  const a = (i: number): number => args[i] ?? 0;
  switch (m[1]) {
    case 'BPF_RAW_INSN': return { code: a(0), dst: a(1), src: a(2), off: a(3), imm: a(4) };
    case 'BPF_ST_MEM': return { code: BPF_ST | a(0) | BPF_MEM, dst: a(1), src: 0, off: a(2), imm: a(3) };
    case 'BPF_MOVSX64_REG': return { code: BPF_ALU64 | BPF_MOV | BPF_X, dst: a(0), src: a(1), off: a(2), imm: 0 };
    case 'BPF_MOVSX32_REG': return { code: BPF_ALU | BPF_MOV | BPF_X, dst: a(0), src: a(1), off: a(2), imm: 0 };
    case 'BPF_ATOMIC_OP': return { code: BPF_STX | a(0) | BPF_ATOMIC, dst: a(2), src: a(3), off: a(4), imm: a(1) };
    default: return `unknown raw insn macro ${m[1]}`;
  }
}

/** Normalizes one operand entry to [name, constraint, expr, macro]. */
function normalize(entry: string): { name: string; constraint: string; expr: string; macro: string } | undefined {
  const mac = /^(__imm|__imm_const|__imm_addr|__imm_ptr|__imm_insn)\s*\(([\s\S]*)\)$/.exec(entry);
  if (mac) {
    const args = splitArgs(mac[2]!);
    const name = args[0]!.trim();
    const rest = args.slice(1).join(', ');
    switch (mac[1]) {
      case '__imm': return { name, constraint: 'i', expr: name, macro: '__imm' };
      case '__imm_const': return { name, constraint: 'i', expr: rest, macro: '__imm_const' };
      case '__imm_addr': return { name, constraint: 'i', expr: `&${name}`, macro: '__imm_addr' };
      case '__imm_ptr': return { name, constraint: 'r', expr: `&${name}`, macro: '__imm_ptr' };
      default: return { name, constraint: 'i', expr: rest, macro: '__imm_insn' };
    }
  }
  const raw = /^\[(\w+)\]\s*"([^"]*)"\s*\(([\s\S]*)\)$/.exec(entry);
  if (raw) return { name: raw[1]!, constraint: raw[2]!, expr: raw[3]!, macro: '' };
  return undefined;
}

/** Resolves the input operand list of one asm statement. */
export function resolveOperands(inputs: string, sym: FileSymbols): Operand[] {
  const out: Operand[] = [];
  for (const entry of splitArgs(inputs)) {
    if (entry === '') continue;
    const n = normalize(entry);
    if (!n) {
      out.push({ name: entry, kind: 'skip', reason: `unknown asm operand '${entry}'` });
      continue;
    }
    const { name, expr, macro } = n;
    if (macro === '__imm_insn') {
      const r = rawInsn(expr, sym);
      out.push(typeof r === 'string' ? { name, kind: 'skip', reason: r } : { name, kind: 'insn', insn: r });
      continue;
    }
    const addr = /^&\s*(\w+)$/.exec(expr.trim());
    if (addr) {
      const target = addr[1]!;
      const reason = sym.maps.has(target) ? `needs map (${target})`
        : sym.functions.has(target) ? `needs BTF (callback ${target})`
          : sym.data.has(target) ? `needs global data (${target})`
            : `address of unknown symbol ${target}`;
      out.push({ name, kind: 'skip', reason });
      continue;
    }
    const id = expr.trim();
    if (/^bpf_\w+$/.test(id) && !sym.defines.has(id)) {
      out.push({ name, kind: 'text', text: id }); // helper: `call %[bpf_x]` -> `call bpf_x`
      continue;
    }
    try {
      out.push({ name, kind: 'text', text: evalConstExpr(expr, exprEnv(sym)).toString() });
    } catch (e) {
      const why = e instanceof ConstExprError ? e.message : String(e);
      out.push({ name, kind: 'skip', reason: `cannot evaluate operand ${name} = ${expr.trim()} (${why})` });
    }
  }
  return out;
}
