// BTF func_info for the live-kernel oracle. The encoder tests run anywhere;
// loads are skipped without bpf(). `verihist kernel --record` rewrites
// test/kernel/fixtures/btf-*@PROFILE.json with the logs the kernel prints now.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_MAGIC, encodeFuncBtf, programFuncInfo, subprogStarts,
} from '../../src/kernel/btf.js';
import { bpfAvailable, bpfBtfLoad, bpfProgLoad, closeFd } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { probeLiveKernel } from '../../src/kernel/probe.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { makeProgram } from '../../src/isa/program.js';
import { makeFixture, type KernelFixture } from '../../src/kernel/fixture.js';
import {
  bpfLoopInsns, btfCases, globalSubprogInsns, staticSubprogInsns,
} from './btfPrograms.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('BTF encoder', () => {
  test('header, type and string sections', () => {
    const { bytes, funcTypeIds } = encodeFuncBtf([
      { name: 'main', linkage: 'static', params: 1 },
      { name: 'g', linkage: 'global', params: 2 },
    ]);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    expect(dv.getUint16(0, true)).toBe(BTF_MAGIC);
    expect(dv.getUint8(2)).toBe(1);
    expect(dv.getUint32(4, true)).toBe(24);
    // int, long (16 bytes each), proto 1 arg (12 + 8), func (12), proto 2 args (12 + 16), func (12)
    const typeLen = 16 + 16 + 20 + 12 + 28 + 12;
    expect([dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true)]).toEqual([0, typeLen, typeLen]);
    expect(bytes.length).toBe(24 + typeLen + dv.getUint32(20, true));
    expect(funcTypeIds).toEqual([4, 6]);
    // the second FUNC: kind 12, vlen = linkage 1, type = proto id 5
    const g = 24 + 16 + 16 + 20 + 12 + 28;
    expect(dv.getUint32(g + 4, true)).toBe((BTF_KIND_FUNC << 24) | 1);
    expect(dv.getUint32(g + 8, true)).toBe(5);
    expect(dv.getUint32(g - 28 + 4, true)).toBe((BTF_KIND_FUNC_PROTO << 24) | 2);
    const strs = Buffer.from(bytes.subarray(24 + typeLen)).toString('latin1');
    expect(strs).toBe('\0int\0long\0a1\0main\0a2\0g\0');
  });

  test('subprogram starts from pseudo calls and pseudo funcs', () => {
    expect(subprogStarts(staticSubprogInsns())).toEqual([0, 3]);
    expect(subprogStarts(bpfLoopInsns())).toEqual([0, 8]);
    expect(subprogStarts(globalSubprogInsns())).toEqual([0, 4]);
    expect(programFuncInfo(bpfLoopInsns(), [
      { linkage: 'static', params: 1 }, { linkage: 'static', params: 2 },
    ]).funcInfo).toEqual([{ insnOff: 0, typeId: 4 }, { insnOff: 8, typeId: 6 }]);
    expect(() => programFuncInfo(bpfLoopInsns(), [{ linkage: 'static', params: 1 }])).toThrow(/2 subprograms but 1/);
  });
});

const avail = bpfAvailable();
const why = avail.ok ? '' : ` (skipped: ${avail.reason})`;

