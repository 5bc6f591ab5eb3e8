// Random control-flow programs through the model's pre-do_check passes and the
// live kernel: same rejection text and errno, or same SCC ids and live
// registers in the kernel's "Live regs before insn:" dump.
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { runCfgPasses } from '../../src/verifier/cfg/cfg.js';
import { liveProfile } from '../liveProfile.js';
import { I, SOCKET_HELPER_PARAMS, encode, kernelError, parseLiveRegs, socketCallParams } from './cfgAsm.js';

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const HELPERS = [...SOCKET_HELPER_PARAMS.keys(), 9999, 181];

/**
 * One body of `len` slots starting at insn `base`, beginning with `prefix`;
 * jump targets mostly inside the body. `sub` = start of a callee, if any.
 */
function body(rng: Rng, len: number, base: number, sub: number | undefined, prefix: Insn[] = []): Insn[] {
  const out: Insn[] = [...prefix];
  const reg = (): number => int(rng, 0, 9);
  const target = (i: number): number => {
    const abs = rng() < 0.03 ? int(rng, -2, len + 2) : int(rng, 0, len - 1);
    return abs - i - 1;
  };
  while (out.length < len - 1) {
    const i = out.length;
    const r = rng();
    if (r < 0.2) out.push(I.mov(reg(), int(rng, 0, 9)));
    else if (r < 0.3) out.push(I.addr(reg(), reg()));
    else if (r < 0.36) out.push(I.movr(reg(), reg()));
    else if (r < 0.52) out.push(I.jeqi(reg(), 0, target(i)));
    else if (r < 0.58) out.push(I.jgtr(reg(), reg(), target(i)));
    else if (r < 0.62) out.push(I.jlti32(reg(), 3, target(i)));
    else if (r < 0.67) out.push(I.ja(target(i)));
    else if (r < 0.69) out.push(I.ja32(target(i)));
    else if (r < 0.72) out.push(I.mayGoto(target(i)));
    else if (r < 0.76) out.push(I.exit());
    else if (r < 0.81) out.push(I.call(pick(rng, HELPERS)));
    else if (r < 0.84 && sub !== undefined) out.push(I.pcall(sub - (base + i) - 1));
    else if (r < 0.86 && sub !== undefined && i < len - 2) out.push(...I.ld64(reg(), sub - (base + i) - 1, 4));
    else if (r < 0.9 && i < len - 2) out.push(...I.ld64(reg(), int(rng, 0, 99)));
    else if (r < 0.94) out.push(I.stx(10, reg(), -8 * int(rng, 1, 4)));
    else if (r < 0.97) out.push(I.ldx(reg(), 10, -8 * int(rng, 1, 4)));
    else if (r < 0.985) out.push(I.raw(pick(rng, [0x20, 0xdb, 0x87, 0xd7, 0x8e, 0x00])));
    else out.push(I.st(10, -8, 1));
  }
  out.push(rng() < 0.95 ? I.exit() : I.ja(target(len - 1)));
  return out.slice(0, len);
}

function program(rng: Rng): Insn[] {
  const mainLen = int(rng, 3, 24);
  const subLen = rng() < 0.3 ? int(rng, 2, 10) : 0;
  // Insn 0 reads the uninitialised r2, so do_check stops at once ("R2 !read_ok")
  // and the test pays only for the passes before it.
  const main = body(rng, mainLen, 0, subLen ? mainLen : undefined, [I.ldx(0, 2, 0)]);
  const sub = subLen ? body(rng, subLen, mainLen, undefined) : [];
  return [...main, ...sub];
}

const avail = bpfAvailable();
const N = 3000;

describe.skipIf(!avail.ok)(`random CFGs agree with the kernel ${avail.ok ? '' : avail.reason}`, () => {
  it(`${N} programs`, () => {
    const rng = seedrandom('verihist-cfg');
    const stats = { accepted: 0, rejected: 0, sccs: 0 };
    const hist: Record<string, number> = {};
    for (let n = 0; n < N; n++) {
      const p = program(rng);
      const model = runCfgPasses(p, { callParams: socketCallParams, logLevel: 2, switches: liveProfile().switches });
      const k = bpfProgLoad(encode(p), 'socket', 0, 2, { logSize: 1 << 16 });
      const dump = parseLiveRegs(k.log);
      const ctx = `program #${n}: ${JSON.stringify(p.map((x) => [x.code, x.dst, x.src, x.off, x.imm]))}`;
      if (!model.ok) {
        stats.rejected++;
        const key = model.error.replace(/-?\d+/g, 'N');
        hist[key] = (hist[key] ?? 0) + 1;
        expect(dump, ctx).toBeUndefined();
        expect({ error: model.error, errno: model.errno }, ctx).toEqual({ error: kernelError(k.log), errno: k.errno });
        continue;
      }
      stats.accepted++;
      expect(dump, `${ctx}\n${k.log.slice(0, 400)}`).toBeDefined();
      for (const line of model.log) expect(k.log, ctx).toContain(`${line}\n`);
      const got = new Map<number, { scc: number; mask: number }>();
      for (const idx of dump!.keys()) got.set(idx, { scc: model.aux[idx]!.scc, mask: model.aux[idx]!.liveRegsBefore & 0x3ff });
      expect(got, ctx).toEqual(dump);
      if (model.sccCnt > 1) stats.sccs++;
    }
    // The generator must exercise both outcomes and loops.
    console.log(`cfg differential: ${JSON.stringify(stats)} ${JSON.stringify(hist)}`);
    expect(stats.accepted).toBeGreaterThan(N / 10);
    expect(stats.rejected).toBeGreaterThan(N / 10);
    expect(stats.sccs).toBeGreaterThan(N / 20);
  });
});
