// Small instruction-building DSL (in the spirit of cilium/ebpf asm) for tests
// and generators. Every builder returns Insn[] (ld_imm64 gives two slots), so
// programs are written as `prog(mov64Imm(R0, 0), exit())`.

import type { Insn } from './insn.js';
import { insn } from './insn.js';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT,
  BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD, BPF_LDX, BPF_LSH,
  BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TO_BE, BPF_TO_LE, BPF_W,
  BPF_X, BPF_XCHG, BPF_XOR,
} from './opcode.js';
import { helperId } from './disasm.js';

export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;
export const R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10, FP = 10;

export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'xor' | 'mov' | 'arsh'
  | 'sdiv' | 'smod';
export type JmpOp = 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';
export type Size = 'b' | 'h' | 'w' | 'dw' | 1 | 2 | 4 | 8;
export type AtomicOp = 'add' | 'and' | 'or' | 'xor';

const ALU: Readonly<Record<AluOp, [number, number]>> = {
  add: [BPF_ADD, 0], sub: [BPF_SUB, 0], mul: [BPF_MUL, 0], div: [BPF_DIV, 0], or: [BPF_OR, 0],
  and: [BPF_AND, 0], lsh: [BPF_LSH, 0], rsh: [BPF_RSH, 0], mod: [BPF_MOD, 0], xor: [BPF_XOR, 0],
  mov: [BPF_MOV, 0], arsh: [BPF_ARSH, 0], sdiv: [BPF_DIV, 1], smod: [BPF_MOD, 1],
};
const JMP: Readonly<Record<JmpOp, number>> = {
  jeq: BPF_JEQ, jgt: BPF_JGT, jge: BPF_JGE, jset: BPF_JSET, jne: BPF_JNE, jsgt: BPF_JSGT, jsge: BPF_JSGE,
  jlt: BPF_JLT, jle: BPF_JLE, jslt: BPF_JSLT, jsle: BPF_JSLE,
};
const ATOMIC: Readonly<Record<AtomicOp, number>> = { add: BPF_ADD, and: BPF_AND, or: BPF_OR, xor: BPF_XOR };

export const sizeCode = (size: Size): number => {
  switch (size) {
    case 'b': case 1: return BPF_B;
    case 'h': case 2: return BPF_H;
    case 'w': case 4: return BPF_W;
    default: return BPF_DW;
  }
};

/** Concatenate builder results into one program. */
export const prog = (...parts: (Insn | Insn[])[]): Insn[] => parts.flat();

const one = (code: number, dst: number, src: number, off: number, imm: number): Insn[] =>
  [insn(code, dst, src, off, imm)];

export const alu64Imm = (op: AluOp, dst: number, imm: number): Insn[] =>
  one(BPF_ALU64 | ALU[op][0] | BPF_K, dst, 0, ALU[op][1], imm);
export const alu64Reg = (op: AluOp, dst: number, src: number): Insn[] =>
  one(BPF_ALU64 | ALU[op][0] | BPF_X, dst, src, ALU[op][1], 0);
export const alu32Imm = (op: AluOp, dst: number, imm: number): Insn[] =>
  one(BPF_ALU | ALU[op][0] | BPF_K, dst, 0, ALU[op][1], imm);
export const alu32Reg = (op: AluOp, dst: number, src: number): Insn[] =>
  one(BPF_ALU | ALU[op][0] | BPF_X, dst, src, ALU[op][1], 0);

export const mov64Imm = (dst: number, imm: number): Insn[] => alu64Imm('mov', dst, imm);
export const mov64Reg = (dst: number, src: number): Insn[] => alu64Reg('mov', dst, src);
export const mov32Imm = (dst: number, imm: number): Insn[] => alu32Imm('mov', dst, imm);
export const mov32Reg = (dst: number, src: number): Insn[] => alu32Reg('mov', dst, src);
/** rD = (sN)rS (movsx); bits 8, 16 or 32. */
export const movsx64 = (dst: number, src: number, bits: 8 | 16 | 32): Insn[] =>
  one(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, bits, 0);
export const movsx32 = (dst: number, src: number, bits: 8 | 16): Insn[] =>
  one(BPF_ALU | BPF_MOV | BPF_X, dst, src, bits, 0);
export const neg64 = (dst: number): Insn[] => one(BPF_ALU64 | BPF_NEG | BPF_K, dst, 0, 0, 0);
export const neg32 = (dst: number): Insn[] => one(BPF_ALU | BPF_NEG | BPF_K, dst, 0, 0, 0);
/** rD = be16/le16 rD (32-bit class END, as the kernel encodes it). */
export const endian = (kind: 'be' | 'le', dst: number, bits: 16 | 32 | 64): Insn[] =>
  one(BPF_ALU | BPF_END | (kind === 'be' ? BPF_TO_BE : BPF_TO_LE), dst, 0, 0, bits);
