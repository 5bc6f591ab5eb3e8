// BPF maps in the model: ld_imm64 map loads (resolve_pseudo_ldimm64 and
// check_ld_imm), map value bounds (check_mem_region_access /
// check_map_access), null checks of lookup results (mark_ptr_or_null_regs)
// and the map text of register prints.
import {
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, isLdImm64,
} from '../../isa/opcode.js';
import type { Insn } from '../../isa/insn.js';
import type { MapSpec, Program } from '../../isa/program.js';
import { type VerifierEnv, VerifierError, EACCES, EINVAL, verbose } from '../state/env.js';
import { RegType, PTR_MAYBE_NULL, type BpfRegState } from '../state/reg.js';
import { BPF_REG_SIZE, SlotType, type BpfFuncState, type BpfVerifierState } from '../state/state.js';
import { S64_MIN } from '../state/regState.js';
import { markRegKnownZero } from '../state/scalar.js';
import { tnumIsConst } from '../state/tnum.js';
import { checkMapFieldAccess, mapProgIncompatibility } from './timers.js';

export const BPF_MAX_VAR_OFF = 1 << 29;
const ENOTSUPP = 524;

/** uapi map type numbers (enum bpf_map_type). */
export const MAP_TYPE_ID: Readonly<Record<MapSpec['type'], number>> = { hash: 1, array: 2, user_ringbuf: 31 };


export const mapOf = (env: VerifierEnv, idx: number): MapSpec | undefined => env.prog.maps[idx];


function fail(env: VerifierEnv, errno: number, msg: string): never {
  verbose(env, `${msg}\n`);
  throw new VerifierError(errno, msg);
}

const isMapLoad = (src: number): boolean =>
  src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_MAP_VALUE || src === BPF_PSEUDO_MAP_IDX_VALUE;
const isValueLoad = (src: number): boolean => src === BPF_PSEUDO_MAP_VALUE || src === BPF_PSEUDO_MAP_IDX_VALUE;

/**
 * The map part of resolve_pseudo_ldimm64: the first error it reports for a
 * map ld_imm64, or null. MAP_FD/MAP_VALUE imm is taken as an index too (the
 * oracle only passes fds through fd_array).
 */
export function resolvePseudoLdimm64(prog: Program): { errno: number; msg: string } | null {
  const insns = prog.insns;
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i] as Insn;
    if (!isLdImm64(insn.code)) continue;
    const hi = insns[i + 1];
    i++;
    if (!hi || !isMapLoad(insn.src)) continue;
    if (!isValueLoad(insn.src) && hi.imm !== 0) return { errno: EINVAL, msg: 'unrecognized bpf_ld_imm64 insn' };
    const map = prog.maps[insn.imm];
    if (!map) return { errno: EINVAL, msg: `fd ${insn.imm} is not pointing to valid bpf_map` };
    const incompatible = mapProgIncompatibility(map, prog.progType);
    if (incompatible) return { errno: EINVAL, msg: incompatible };
    if (isValueLoad(insn.src)) {
      const off = hi.imm >>> 0;
      if (off >= BPF_MAX_VAR_OFF) return { errno: EINVAL, msg: `direct value offset of ${off} is not allowed` };
      if (map.type !== 'array') return { errno: EINVAL, msg: 'no direct value access support for this map type' };
      if (map.maxEntries !== 1 || off >= map.valueSize) {
        return { errno: map.maxEntries !== 1 ? ENOTSUPP : EINVAL, msg: `invalid access to map value pointer, value_size=${map.valueSize} off=${off}` };
      }
    }
  }
  return null;
}

/**
 * Until verify.ts runs resolvePseudoLdimm64 where the kernel does (after
 * check_subprogs, before check_cfg), do_check calls this first: it drops what
 * the later passes logged (keeping the "func#N @M" lines) and fails.
 */
