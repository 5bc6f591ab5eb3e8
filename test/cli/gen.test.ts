import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run } from './helpers.js';
import { readProgramFile } from '../../src/isa/programFile.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { generatePrograms } from '../../generators/index.js';
import { makeHistory } from '../../src/history/index.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CountingHistory, coverageFromResult } from '../../generators/index.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'verihist-gen-'));

describe('verihist gen (files)', () => {
  test('writes .bin and .s per program, deterministic for a seed, and prints the seed', async () => {
    const a = tmp();
    const b = tmp();
    const ra = await run('gen', '--count', '5', '--seed', '42', '--preset', 'loops', '--out', a);
    const rb = await run('gen', '--count', '5', '--seed', '42', '--preset', 'loops', '--out', b);
    expect(ra.code).toBe(0);
    expect(ra.out).toMatch(/^seed 42$/m);
    expect(ra.out).toMatch(/wrote 5 program\(s\) of preset loops as \.bin, \.s \(10 files\)/);
    const files = readdirSync(a).sort();
    expect(files).toEqual(['loops_0.bin', 'loops_0.s', 'loops_1.bin', 'loops_1.s', 'loops_2.bin', 'loops_2.s', 'loops_3.bin', 'loops_3.s', 'loops_4.bin', 'loops_4.s']);
    expect(rb.out).toBe(ra.out.replace(a, b));
    for (const f of files) expect(readFileSync(join(b, f)), f).toEqual(readFileSync(join(a, f)));
    // The files hold exactly the generator's programs; .s and .bin agree.
    const g = generatePrograms({ preset: 'loops', count: 5, seed: 42 });
    g.programs.forEach((p, i) => {
      const want = encodeProgram(p.insns);
      expect(new Uint8Array(readFileSync(join(a, `loops_${i}.bin`)))).toEqual(want);
      expect(encodeProgram(readProgramFile(join(a, `loops_${i}.s`)).insns)).toEqual(want);
    });
  });

  test('without --seed a seed is chosen, printed, and reproduces the files', async () => {
    const a = tmp();
    const r = await run('gen', '--count', '3', '--out', a);
    const seed = /^seed (-?\d+)$/m.exec(r.out)?.[1];
    expect(seed).toBeDefined();
    const b = tmp();
    await run('gen', '--count', '3', '--seed', seed!, '--out', b);
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f))).toEqual(readFileSync(join(a, f)));
  });

  test('--json lists the files per program; --format picks formats; --risky is applied', async () => {
    const d = tmp();
    const r = await run('gen', '--count', '4', '--seed', '3', '--preset', 'small', '--format', 'bin,json', '--risky', '1', '--out', d, '--json');
    expect(r.code).toBe(0);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; files: string[]; name: string; seed: number; insns: number });
    expect(objs.map((o) => o.name)).toEqual(['small_0', 'small_1', 'small_2', 'small_3']);
    expect(objs[0]!.files).toEqual([join(d, 'small_0.bin'), join(d, 'small_0.json')]);
    expect(objs.every((o) => o.seed === 3 && o.file === o.files[0])).toBe(true);
    expect(readdirSync(d).sort()).toEqual(objs.flatMap((o) => o.files.map((f) => f.slice(d.length + 1))).sort());
    const risky = generatePrograms({ preset: 'small', count: 4, seed: 3, risky: 1 });
    objs.forEach((o, i) => expect(readProgramFile(join(d, `small_${i}.json`)).insns).toEqual(risky.programs[i]!.insns));
  });

  test('bad usage: one line and exit 2', async () => {
    const d = tmp();
    const cases: Array<[string[], RegExp]> = [
      [['gen', '--count', '2'], /--out DIR is required/],
      [['gen', '--out', d, '--format', 'exe'], /--format: expected/],
      [['gen', '--out', d, '--risky', '1.5'], /--risky: expected a fraction/],
      [['gen', '--out', d, '--preset', 'huge'], /unknown preset 'huge'/],
      [['gen', '--out', d, '--count', 'x'], /--count: expected an integer/],
      [['gen', '--out', d, '--preset', 'small,loops'], /give one preset/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('verihist gen --stats', () => {
  test('--no-kernel: veristat-style table whose coverage counts match the model runs', async () => {
    const r = await run('gen', '--stats', '--no-kernel', '--preset', 'small,loops', '--count', '20', '--seed', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kernel acceptance not measured: disabled with --no-kernel/);
    const lines = r.out.split('\n');
    const head = lines.findIndex((l) => l.startsWith('Preset'));
    expect(lines[head]).toMatch(/^Preset\s+Programs\s+Kernel accept\s+Model accept\s+Model unsupported\s+Verdict diff\s+Backtrack >=2 states\s+Pruned\s+SCC enter\s+Backedge prop\s+Linked-reg hist\s+Stack-access hist\s+Backtrack across call\s+Hist in frame>=1\s+Global subprog\s+bpf_loop cb\s+for_each cb\s+ringbuf cb\s+find_vma cb\s+timer \(async\) cb$/);
    expect(lines[head + 1]).toMatch(/^-+\s+-+/);
    expect(lines[head + 2]).toMatch(/^small\s+20\s+-\s+/);
    expect(lines[head + 3]).toMatch(/^loops\s+20\s+-\s+/);

    const j = await run('gen', '--stats', '--no-kernel', '--preset', 'loops', '--count', '20', '--seed', '5', '--json');
    const o = JSON.parse(j.out.trim()) as { preset: string; programs: number; kernel_accept: null; model_accept: number; coverage: Record<string, number> };
    expect(o).toMatchObject({ preset: 'loops', programs: 20, kernel_accept: null });
    // Recompute the counts directly.
    const want: Record<string, number> = {};
    let accept = 0;
    for (const p of generatePrograms({ preset: 'loops', count: 20, seed: 5 }).programs) {
      const h = new CountingHistory(makeHistory('copy'));
      const res = verifyProgram(p, { history: h, backedgePropagation: true, logLevel: 2 });
      if (res.verdict === 'accept') accept++;
      for (const [k, v] of Object.entries(coverageFromResult(res, h.counts))) want[k] = (want[k] ?? 0) + (v ? 1 : 0);
    }
    expect(o.model_accept).toBe(accept);
    expect(o.coverage).toEqual(want);
    expect(o.coverage['sccEnter']).toBeGreaterThan(10); // loops reach SCCs
  });

  const avail = bpfAvailable();
  test.skipIf(!avail.ok)(`kernel acceptance per preset${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, async () => {
    const r = await run('gen', '--stats', '--kernel', '--preset', 'small,risky', '--count', '40', '--seed', '2', '--json');
    expect(r.code).toBe(0);
    const [small, risky] = r.out.trim().split('\n').map((l) => JSON.parse(l) as { preset: string; kernel_accept: number; verdict_mismatch: number; model_accept: number });
    expect(small).toMatchObject({ preset: 'small', kernel_accept: 40, verdict_mismatch: 0 });
    expect(risky!.preset).toBe('risky');
    expect(risky!.kernel_accept).toBeLessThan(40); // risky blocks get rejected
    expect(risky!.verdict_mismatch).toBe(0);
    const t = await run('gen', '--stats', '--preset', 'small', '--count', '10', '--seed', '2');
    expect(t.out).not.toMatch(/not measured/);
    expect(t.out).toMatch(/^small\s+10\s+10 \(100\.0%\)/m);
  });
});