describe.skipIf(!avail.ok)(`BTF with the live kernel${why}`, () => {
  test('BPF_BTF_LOAD accepts the blob and reports every type; rejects a bad magic', () => {
    const { bytes } = encodeFuncBtf([{ name: 'main', linkage: 'static', params: 1 }]);
    const ok = bpfBtfLoad(bytes);
    try {
      expect(ok.fd).toBeGreaterThan(0);
      expect(ok.log).toContain('[1] INT int size=4 bits_offset=0 nr_bits=32 encoding=SIGNED');
      expect(ok.log).toContain('[3] FUNC_PROTO (anon) return=1 args=(2 a1)');
      expect(ok.log).toContain('[4] FUNC main type_id=3');
    } finally {
      closeFd(ok.fd);
    }
    const bad = Uint8Array.from(bytes);
    bad[0] = 0;
    const r = bpfBtfLoad(bad);
    expect(r).toMatchObject({ fd: -1, errno: 22 });
  });

  test('func_info offsets reach the kernel: a wrong insn_off is refused', () => {
    const insns = staticSubprogInsns();
    const { btf, funcInfo } = programFuncInfo(insns, [{ linkage: 'static', params: 1 }, { linkage: 'static', params: 1 }]);
    const b = bpfBtfLoad(btf);
    try {
      const bytes = encodeProgram(insns);
      const good = bpfProgLoad(bytes, 'socket', 0, 1, { progBtfFd: b.fd, funcInfo });
      expect(good.fd).toBe(0);
      const wrong = funcInfo.map((r, i) => (i === 1 ? { ...r, insnOff: 2 } : r));
      const bad = bpfProgLoad(bytes, 'socket', 0, 1, { progBtfFd: b.fd, funcInfo: wrong });
      expect(bad.errno).toBe(22);
      expect(bad.log).toContain("func_info BTF section doesn't match subprog layout in BPF program");
      const short = bpfProgLoad(bytes, 'socket', 0, 1, { progBtfFd: b.fd, funcInfo: funcInfo.slice(0, 1) });
      expect(short.errno).toBe(22);
      expect(short.log).toContain("number of funcs in func_info doesn't match number of subprogs");
    } finally {
      closeFd(b.fd);
    }
  });

  test('a static subprogram: the level-2 log is the same with and without BTF', () => {
    const insns = staticSubprogInsns();
    const plain = loadInKernel(makeProgram(insns), { logLevel: 2, keepLog: true });
    const withBtf = loadInKernel(
      makeProgram(insns, { funcs: [{ linkage: 'static', params: 1 }, { linkage: 'static', params: 1 }] }),
      { logLevel: 2, keepLog: true },
    );
    expect(plain.verdict).toBe('accept');
    expect(withBtf).toEqual(plain);
    expect(withBtf.log).toContain('func#1 @3');
  });

  test('bpf_loop with a BPF_PSEUDO_FUNC callback needs BTF func_info', () => {
    const funcs = [{ linkage: 'static' as const, params: 1 }, { linkage: 'static' as const, params: 2 }];
    const withBtf = loadInKernel(makeProgram(bpfLoopInsns(), { funcs }), { logLevel: 2, keepLog: true });
    expect(withBtf).toMatchObject({ verdict: 'accept', errno: 0 });
    expect(withBtf.log).toContain('func#1 @8');
    const plain = loadInKernel(makeProgram(bpfLoopInsns()), { logLevel: 2, keepLog: true });
    expect(plain).toMatchObject({ verdict: 'reject', errno: 22, error: 'missing btf func_info' });
  });

  test('a global subprogram is verified once, on its own', () => {
    const funcs = [{ linkage: 'static' as const, params: 1 }, { linkage: 'global' as const, params: 1 }];
    const r = loadInKernel(makeProgram(globalSubprogInsns(), { funcs }), { logLevel: 2, keepLog: true });
    expect(r.verdict).toBe('accept');
    expect(r.log).toContain("Func#1 ('func1') is global and assumed valid.");
    expect(r.log).toContain('Validating func1() func#1...');
    expect(r.log).toContain("Func#1 ('func1') is safe for any args that match its prototype");
  });

  test('recorded level-2 logs (test/kernel/fixtures/btf-*@PROFILE.json) match the kernel', () => {
    const probe = probeLiveKernel();
    const kernel = { release: probe.release, profile: probe.match.profile.name };
    for (const c of btfCases()) {
      const r = loadInKernel(c.program, { logLevel: 2, keepLog: true });
      const file = join(fixtureDir, `btf-${c.name}@${kernel.profile}.json`);
      expect(existsSync(file), `${file} missing; run verihist kernel --record`).toBe(true);
      const recorded = JSON.parse(readFileSync(file, 'utf8')) as KernelFixture;
      // Any build of the profile must reproduce the log; the release only says where it was recorded.
      const observed = makeFixture(c.name, c.program, r, { ...kernel, release: recorded.kernel.release });
      expect(observed, c.name).toEqual(recorded);
    }
  });
});