export function failUnresolvedMapLoads(env: VerifierEnv): void {
  const err = resolvePseudoLdimm64(env.prog);
  if (!err) return;
  const text = env.log.text();
  let keep = 0;
  for (const m of text.matchAll(/^func#\d+ @\d+\n/gm)) if (m.index === keep) keep += m[0].length;
  env.log.reset(keep);
  fail(env, err.errno, err.msg);
}

/** check_ld_imm for map loads (src_reg 1, 2, 5, 6); `orig` carries the map index and value offset. */
export function checkLdImmMap(env: VerifierEnv, orig: Insn, origHi: Insn, dst: BpfRegState): void {
  markRegKnownZero(dst);
  dst.mapIndex = orig.imm;
  if (isValueLoad(orig.src)) {
    dst.type = RegType.PTR_TO_MAP_VALUE;
    dst.off = origHi.imm >>> 0;
  } else {
    dst.type = RegType.CONST_PTR_TO_MAP;
  }
}

/** __check_mem_access for a map value (or key) region. */
function checkMemAccessIn(env: VerifierEnv, reg: BpfRegState, off: bigint, size: number, memSize: number, zeroSizeAllowed: boolean): boolean {
  const sizeOk = size > 0 || (size === 0 && zeroSizeAllowed);
  if (off >= 0n && sizeOk && off + BigInt(size) <= BigInt(memSize)) return true;
  // the kernel passes the offset as an int
  const o = Number(BigInt.asIntN(32, off));
  if (reg.type === RegType.PTR_TO_MAP_KEY) verbose(env, `invalid access to map key, key_size=${memSize} off=${o} size=${size}\n`);
  else verbose(env, `invalid access to map value, value_size=${memSize} off=${o} size=${size}\n`);
  return false;
}

/** check_mem_region_access: fixed plus variable offset against [0, memSize). */
export function checkMemRegionAccess(env: VerifierEnv, regno: number, reg: BpfRegState, off: number, size: number, memSize: number, zeroSizeAllowed: boolean): void {
  const smin = reg.smin;
  if (smin < 0n && (smin === S64_MIN || BigInt(off) + smin !== BigInt(BigInt.asIntN(32, BigInt(off) + smin)) || smin + BigInt(off) < 0n)) {
    fail(env, EACCES, `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  // off + smin is computed in 64 bits, then passed as int
  if (!checkMemAccessIn(env, reg, BigInt.asIntN(32, smin + BigInt(off)), size, memSize, zeroSizeAllowed)) {
    fail(env, EACCES, `R${regno} min value is outside of the allowed memory range`);
  }
  if (reg.umax >= BigInt(BPF_MAX_VAR_OFF)) {
    fail(env, EACCES, `R${regno} unbounded memory access, make sure to bounds check any such access`);
  }
  if (!checkMemAccessIn(env, reg, BigInt.asIntN(32, reg.umax + BigInt(off)), size, memSize, zeroSizeAllowed)) {
    fail(env, EACCES, `R${regno} max value is outside of the allowed memory range`);
  }
}

/** check_map_access: the value bounds, then the special fields. */
export function checkMapAccess(env: VerifierEnv, regno: number, reg: BpfRegState, off: number, size: number, zeroSizeAllowed: boolean): void {
  const map = mapOf(env, reg.mapIndex);
  if (!map) throw new VerifierError(EINVAL, 'map value without a map');
  checkMemRegionAccess(env, regno, reg, off, size, map.valueSize, zeroSizeAllowed);
  checkMapFieldAccess(env, map, reg, off, size);
}

/** mark_ptr_not_null_reg for array/hash maps and other maybe-null pointers. */
export function markPtrNotNullReg(reg: BpfRegState): void {
  reg.typeFlags &= ~PTR_MAYBE_NULL;
}

function markPtrOrNullReg(reg: BpfRegState, id: number, isNull: boolean): void {
  if (!(reg.typeFlags & PTR_MAYBE_NULL) || reg.id !== id || !reg.id) return;
  // arithmetic on maybe-null pointers is refused, so these are always zero
  if (reg.smin || reg.smax || !tnumIsConst(reg.varOff) || reg.varOff.value !== 0n || reg.off) return;
  if (isNull) {
    reg.type = RegType.SCALAR_VALUE;
    reg.typeFlags = 0;
    reg.id = 0;
    reg.refObjId = 0;
    return;
  }
  markPtrNotNullReg(reg);
  reg.id = 0; // no spin locks in the modelled maps
}

/** mark_ptr_or_null_regs: every register and spilled copy with regno's id. */
export function markPtrOrNullRegs(vstate: BpfVerifierState, regno: number, isNull: boolean): void {
  const regs = (vstate.frame[vstate.curframe] as BpfFuncState).regs;
  const id = (regs[regno] as BpfRegState).id;
  for (let fr = 0; fr <= vstate.curframe; fr++) {
    const f = vstate.frame[fr] as BpfFuncState;
    for (const r of f.regs) markPtrOrNullReg(r, id, isNull);
    for (let i = 0; i < f.allocatedStack / BPF_REG_SIZE; i++) {
      const s = f.stack[i];
      if (s && s.slotType[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL) markPtrOrNullReg(s.spilledPtr, id, isNull);
    }
  }
}

/** Indices of the ld_imm64 insns that load a map or map value. */
export function mapLoadInsns(prog: Program): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < prog.insns.length; i++) {
    const insn = prog.insns[i] as Insn;
    if (!isLdImm64(insn.code)) continue;
    if (isMapLoad(insn.src)) out.add(i);
    i++;
  }
  return out;
}

/**
 * The kernel prints a map ld_imm64 with the map's kernel address. For
 * comparing logs, the value of each `N: (18) rX = 0x...` of a map load (in
 * insn lines, the live-register dump and mark_precise lines) becomes `map`.
 * Apply to both sides.
 */
export function normalizeMapLoads(log: string, prog: Program): string {
  const idx = mapLoadInsns(prog);
  if (idx.size === 0) return log;
  // The value's width moves the `;` column of the state print, so the padding goes too.
  return log.replace(/\b(\d+): ((?:[.0-9]{10} )?\(18\) r\d+ = )0x[0-9a-f]+( +;)?/g,
    (all, n: string, mid: string, semi: string | undefined) => (idx.has(Number(n)) ? `${n}: ${mid}map${semi ? ' ;' : ''}` : all));
}
