// Random programs whose every instruction the 6.18 kernel lists in its
// level-2 log ("Live regs before insn"), for byte-exact disasm checks.
// Constraints mirror the kernel's pre-passes (unknown opcode, reserved
// LDX fields, jump ranges, reachability); see test/isa/disasm.test.ts.

import type { Insn } from '../../src/isa/insn.js';
import { insn } from '../../src/isa/insn.js';

/** mulberry32: small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexList = (s: string): number[] => s.trim().split(/\s+/).map((h) => parseInt(h, 16));

/** Non-jump codes the kernel lists (probed on 6.18), except ld_imm64. */
export const PLAIN_CODES = hexList(`
  04 07 0c 0f 14 17 1c 1f 20 24 27 28 2c 2f 30 34 37 3c 3f 40 44 47 48 4c 4f 50 54 57 5c 5f
  62 63 64 67 6a 6b 6c 6f 72 73 74 77 7a 7b 7c 7f 84 87 94 97 9c 9f a4 a7 ac af b4 b7 bc bf
  c3 c4 c7 cb cc cf d3 d4 d7 db dc 61 69 71 79 81 89 91`);
/** Conditional jumps (JMP and JMP32, K and X) plus may_goto. */
export const COND_JMP_CODES = hexList(`
  15 16 1d 1e 25 26 2d 2e 35 36 3d 3e 45 46 4d 4e 55 56 5d 5e 65 66 6d 6e 75 76 7d 7e
  a5 a6 ad ae b5 b6 bd be c5 c6 cd ce d5 d6 dd de e5`);

const OFF_SPECIAL = [0, 1, 8, 16, 32, -1, -8, 0x7fff, -0x8000];
const IMM_SPECIAL = [0, 1, -1, 16, 32, 64, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110,
  0x7fffffff, -0x80000000, 0x10002];

export function randomProgram(rnd: () => number, items: number): Insn[] {
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const reg = (): number => (rnd() < 0.9 ? int(11) : int(16));
  const off = (): number => (rnd() < 0.5 ? pick(OFF_SPECIAL) : rnd() < 0.5 ? int(64) - 32 : int(0x10000) - 0x8000);
  const imm = (): number => (rnd() < 0.5 ? pick(IMM_SPECIAL) : rnd() < 0.5 ? int(256) - 128 : (int(0x100000000) | 0));

  // Jumps get their targets after layout; `pending` holds [slot, kind].
  const prog: Insn[] = [insn(0xb7, 0, 0, 0, 0)];
  const second = new Set<number>(); // second halves of ld_imm64: not jump targets
  const pending: [number, 'off' | 'imm'][] = [];
  const guard = (): void => {
    prog.push(insn(0x15, 0, 0, 1, 0)); // if r0 == 0 goto pc+1: keeps what follows reachable
  };
  for (let k = 0; k < items; k++) {
    const r = rnd();
    if (r < 0.55) {
      const code = pick(PLAIN_CODES);
      const ldx = (code & 7) === 1;
      prog.push(insn(code, reg(), reg(), off(), ldx ? 0 : imm()));
    } else if (r < 0.65) {
      prog.push(insn(0x18, reg(), 0, 0, imm()), insn(0, 0, 0, 0, imm()));
      second.add(prog.length - 1);
    } else if (r < 0.85) {
      const code = pick(COND_JMP_CODES);
      pending.push([prog.length, 'off']);
      prog.push(insn(code, code === 0xe5 ? 0 : reg(), code === 0xe5 ? 0 : reg(), 0, imm()));
    } else if (r < 0.9) {
      prog.push(insn(0x85, 0, 0, 0, rnd() < 0.8 ? int(212) : int(1000)));
    } else if (r < 0.95) {
      guard();
      prog.push(insn(0x95, 0, 0, 0, 0));
    } else {
      guard();
      const long = rnd() < 0.5;
      pending.push([prog.length, long ? 'imm' : 'off']);
      prog.push(insn(long ? 0x06 : 0x05, 0, 0, 0, 0));
    }
  }
  prog.push(insn(0x95, 0, 0, 0, 0));
  const targets = prog.map((_, i) => i).filter((i) => !second.has(i));
  for (const [slot, kind] of pending) {
    // Mostly forward, sometimes backward (loops are fine for the listing).
    const fwd = targets.filter((t) => t > slot);
    const t = rnd() < 0.8 && fwd.length > 0 ? pick(fwd) : pick(targets);
    const rel = t - slot - 1;
    const i = prog[slot]!;
    prog[slot] = kind === 'off' ? { ...i, off: rel } : { ...i, imm: rel };
  }
  return prog;
}
