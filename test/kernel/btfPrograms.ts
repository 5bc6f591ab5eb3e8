// Programs that need BTF func_info, shared by btf.test.ts and the recorded
// level-2 logs under test/kernel/fixtures/btf-*.json.

import { BPF_PSEUDO_FUNC } from '../../src/isa/opcode.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import * as b from '../../src/isa/builder.js';
import type { Insn } from '../../src/isa/insn.js';

export const BPF_FUNC_LOOP = 181;

type Funcs = NonNullable<Program['funcs']>;

/** ld_imm64 rD = &subprog at `target`, for the ld_imm64 at index `at`. */
export const ldFunc = (dst: number, at: number, target: number): Insn[] =>
  b.ldImm64(dst, BigInt(target - at - 1), BPF_PSEUDO_FUNC);

/** main calls a one-argument subprog that returns its argument. */
export const staticSubprogInsns = (): Insn[] => b.prog(
  b.mov64Imm(b.R1, 1),   // 0
  b.callPseudo(1),        // 1 -> 3
  b.exit(),               // 2
  b.mov64Reg(b.R0, b.R1), // 3
  b.exit(),               // 4
);

/** bpf_loop(3, callback, NULL, 0); the callback returns index > 1. */
export const bpfLoopInsns = (): Insn[] => b.prog(
  b.mov64Imm(b.R1, 3),            // 0
  ldFunc(b.R2, 1, 8),             // 1-2
  b.mov64Imm(b.R3, 0),            // 3
  b.mov64Imm(b.R4, 0),            // 4
  b.call(BPF_FUNC_LOOP),          // 5
  b.mov64Imm(b.R0, 0),            // 6
  b.exit(),                       // 7
  b.mov64Imm(b.R0, 0),            // 8: callback(index, ctx)
  b.jmpImm('jle', b.R1, 1, 1),    // 9
  b.mov64Imm(b.R0, 1),            // 10
  b.exit(),                       // 11
);

/** main calls a global subprog that branches on its scalar argument. */
export const globalSubprogInsns = (): Insn[] => b.prog(
  b.mov64Imm(b.R1, 7),            // 0
  b.callPseudo(2),                // 1 -> 4
  b.mov64Imm(b.R0, 0),            // 2
  b.exit(),                       // 3
  b.mov64Imm(b.R0, 0),            // 4: func1(a1)
  b.jmpImm('jgt', b.R1, 10, 1),   // 5
  b.mov64Imm(b.R0, 1),            // 6
  b.exit(),                       // 7
);

/** The same global subprog, but the caller passes a stack pointer. */
export const globalBadArgInsns = (): Insn[] => b.prog(
  b.mov64Reg(b.R1, b.R10),        // 0
  b.callPseudo(2),                // 1 -> 4
  b.mov64Imm(b.R0, 0),            // 2
  b.exit(),                       // 3
  b.mov64Imm(b.R0, 0),            // 4
  b.jmpImm('jgt', b.R1, 10, 1),   // 5
  b.mov64Imm(b.R0, 1),            // 6
  b.exit(),                       // 7
);

const st = (params: number): Funcs[number] => ({ linkage: 'static', params });
const gl = (params: number): Funcs[number] => ({ linkage: 'global', params });

export interface BtfCase {
  name: string;
  program: Program;
}

/** The recorded cases: one fixture file per entry (btf-NAME.json). */
export const btfCases = (): BtfCase[] => [
  { name: 'static-subprog', program: makeProgram(staticSubprogInsns(), { name: 'static_subprog', funcs: [st(1), st(1)] }) },
  { name: 'bpf-loop-callback', program: makeProgram(bpfLoopInsns(), { name: 'bpf_loop_callback', funcs: [st(1), st(2)] }) },
  // no callback params in BTF: no argument check against the caller's regs
  { name: 'bpf-loop-callback-noparams', program: makeProgram(bpfLoopInsns(), { name: 'bpf_loop_cb_noparams', funcs: [st(1), st(0)] }) },
  { name: 'bpf-loop-no-btf', program: makeProgram(bpfLoopInsns(), { name: 'bpf_loop_no_btf' }) },
  { name: 'global-subprog', program: makeProgram(globalSubprogInsns(), { name: 'global_subprog', funcs: [st(1), gl(1)] }) },
  { name: 'global-bad-arg', program: makeProgram(globalBadArgInsns(), { name: 'global_bad_arg', funcs: [st(1), gl(1)] }) },
];
