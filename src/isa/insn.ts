// struct bpf_insn. A 16-byte ld_imm64 occupies two slots, as in the kernel:
// the second slot has code 0 and carries the upper 32 bits in imm.

export interface Insn {
  code: number; // u8
  dst: number;  // u4
  src: number;  // u4
  off: number;  // s16
  imm: number;  // s32
}

export const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn =>
  ({ code, dst, src, off, imm });