export const bswap = (dst: number, bits: 16 | 32 | 64): Insn[] => one(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, bits);

/** rD = *(size *)(rS + off); `signExtend` gives the MEMSX form. */
export const ldxMem = (size: Size, dst: number, src: number, off: number, signExtend = false): Insn[] =>
  one(BPF_LDX | (signExtend ? BPF_MEMSX : BPF_MEM) | sizeCode(size), dst, src, off, 0);
export const stxMem = (size: Size, dst: number, src: number, off: number): Insn[] =>
  one(BPF_STX | BPF_MEM | sizeCode(size), dst, src, off, 0);
export const stMem = (size: Size, dst: number, off: number, imm: number): Insn[] =>
  one(BPF_ST | BPF_MEM | sizeCode(size), dst, 0, off, imm);

/** lock *(size *)(rD + off) op= rS; with `fetch`, rS receives the old value. */
export const atomic = (size: 'w' | 'dw' | 4 | 8, op: AtomicOp, dst: number, src: number, off: number, fetch = false): Insn[] =>
  one(BPF_STX | BPF_ATOMIC | sizeCode(size), dst, src, off, ATOMIC[op] | (fetch ? BPF_FETCH : 0));
export const atomicXchg = (size: 'w' | 'dw' | 4 | 8, dst: number, src: number, off: number): Insn[] =>
  one(BPF_STX | BPF_ATOMIC | sizeCode(size), dst, src, off, BPF_XCHG);
export const atomicCmpxchg = (size: 'w' | 'dw' | 4 | 8, dst: number, src: number, off: number): Insn[] =>
  one(BPF_STX | BPF_ATOMIC | sizeCode(size), dst, src, off, BPF_CMPXCHG);

export const jmpImm = (op: JmpOp, dst: number, imm: number, off: number): Insn[] =>
  one(BPF_JMP | JMP[op] | BPF_K, dst, 0, off, imm);
export const jmpReg = (op: JmpOp, dst: number, src: number, off: number): Insn[] =>
  one(BPF_JMP | JMP[op] | BPF_X, dst, src, off, 0);
export const jmp32Imm = (op: JmpOp, dst: number, imm: number, off: number): Insn[] =>
  one(BPF_JMP32 | JMP[op] | BPF_K, dst, 0, off, imm);
export const jmp32Reg = (op: JmpOp, dst: number, src: number, off: number): Insn[] =>
  one(BPF_JMP32 | JMP[op] | BPF_X, dst, src, off, 0);
export const ja = (off: number): Insn[] => one(BPF_JMP | BPF_JA, 0, 0, off, 0);
export const gotol = (imm: number): Insn[] => one(BPF_JMP32 | BPF_JA, 0, 0, 0, imm);
export const mayGoto = (off: number): Insn[] => one(BPF_JMP | BPF_JCOND, 0, 0, off, 0);

/** Helper call by id or name (`'bpf_get_prandom_u32'` or `'get_prandom_u32'`). */
export const call = (helper: number | string): Insn[] => {
  const id = typeof helper === 'number' ? helper : helperId(helper);
  if (id === undefined) throw new Error(`unknown helper '${String(helper)}'`);
  return one(BPF_JMP | BPF_CALL, 0, 0, 0, id);
};
/** bpf-to-bpf call, imm relative to the next instruction. */
export const callPseudo = (off: number): Insn[] => one(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, off);
export const callKfunc = (btfId: number): Insn[] => one(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btfId);
export const exit = (): Insn[] => one(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

/** Two slots; `src` selects a pseudo form (e.g. BPF_PSEUDO_MAP_IDX). */
export const ldImm64 = (dst: number, value: bigint, src = 0): Insn[] => {
  const u = BigInt.asUintN(64, value);
  return [
    insn(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, Number(BigInt.asIntN(32, u))),
    insn(0, 0, 0, 0, Number(BigInt.asIntN(32, u >> 32n))),
  ];
};
/** rD = &map[idx] via fd_array (Program.maps order). */
export const ldMapIdx = (dst: number, mapIdx: number): Insn[] => ldImm64(dst, BigInt(mapIdx), BPF_PSEUDO_MAP_IDX);
/** rD = &map[idx].value + off. */
export const ldMapValue = (dst: number, mapIdx: number, off: number): Insn[] =>
  ldImm64(dst, (BigInt(off) << 32n) | BigInt(mapIdx), BPF_PSEUDO_MAP_IDX_VALUE);
