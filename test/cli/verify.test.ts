import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tmpFiles } from './helpers.js';

const { dir, f } = tmpFiles('verihist-verify-');
const good = f('good.s', '; name: good\ncall 7\nr1 = r0\nr1 &= 7\nif r1 > 3 goto +2\nr2 = r10\nr2 += r1\nr0 = 0\nexit\n');
const bad = f('bad.s', '; name: bad\nexit\n');
const unsup = f('unsup.s', '; name: unsup\n.insn 0x18, 1, 5, 0, 0\n.insn 0x00, 0, 0, 0, 0\nr0 = 0\nexit\n');

describe('verihist verify', () => {
  test('prints a veristat-like table and a summary; exit 0 even with rejections', async () => {
    const r = await run('verify', good, bad);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^File\s+Program\s+Verdict\s+Insns\s+States\s+Peak states\s+Max states\/insn\s+Error$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(r.out).toMatch(/good\.s\s+good\s+accept\s+10\s+1\s+1\s+0/);
    expect(r.out).toMatch(/bad\.s\s+bad\s+reject\s+1\s+0\s+0\s+0\s+R0 !read_ok/);
    expect(r.out).toMatch(/2 program\(s\): 1 accepted, 1 rejected, 0 unsupported by the model/);
  });
  test('--expect-accept: exit 1 on a rejection, 0 when all accepted', async () => {
    expect((await run('verify', '--expect-accept', good, bad)).code).toBe(1);
    expect((await run('verify', '--expect-accept', good)).code).toBe(0);
  });
  test('unsupported is printed with its insn index and counted as neither', async () => {
    const r = await run('verify', '--expect-accept', unsup);
    const jr = await run('verify', '--json', unsup);
    const o = JSON.parse(jr.out.trim()) as { verdict: string; unsupportedAt?: number };
    if (o.verdict !== 'unsupported') return; // the model learned this construct
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/unsupported@0/);
    expect(r.out).toMatch(/0 accepted, 0 rejected, 1 unsupported/);
  });
  test('--json: one object per program with Result fields and file', async () => {
    const r = await run('verify', '--json', good, bad);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => [o['name'], o['verdict'], o['insns']])).toEqual([['good', 'accept', 10], ['bad', 'reject', 1]]);
    expect(objs[0]!['file']).toBe(good);
    expect(objs[1]!['errno']).toBe(13);
  });
  test('--log-level 2 prints the log after the table', async () => {
    const r = await run('verify', '--log-level', '2', good);
    expect(r.out).toMatch(/--- .*good\.s \(good\) ---/);
    expect(r.out).toMatch(/mark_precise: frame0: regs=r1 stack= before 4: \(bf\) r2 = r10/);
    expect(r.out).toMatch(/processed 10 insns \(limit 1000000\)/);
  });
  test('--history-stats adds history columns', async () => {
    const r = await run('verify', '--history-stats', good);
    expect(r.out.split('\n')[0]).toMatch(/Hist allocs\s+Hist copied\s+Hist written\s+Hist peak\s+Hist growth\s+Hist bytes/);
  });
  test('--state-freq makes the model checkpoint at every jump', async () => {
    const plain = JSON.parse((await run('verify', '--json', good)).out) as { total_states: number };
    const freq = JSON.parse((await run('verify', '--json', '--state-freq', good)).out) as { total_states: number };
    expect(freq.total_states).toBeGreaterThan(plain.total_states);
  });
  test('bad input: exit 2 with one line', async () => {
    for (const argv of [['verify', join(dir, 'none.s')], ['verify', '--history', 'nope', good], ['verify', '--backedge', 'maybe', good]]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
