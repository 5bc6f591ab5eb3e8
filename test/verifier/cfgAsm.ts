// Tiny insn builders and a kernel-log parser for the cfg/scc/liveness tests.
import { insn, type Insn } from '../../src/isa/insn.js';

export { SOCKET_HELPER_PARAMS, socketCallParams } from '../../src/verifier/cfg/helperProtos.js';

export const I = {
  mov: (dst: number, imm: number): Insn => insn(0xb7, dst, 0, 0, imm),
  movr: (dst: number, src: number): Insn => insn(0xbf, dst, src, 0, 0),
  addi: (dst: number, imm: number): Insn => insn(0x07, dst, 0, 0, imm),
  addr: (dst: number, src: number): Insn => insn(0x0f, dst, src, 0, 0),
  exit: (): Insn => insn(0x95, 0, 0, 0, 0),
  ja: (off: number): Insn => insn(0x05, 0, 0, off, 0),
  ja32: (imm: number): Insn => insn(0x06, 0, 0, 0, imm),
  jeqi: (dst: number, imm: number, off: number): Insn => insn(0x15, dst, 0, off, imm),
  jgtr: (dst: number, src: number, off: number): Insn => insn(0x2d, dst, src, off, 0),
  jlti32: (dst: number, imm: number, off: number): Insn => insn(0xa6, dst, 0, off, imm),
  mayGoto: (off: number): Insn => insn(0xe5, 0, 0, off, 0),
  call: (id: number): Insn => insn(0x85, 0, 0, 0, id),
  pcall: (imm: number): Insn => insn(0x85, 0, 1, 0, imm),
  stx: (dst: number, src: number, off: number): Insn => insn(0x7b, dst, src, off, 0),
  st: (dst: number, off: number, imm: number): Insn => insn(0x7a, dst, 0, off, imm),
  ldx: (dst: number, src: number, off: number): Insn => insn(0x79, dst, src, off, 0),
  ld64: (dst: number, imm: number, src = 0): Insn[] => [insn(0x18, dst, src, 0, imm), insn(0, 0, 0, 0, 0)],
  raw: (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => insn(code, dst, src, off, imm),
};

export function encode(insns: readonly Insn[]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  const v = new DataView(b.buffer);
  insns.forEach((x, i) => {
    v.setUint8(i * 8, x.code);
    v.setUint8(i * 8 + 1, (x.dst & 0xf) | ((x.src & 0xf) << 4));
    v.setInt16(i * 8 + 2, x.off, true);
    v.setInt32(i * 8 + 4, x.imm, true);
  });
  return b;
}

/** Kernel "Live regs before insn:" block: index -> { scc, mask (r0..r9) }. */
export function parseLiveRegs(log: string): Map<number, { scc: number; mask: number }> | undefined {
  const lines = log.split('\n');
  const at = lines.indexOf('Live regs before insn:');
  if (at < 0) return undefined;
  const out = new Map<number, { scc: number; mask: number }>();
  for (const line of lines.slice(at + 1)) {
    const m = /^( {4}|[ \d]{3} )([ \d]{3}): ([\d.]{10}) /.exec(line);
    if (!m) break;
    const scc = m[1]!.trim() === '' ? 0 : Number(m[1]!.trim());
    let mask = 0;
    for (let r = 0; r < 10; r++) if (m[3]![r] !== '.') mask |= 1 << r;
    out.set(Number(m[2]!.trim()), { scc, mask });
  }
  return out;
}

/** The rejection message: the last log line before the "processed ..." stats line. */
export function kernelError(log: string): string {
  const lines = log.split('\n').filter((l) => l !== '');
  const p = lines.findIndex((l) => l.startsWith('processed '));
  const body = p >= 0 ? lines.slice(0, p) : lines;
  return body[body.length - 1] ?? '';
}
