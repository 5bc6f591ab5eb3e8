// struct bpf_insn <-> bytes, little-endian, 8 bytes per slot:
// u8 code; u8 dst_reg:4 (low nibble), src_reg:4 (high nibble); s16 off; s32 imm.

import type { Insn } from './insn.js';
import { IsaError, insnError } from './errors.js';

export const INSN_SIZE = 8;

/** Decode the slot at byte `offset` (which must be in bounds). */
export function decodeInsn(bytes: Uint8Array, offset = 0): Insn {
  if (offset < 0 || offset + INSN_SIZE > bytes.length) {
    throw new IsaError(`byte offset ${offset}: need ${INSN_SIZE} bytes, have ${Math.max(0, bytes.length - offset)}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, INSN_SIZE);
  const regs = dv.getUint8(1);
  return {
    code: dv.getUint8(0),
    dst: regs & 0x0f,
    src: regs >> 4,
    off: dv.getInt16(2, true),
    imm: dv.getInt32(4, true),
  };
}

/** Throws unless every field fits its bit width. */
export function checkInsn(insn: Insn, idx = 0, file?: string): void {
  const bad = (what: string, v: number): IsaError => insnError(file, idx, `${what} ${v} out of range`);
  if (!Number.isInteger(insn.code) || insn.code < 0 || insn.code > 0xff) throw bad('code', insn.code);
  if (!Number.isInteger(insn.dst) || insn.dst < 0 || insn.dst > 0xf) throw bad('dst_reg', insn.dst);
  if (!Number.isInteger(insn.src) || insn.src < 0 || insn.src > 0xf) throw bad('src_reg', insn.src);
  if (!Number.isInteger(insn.off) || insn.off < -0x8000 || insn.off > 0x7fff) throw bad('off', insn.off);
  if (!Number.isInteger(insn.imm) || insn.imm < -0x80000000 || insn.imm > 0x7fffffff) throw bad('imm', insn.imm);
}

/** Encode one slot into `out` at byte `offset` (a fresh 8-byte array by default). */
export function encodeInsn(insn: Insn, out = new Uint8Array(INSN_SIZE), offset = 0, idx = 0): Uint8Array {
  checkInsn(insn, idx);
  const dv = new DataView(out.buffer, out.byteOffset + offset, INSN_SIZE);
  dv.setUint8(0, insn.code);
  dv.setUint8(1, (insn.src << 4) | insn.dst);
  dv.setInt16(2, insn.off, true);
  dv.setInt32(4, insn.imm, true);
  return out;
}

/**
 * Bytes -> slots. ld_imm64 stays two slots, as in the kernel. Only the
 * framing is checked; semantic validity is the verifier's business.
 */
export function decodeProgram(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    const whole = Math.floor(bytes.length / INSN_SIZE);
    throw new IsaError(
      `truncated instruction at byte offset ${whole * INSN_SIZE} (insn ${whole}): ` +
        `${bytes.length % INSN_SIZE} trailing bytes, program length ${bytes.length} is not a multiple of ${INSN_SIZE}`,
    );
  }
  const out: Insn[] = [];
  for (let off = 0; off < bytes.length; off += INSN_SIZE) out.push(decodeInsn(bytes, off));
  return out;
}

export function encodeProgram(insns: Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  insns.forEach((insn, i) => encodeInsn(insn, out, i * INSN_SIZE, i));
  return out;
}
