import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { runCfgPasses } from '../../src/verifier/cfg/cfg.js';
import { formatLiveRegsLog, insnUseDef, type CallParams } from '../../src/verifier/cfg/liveRegs.js';
import { I, SOCKET_HELPER_PARAMS, encode, parseLiveRegs, socketCallParams } from './cfgAsm.js';


const live = (p: Insn[], callParams?: CallParams): number[] => {
  const r = runCfgPasses(p, { callParams });
  if (!r.ok) throw new Error(r.error);
  return r.aux.map((a) => a.liveRegsBefore);
};

// Programs with hand-computed live_regs_before masks (bits r0..r10).
const CASES: Array<[string, Insn[], number[]]> = [
  ['diamond', [I.jeqi(1, 0, 2), I.mov(0, 1), I.ja(1), I.mov(0, 2), I.exit()], [0b10, 0, 1, 0, 1]],
  ['stack spill/fill reads r10', [I.stx(10, 1, -8), I.ldx(0, 10, -8), I.exit()], [0x402, 0x400, 1]],
  ['st imm uses only dst', [I.st(10, -8, 1), I.mov(0, 0), I.exit()], [0x400, 0, 1]],
  ['loop keeps r1 alive around the back-edge', [I.mov(0, 0), I.mov(1, 5), I.addr(0, 1), I.jlti32(0, 10, -2), I.exit()],
    [0, 1, 3, 3, 1]],
  ['register compare uses both', [I.mov(0, 0), I.jgtr(3, 4, 0), I.exit()], [0x18, 0x19, 1]],
  ['unknown helper uses r1..r5 and clobbers r0..r5', [I.mov(6, 1), I.call(9999), I.movr(0, 6), I.exit()],
    [0x3e, 0x7e, 0x40, 1]],
  ['bpf-to-bpf call uses r1..r5', [I.mov(1, 0), I.pcall(2), I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()],
    [0x3c, 0x3e, 0, 1, 0, 1]],
  ['may_goto and ja use nothing', [I.mov(0, 0), I.mayGoto(1), I.ja(0), I.exit()], [0, 1, 1, 1]],
  ['ld_imm64 defines dst; its second slot stays 0', [...I.ld64(0, 7), I.exit()], [0, 0, 1]],
  ['LD_ABS uses every register (0xffff)', [I.movr(6, 1), I.raw(0x20, 0, 0, 0, 0), I.exit()], [0xffbf, 0xffff, 1]],
  ['cmpxchg uses r0, dst, src and defines r0', [I.raw(0xdb, 10, 2, -8, 0xf1), I.exit()], [0x405, 1]],
  ['atomic fetch-add defines src', [I.raw(0xdb, 10, 2, -8, 0x01), I.movr(0, 2), I.exit()], [0x404, 0x4, 1]],
  ['atomic add without fetch', [I.raw(0xdb, 10, 2, -8, 0x00), I.movr(0, 2), I.exit()], [0x404, 0x4, 1]],
  ['bswap uses and defines dst', [I.raw(0xd7, 0, 0, 0, 16), I.exit()], [1, 1]],
  ['neg uses dst', [I.raw(0x87, 3), I.movr(0, 3), I.exit()], [8, 8, 1]],
];

describe('compute_live_registers', () => {
  for (const [name, p, want] of CASES) it(name, () => expect(live(p)).toEqual(want));

  it('helper protos narrow the call use set', () => {
    const p = [I.mov(1, 0), I.mov(2, 0), I.call(1), I.exit()];
    expect(live(p, socketCallParams)).toEqual([0, 0b10, 0b110, 1]);
    expect(live(p)).toEqual([0x38, 0x3a, 0x3e, 1]);
    expect(live([I.call(7), I.exit()], socketCallParams)).toEqual([0, 1]);
  });

  it('load-acquire / store-release', () => {
    expect(insnUseDef(I.raw(0xdb, 3, 4, 0, 0x100))).toEqual({ use: 0x10, def: 0x8 });
    expect(insnUseDef(I.raw(0xdb, 3, 4, 0, 0x110))).toEqual({ use: 0x18, def: 0 });
  });

  it('formats the level-2 dump like the kernel', () => {
    const p = [I.mov(0, 0), I.mayGoto(2), I.addi(0, 1), I.ja(-3), I.exit()];
    const r = runCfgPasses(p);
    if (!r.ok) throw new Error(r.error);
    const txt = ['(b7) r0 = 0', '(e5) may_goto pc+2', '(07) r0 += 1', '(05) goto pc-3', '(95) exit'];
    expect(formatLiveRegsLog(p, r.aux, (i) => txt[i]!)).toEqual([
      'Live regs before insn:',
      '      0: .......... (b7) r0 = 0',
      '  1   1: 0......... (e5) may_goto pc+2',
      '  1   2: 0......... (07) r0 += 1',
      '  1   3: 0......... (05) goto pc-3',
      '      4: 0......... (95) exit',
    ]);
  });
});

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`kernel agreement on live registers ${avail.ok ? '' : avail.reason}`, () => {
  const helperProgs: Array<[string, Insn[]]> = [...SOCKET_HELPER_PARAMS.keys(), 9999].map((id) => [
    `helper #${id}`, [I.mov(1, 0), I.mov(2, 0), I.mov(3, 0), I.mov(4, 0), I.mov(5, 0), I.call(id), I.mov(0, 0), I.exit()],
  ]);
  for (const [name, p] of [...CASES.map(([n, q]): [string, Insn[]] => [n, q]), ...helperProgs]) {
    it(name, () => {
      const k = parseLiveRegs(bpfProgLoad(encode(p), 'socket', 0, 2).log);
      expect(k, 'kernel printed live regs').toBeDefined();
      const model = live(p, socketCallParams);
      for (const [idx, { mask }] of k!) expect(model[idx]! & 0x3ff, `insn ${idx}`).toBe(mask);
    });
  }
});
