import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tmpFiles } from './helpers.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';

const { dir, f } = tmpFiles('verihist-cli-');
const good = f('good.s', 'r2 = 8\nr2 = -r2\nif r2 != -8 goto l1\nr1 = r10\nr1 += r2\nl1:\nr0 = 0\nexit\n');
const reject = f('reject.s', 'exit\n');

describe('bad usage and bad input: exit 2, exactly one stderr line', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['no command', () => [], /missing command/],
    ['unknown command', () => ['frobnicate'], /unknown command/],
    ['unknown flag', () => ['disasm', '--frob', good], /unknown option '--frob'/],
    ['missing file', () => ['disasm', join(dir, 'nope.s')], /nope\.s: no such file/],
    ['missing argument', () => ['audit'], /missing required argument/],
    ['truncated .bin', () => ['disasm', f('trunc.bin', new Uint8Array(13))], /trunc\.bin: .*truncated|multiple of 8/],
    ['unknown mnemonic at file:line', () => ['disasm', f('um.s', 'r0 = 0\nfrob r1\n')], /um\.s:2: .*frob/],
    ['bad extension', () => ['disasm', f('x.txt', 'r0 = 0\n')], /unknown program file extension/],
    ['bad --log-level', () => ['kernel', '--log-level', '3', good], /log-level/],
    ['bad --type', () => ['kernel', '--type', 'tc', good], /--type/],
    ['asm without -o', () => ['asm', good], /required option/],
    ['asm to unknown extension', () => ['asm', good, '-o', join(dir, 'out.elf')], /unknown output extension/],
    ['corpus dir missing', () => ['corpus', '--dir', join(dir, 'none')], /cannot read corpus/],
  ];
  for (const [name, argv, re] of cases) {
    test(name, async () => {
      const r = await run(...argv());
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    });
  }
});

describe('subcommands', () => {
  test('--help everywhere', async () => {
    for (const argv of [['--help'], ['disasm', '--help'], ['asm', '--help'], ['kernel', '--help'], ['corpus', '--help']]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toMatch(/^Usage: verihist/);
      expect(r.err).toBe('');
    }
    expect((await run('kernel', '--help')).out).toMatch(/--log-level.*--state-freq.*--type.*--json/s);
  });

  test('disasm prints the kernel listing; --json one object per program', async () => {
    const r = await run('disasm', good);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[2]).toBe('2: (55) if r2 != 0xfffffff8 goto pc+2');
    const j = await run('disasm', '--json', good, reject);
    const lines = j.out.trim().split('\n').map((l) => JSON.parse(l) as { file: string; listing: string[] });
    expect(lines.map((l) => l.file)).toEqual([good, reject]);
    expect(lines[1]!.listing).toEqual(['0: (95) exit']);
  });

  test('asm converts .s -> .bin -> .json -> .s losslessly', async () => {
    const bin = join(dir, 'g.bin');
    const json = join(dir, 'g.json');
    const s2 = join(dir, 'g2.s');
    expect((await run('asm', good, '-o', bin)).code).toBe(0);
    expect(readFileSync(bin).length).toBe(7 * 8);
    expect((await run('asm', bin, '-o', json)).code).toBe(0);
    expect((await run('asm', json, '-o', s2)).code).toBe(0);
    expect((await run('disasm', s2)).out).toBe((await run('disasm', good)).out);
  });

  test('corpus lists programs and skip reasons', async () => {
    const r = await run('corpus');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n(\d+) programs read, (\d+) skipped\n/);
    expect(r.out).toMatch(/needs map/);
    const j = await run('corpus', '--json');
    const objs = j.out.trim().split('\n').map((l) => JSON.parse(l) as { skipped?: string });
    expect(objs.filter((o) => o.skipped === undefined).length).toBeGreaterThanOrEqual(225);
    expect(objs.filter((o) => o.skipped !== undefined).every((o) => (o.skipped ?? '').length > 0)).toBe(true);
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`live kernel subcommands${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('kernel prints a veristat-like table', async () => {
    const r = await run('kernel', good, reject);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^File\s+Program\s+Verdict\s+Insns\s+States\s+Peak states\s+Max states\/insn\s+Error$/);
    expect(lines[2]).toMatch(/^good\.s\s+good\s+accept\s+7\s+0\s+0\s+0$/);
    expect(lines[3]).toMatch(/reject\s+1\s+0\s+0\s+0\s+R0 !read_ok$/);
  });
  test('kernel --json and --log', async () => {
    const j = await run('kernel', '--json', '--type', 'raw_tp', reject);
    expect(JSON.parse(j.out)).toMatchObject({ file: reject, verdict: 'reject', errno: 13, error: 'R0 !read_ok' });
    const l = await run('kernel', '--log', '--log-level', '2', good);
    expect(l.out).toContain('mark_precise: frame0: regs=r2 stack= before 0: (b7) r2 = 8');
  });
  test('corpus --kernel reports disagreements with exit 1', async () => {
    const r = await run('corpus', '--kernel');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\d+ programs loaded: \d+ agree, \d+ disagree/);
    expect(r.out).toMatch(/Disagreements:\n  verifier_/);
  });
});
