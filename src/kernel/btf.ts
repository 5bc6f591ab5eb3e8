// A minimal BTF encoder (include/uapi/linux/btf.h): just enough types for
// BPF_PROG_LOAD func_info, which the kernel needs before it accepts a
// BPF_PSEUDO_FUNC ld_imm64 (callbacks) or a global subprogram.
//
// Type layout (ids are 1-based; 0 is void):
//   [1] INT  'int'  size 4, signed, 32 bits   (every function returns it)
//   [2] INT  'long' size 8, signed, 64 bits   (every parameter has this type)
//   then per function i: FUNC_PROTO (int (long a1, ..., long aN)) and
//   FUNC named 'main' (i = 0) or `func${i}`, linkage static or global.
// All-scalar parameters keep global subprograms verifiable without context
// or pointer-argument rules; pointers can be added when a test needs them.
// After the functions come the map types a map needs BTF for (a value with a
// `struct bpf_timer`, which btf_parse_fields finds by its name and size).

import type { Insn } from '../isa/insn.js';
import {
  BPF_CALL, BPF_DW, BPF_IMM, BPF_JMP, BPF_LD, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
} from '../isa/opcode.js';
import { BPF_TIMER_SIZE, CTX_STRUCT, funcName, type FuncInfoSpec } from '../isa/program.js';

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
const BTF_HDR_LEN = 24;

export const BTF_KIND_INT = 1;
export const BTF_KIND_ARRAY = 3;
export const BTF_KIND_STRUCT = 4;
export const BTF_KIND_PTR = 2;
export const BTF_KIND_FUNC = 12;
export const BTF_KIND_FUNC_PROTO = 13;
const BTF_INT_SIGNED = 1;

export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;

export type FuncLinkage = 'static' | 'global';

export interface BtfFunc {
  name: string;
  linkage: FuncLinkage;
  /** Number of parameters, each of type `long`. */
  params: number;
  /** When set, parameter 1 is a pointer to this (empty) struct instead: the context type. */
  ctxStruct?: string;
}

/** A map value layout that needs BTF: `long` words around one `struct bpf_timer`. */
export interface BtfMapValue {
  keySize: number;
  valueSize: number;
  timerOff: number;
}

/** BPF_MAP_CREATE's btf_key_type_id / btf_value_type_id. */
export interface MapTypeIds {
  keyTypeId: number;
  valueTypeId: number;
}

export interface EncodedBtf {
  bytes: Uint8Array;
  /** Type id of the FUNC for each input function, in order. */
  funcTypeIds: number[];
  /** Key and value type ids for each input map value, in order. */
  mapTypeIds: MapTypeIds[];
}


/** struct bpf_func_info: instruction offset of a subprogram and its FUNC id. */
export interface FuncInfo {
  insnOff: number;
  typeId: number;
}

export const INT_TYPE_ID = 1;
export const LONG_TYPE_ID = 2;

/** The function name used for subprogram i in the encoded BTF. */
export const btfFuncName = funcName;

const btfInfo = (kind: number, vlen: number): number => ((kind << 24) | (vlen & 0xffff)) >>> 0;

