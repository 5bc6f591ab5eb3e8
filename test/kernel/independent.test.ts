// The oracle (loadInKernel) against an independent raw bpf(BPF_PROG_LOAD) of
// the same bytes, with the statistics parsed here by a separate tiny regex:
// random 8-byte instruction strings (mostly rejected) and generated programs.
import seedrandom from 'seedrandom';
import { describe, expect, test } from 'vitest';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { decodeProgram, encodeProgram } from '../../src/isa/encode.js';
import { makeProgram, type Program } from '../../src/isa/program.js';
import type { Result } from '../../src/result/result.js';
import { generatePrograms } from '../../generators/index.js';

const avail = bpfAvailable();
const why = avail.ok ? '' : avail.reason;

interface Raw {
  verdict: 'accept' | 'reject';
  errno: number;
  insns: number;
  total_states: number;
  peak_states: number;
}

/** The raw load, parsed independently of src/kernel/logParse.ts. */
function rawLoad(p: Program, logLevel: number): Raw {
  const o = bpfProgLoad(encodeProgram(p.insns), p.progType, p.flags, logLevel);
  const m = /processed (\d+) insns .*total_states (\d+) peak_states (\d+)/.exec(o.log);
  return {
    verdict: o.fd >= 0 ? 'accept' : 'reject',
    errno: o.fd >= 0 ? 0 : o.errno,
    insns: m ? Number(m[1]) : 0,
    total_states: m ? Number(m[2]) : 0,
    peak_states: m ? Number(m[3]) : 0,
  };
}

const pick = (r: Result): Raw => ({
  verdict: r.verdict === 'accept' ? 'accept' : 'reject', errno: r.errno, insns: r.insns, total_states: r.total_states, peak_states: r.peak_states,
});

// Opcodes the kernel knows (ALU/JMP/LD/ST forms), so some random strings get past the first insn.
const CODES = [
  0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf,
  0xb7, 0xbf, 0xc7, 0xcf, 0x04, 0x0c, 0xb4, 0xbc, 0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x55, 0x5d, 0x65, 0x6d,
  0xa5, 0xb5, 0xc5, 0xd5, 0x16, 0x56, 0x85, 0x95, 0xe5, 0x18, 0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b,
  0x73, 0x7b, 0xdb, 0xc3,
];

const JUMPS = new Set([0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x55, 0x5d, 0x65, 0x6d, 0xa5, 0xb5, 0xc5, 0xd5, 0x16, 0x56, 0xe5]);

/**
 * 1-12 random 8-byte slots. kind 0: fully random bytes; kind 1: known opcodes
 * with small registers, offsets and immediates, ending in exit; kind 2: as 1
 * but r0-r9 initialized first, jumps kept in range and r0 set before exit.
 */
function randomBytes(rnd: () => number, kind: 0 | 1 | 2): Uint8Array {
  const n = 1 + Math.floor(rnd() * 12);
  const slots: Array<[number, number, number, number, number]> = [];
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  if (kind === 2) for (let r = 0; r < 10; r++) slots.push([0xb7, r, 0, 0, int(-8, 8)]);
  const body = slots.length;
  for (let i = 0; i < n; i++) {
    if (kind === 0) {
      slots.push([int(0, 255), int(0, 15), int(0, 15), int(-0x8000, 0x7fff), int(-0x80000000, 0x7fffffff)]);
      continue;
    }
    // kind 2: ALU and conditional jumps only (ja/exit/calls would leave insns unreachable)
    const pool = kind === 2 ? CODES.filter((c) => (c & 0x07) === 0x07 || (c & 0x07) === 0x04 || (c & 0x07) === 0x0c || (JUMPS.has(c) && c !== 0x05 && c !== 0xe5)) : CODES;
    const code = pool[int(0, pool.length - 1)]!;
    const left = body + n - (slots.length + 1); // slots after this one, before the tail
    const off = kind === 2 && JUMPS.has(code) ? int(0, Math.max(0, left)) : int(-8, 8);
    const imm = rnd() < 0.7 ? int(-16, 48) : int(-0x80000000, 0x7fffffff);
    if (kind === 1) {
      slots.push([code, int(0, 10), int(0, 10), off, imm]);
      continue;
    }
    // kind 2 keeps the reserved fields zero: src for K forms, imm for X forms, off for ALU.
    const x = (code & 0x08) !== 0;
    slots.push([code, int(0, 9), x ? int(0, 9) : 0, JUMPS.has(code) ? off : 0, x ? 0 : imm]);
  }
  if (kind !== 0) {
    if (kind === 2) slots.push([0xb7, 0, 0, 0, 0]);
    slots.push([0x95, 0, 0, 0, 0]);
  }
  const b = new Uint8Array(slots.length * 8);
  const dv = new DataView(b.buffer);
  slots.forEach(([code, dst, src, off, imm], i) => {
    dv.setUint8(i * 8, code);
    dv.setUint8(i * 8 + 1, (src << 4) | dst);
    dv.setInt16(i * 8 + 2, off, true);
    dv.setInt32(i * 8 + 4, imm, true);
  });
  return b;
}

describe.skipIf(!avail.ok)(`oracle vs independent raw bpf() load${why ? ` (skipped: ${why})` : ''}`, () => {
  test('300 random instruction strings: same verdict, errno, insns, total_states, peak_states', () => {
    const rnd = seedrandom('verihist-independent');
    let accepted = 0;
    let withStats = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(rnd, (i % 3) as 0 | 1 | 2);
      const p = makeProgram(decodeProgram(bytes), { name: `rand_${i}` });
      // The oracle loads exactly these bytes (decode/encode is a bijection).
      expect(encodeProgram(p.insns)).toEqual(bytes);
      // Level 0 is what `verihist kernel` uses by default (loaded at BPF_LOG_STATS).
      const oracle = pick(loadInKernel(p, { logLevel: 0 }));
      const raw = rawLoad(p, 4);
      expect(oracle, `rand_${i}`).toEqual(raw);
      if (raw.verdict === 'accept') accepted++;
      if (raw.insns > 0) withStats++;
    }
    // Mostly rejected, and the stats line is seen often enough to matter.
    expect(accepted).toBeLessThan(150);
    expect(accepted).toBeGreaterThan(20);
    expect(withStats).toBeGreaterThan(80);
  });

  test('250 generated programs (small, loops, risky) at log level 2', () => {
    const progs = [
      ...generatePrograms({ preset: 'small', count: 100, seed: 11 }).programs,
      ...generatePrograms({ preset: 'loops', count: 75, seed: 12 }).programs,
      ...generatePrograms({ preset: 'risky', count: 75, seed: 13 }).programs,
    ];
    let rejected = 0;
    for (const p of progs) {
      const oracle = pick(loadInKernel(p, { logLevel: 2 }));
      const raw = rawLoad(p, 2);
      expect(oracle, p.name).toEqual(raw);
      expect(raw.insns, p.name).toBeGreaterThan(0);
      if (raw.verdict === 'reject') rejected++;
    }
    // risky programs exercise the reject path too
    expect(rejected).toBeGreaterThan(0);
  });
});
