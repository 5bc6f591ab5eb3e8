// bpf_loop callbacks: the recorded BTF fixtures replay offline; the programs
// of callbackPrograms.ts are compared with the live kernel at log level 2
// (skipped without bpf()).
import { readFileSync, readdirSync } from 'node:fs';
import { findProfile } from '../../src/verifier/profile/index.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { programFromJson } from '../../src/isa/programFile.js';
import type { Program } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { bpfLoopInsns } from '../kernel/btfPrograms.js';
import { makeProgram, BPF_F_TEST_STATE_FREQ } from '../../src/isa/program.js';
import { callbackCasesWithFuncs, deadInnerCallback } from './callbackPrograms.js';
import { liveProfile } from '../liveProfile.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'kernel', 'fixtures');
const strip = (log: string): string => log.replace(/^verification time \d+ usec\n/m, '');
const model = (p: Program) => verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: liveProfile() });

// Every recorded fixture replays under the profile of the kernel it was recorded on.
const fixtureFiles = readdirSync(fixtureDir).filter((f) => /^btf-bpf-loop-.*@.*\.json$/.test(f));

describe('bpf_loop fixtures (offline, under the recorded profile)', () => {
  test('fixtures exist for at least two kernels', () => {
    expect(new Set(fixtureFiles.map((f) => f.split('@')[1])).size).toBeGreaterThanOrEqual(2);
  });
  for (const file of fixtureFiles) {
    test(file, () => {
      const j = JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as {
        kernel: { release: string; profile: string };
        program: unknown; funcs: Program['funcs'] | null; verdict: string; errno: number; log: string;
      };
      const profile = findProfile(j.kernel.profile);
      expect(profile, `profile ${j.kernel.profile} of ${file}`).toBeDefined();
      const prog = programFromJson(j.program);
      if (j.funcs) prog.funcs = j.funcs;
      const r = verifyProgram(prog, { history: new CopyHistory(), logLevel: 2, ...(profile ? { profile } : {}) });
      expect(r.verdict).toBe(j.verdict);
      expect(r.errno).toBe(j.errno);
      expect(strip(r.log ?? '')).toBe(strip(j.log));
    });
  }

  test('the callback is explored once per iteration until the limit', () => {
    const r = model(makeProgram(bpfLoopInsns(), { funcs: [{ linkage: 'static', params: 1 }, { linkage: 'static', params: 2 }] }));
    expect(r.verdict).toBe('accept');
    // the unreliable BTF prototype is reported once only
    expect(r.log?.match(/R2 is not a scalar/g)).toHaveLength(1);
    expect(r.log).toContain('from 5 to 8: frame1: R1=scalar() R2=0 R10=fp0 cb');
  });

  test('a global callback is refused at the ld_imm64', () => {
    const r = model(makeProgram(bpfLoopInsns(), { funcs: [{ linkage: 'static', params: 1 }, { linkage: 'global', params: 2 }] }));
    expect(r).toMatchObject({ verdict: 'reject', errno: 22, error: 'callback function not static' });
  });
});

const avail = bpfAvailable();
const why = avail.ok ? '' : ` (skipped: ${avail.reason})`;

describe.skipIf(!avail.ok)(`bpf_loop callbacks against the live kernel${why}`, () => {
  const cases = callbackCasesWithFuncs().flatMap((c) => [c, {
    name: `${c.name} (state freq)`, program: { ...c.program, flags: c.program.flags | BPF_F_TEST_STATE_FREQ },
  }]);
  for (const c of cases) {
    test(c.name, () => {
      const k = loadInKernel(c.program, { logLevel: 2, keepLog: true });
      const m = model(c.program);
      expect(m.verdict).toBe(k.verdict);
      expect(m.errno).toBe(k.errno);
      expect(strip(m.log ?? '')).toBe(strip(k.log ?? ''));
      expect([m.insns, m.total_states, m.peak_states, m.max_states_per_insn])
        .toEqual([k.insns, k.total_states, k.peak_states, k.max_states_per_insn]);
    });
  }

  test('a never-explored callback: the kernel fails in jit_subprogs, the model says unsupported', () => {
    const { program } = deadInnerCallback();
    const k = loadInKernel(program, { logLevel: 2, keepLog: true });
    expect(k).toMatchObject({ verdict: 'reject', errno: 14 });
    expect(k.log).toMatch(/verifier bug: No program to jit at insn \d+ \(subprog < 0\)/);
    const m = model(program);
    expect(m.verdict).toBe('unsupported');
    expect(m.unsupportedAt).toBe(12);
  });
});