export function encodeFuncBtf(funcs: readonly BtfFunc[], maps: readonly BtfMapValue[] = []): EncodedBtf {
  const strs: number[] = [0]; // offset 0 is the empty name
  const strOff = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    const known = strOff.get(s);
    if (known !== undefined) return known;
    const off = strs.length;
    for (const b of Buffer.from(s, 'utf8')) strs.push(b);
    strs.push(0);
    strOff.set(s, off);
    return off;
  };
  const words: number[] = [];
  let nextId = 1;
  const addType = (...w: number[]): number => {
    words.push(...w);
    return nextId++;
  };

  const intId = addType(str('int'), btfInfo(BTF_KIND_INT, 0), 4, (BTF_INT_SIGNED << 24) | 32);
  const longId = addType(str('long'), btfInfo(BTF_KIND_INT, 0), 8, (BTF_INT_SIGNED << 24) | 64);
  if (intId !== INT_TYPE_ID || longId !== LONG_TYPE_ID) throw new Error('btf: unexpected base type ids');

  // `struct NAME *`: the kernel matches the context type by the struct's name
  const ctxPtrs = new Map<string, number>();
  const ctxPtr = (name: string): number => {
    let id = ctxPtrs.get(name);
    if (id === undefined) {
      const st = addType(str(name), btfInfo(BTF_KIND_STRUCT, 0), 0);
      id = addType(0, btfInfo(BTF_KIND_PTR, 0), st);
      ctxPtrs.set(name, id);
    }
    return id;
  };
  const funcTypeIds: number[] = [];
  for (const f of funcs) {
    if (!Number.isInteger(f.params) || f.params < 0 || f.params > 0xffff) {
      throw new Error(`btf: bad parameter count ${f.params} for ${f.name}`);
    }
    const params: number[] = [];
    for (let p = 1; p <= f.params; p++) params.push(str(`a${p}`), p === 1 && f.ctxStruct ? ctxPtr(f.ctxStruct) : longId);
    const protoId = addType(0, btfInfo(BTF_KIND_FUNC_PROTO, f.params), intId, ...params);
    const linkage = f.linkage === 'global' ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC;
    funcTypeIds.push(addType(str(f.name), btfInfo(BTF_KIND_FUNC, linkage), protoId));
  }

  const mapTypeIds: MapTypeIds[] = [];
  let timerId = 0;
  maps.forEach((m, i) => {
    const { keySize, valueSize, timerOff } = m;
    if (keySize !== 4 && keySize !== 8) throw new Error(`btf: map ${i}: key size ${keySize} (4 or 8 only)`);
    if (valueSize % 8 || timerOff % 8 || timerOff < 0 || timerOff + BPF_TIMER_SIZE > valueSize) {
      throw new Error(`btf: map ${i}: timer at ${timerOff} does not fit an 8-byte aligned value of ${valueSize}`);
    }
    if (!timerId) {
      const arr = addType(0, btfInfo(BTF_KIND_ARRAY, 0), 0, longId, intId, 2);
      timerId = addType(str('bpf_timer'), btfInfo(BTF_KIND_STRUCT, 1), BPF_TIMER_SIZE, str('__opaque'), arr, 0);
    }
    const members: number[] = [];
    for (let off = 0; off < valueSize; off += 8) {
      if (off === timerOff) members.push(str('timer'), timerId, off * 8);
      else if (off < timerOff || off >= timerOff + BPF_TIMER_SIZE) members.push(str(`w${off / 8}`), longId, off * 8);
    }
    const valueTypeId = addType(str(`map${i}_value`), btfInfo(BTF_KIND_STRUCT, members.length / 3), valueSize, ...members);
    mapTypeIds.push({ keyTypeId: keySize === 4 ? intId : longId, valueTypeId });
  });

  const typeLen = words.length * 4;
  const out = new Uint8Array(BTF_HDR_LEN + typeLen + strs.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, BTF_MAGIC, true);
  dv.setUint8(2, BTF_VERSION);
  dv.setUint8(3, 0);
  dv.setUint32(4, BTF_HDR_LEN, true);
  dv.setUint32(8, 0, true); // type_off
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true); // str_off
  dv.setUint32(20, strs.length, true);
  words.forEach((w, i) => dv.setUint32(BTF_HDR_LEN + i * 4, w >>> 0, true));
  out.set(strs, BTF_HDR_LEN + typeLen);
  return { bytes: out, funcTypeIds, mapTypeIds };
}

/**
 * Subprogram start offsets, sorted, as add_subprog_and_kfunc finds them:
 * 0, plus the target of every bpf-to-bpf call and BPF_PSEUDO_FUNC ld_imm64.
 * Out-of-range targets are dropped; the kernel reports those itself.
 */
export function subprogStarts(insns: readonly Insn[]): number[] {
  const starts = new Set<number>([0]);
  insns.forEach((i, idx) => {
    const call = i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL;
    const func = i.code === (BPF_LD | BPF_IMM | BPF_DW) && i.src === BPF_PSEUDO_FUNC;
    if (!call && !func) return;
    const target = idx + i.imm + 1;
    if (target >= 0 && target < insns.length) starts.add(target);
  });
  return [...starts].sort((a, b) => a - b);
}

/**
 * BTF and func_info for a program whose subprograms are described by
 * `funcs` (one per subprogram, in start order). Throws if the counts differ.
 */
export function programFuncInfo(
  insns: readonly Insn[],
  funcs: readonly FuncInfoSpec[],
  ctxStruct = CTX_STRUCT.socket,
): { btf: Uint8Array; funcInfo: FuncInfo[] } {
  const r = programBtf(insns, funcs, [], ctxStruct);
  return { btf: r.btf, funcInfo: r.funcInfo };
}

/**
 * The program's BTF: func_info for `funcs` (when given) and the key/value
 * types of every map with a timer (mapTypes[i] is null for maps without BTF).
 * Empty bytes when neither is needed.
 */
export function programBtf(
  insns: readonly Insn[],
  funcs: readonly FuncInfoSpec[] | undefined,
  maps: readonly { keySize: number; valueSize: number; timerOff?: number }[],
  ctxStruct: string,
): { btf: Uint8Array; funcInfo: FuncInfo[]; mapTypes: (MapTypeIds | null)[] } {
  const starts = funcs ? subprogStarts(insns) : [];
  if (funcs && starts.length !== funcs.length) {
    throw new Error(`program has ${starts.length} subprograms but ${funcs.length} BTF function descriptions`);
  }
  const withBtf = maps.flatMap((m) => (m.timerOff === undefined ? [] : [{ keySize: m.keySize, valueSize: m.valueSize, timerOff: m.timerOff }]));
  if (!funcs && withBtf.length === 0) return { btf: new Uint8Array(0), funcInfo: [], mapTypes: maps.map(() => null) };
  const enc = encodeFuncBtf((funcs ?? []).map((f, i) => ({
    name: btfFuncName(i), linkage: f.linkage, params: f.params, ...(f.ctx && f.params > 0 ? { ctxStruct } : {}),
  })), withBtf);
  let k = 0;
  return {
    btf: enc.bytes,
    funcInfo: starts.map((insnOff, i) => ({ insnOff, typeId: enc.funcTypeIds[i]! })),
    mapTypes: maps.map((m) => (m.timerOff === undefined ? null : enc.mapTypeIds[k++]!)),
  };
}
