import { describe, expect, test } from 'vitest';
import { run, tmpFiles } from './helpers.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';

const { f } = tmpFiles('verihist-compare-');
const good = f('good.s', '; name: good\ncall 7\nr1 = r0\nr1 &= 7\nif r1 > 3 goto +2\nr2 = r10\nr2 += r1\nr0 = 0\nexit\n');
const bad = f('bad.s', '; name: bad\nexit\n');
// verifier_linked_scalars.c:scalars_neg_alu32_add, a known model gap (32-bit linked-scalar sync).
const gap = f('gap.s', '; name: gap\ncall 7\nw0 &= 0xff\nw1 = w0\nw1 += -4\nif w1 s< 0 goto l0\nif w0 != 0 goto l0\nr0 /= 0\nl0:\nr0 = 0\nexit\n');

describe('verihist compare: usage', () => {
  test('no programs, same sides, bad --filter, unknown history: exit 2, one line', async () => {
    for (const [argv, re] of [
      [['compare'], /no programs to compare/],
      [['compare', '--a', 'copy', '--b', 'copy', good], /both 'copy'/],
      [['compare', '--filter', '(', good], /--filter/],
      [['compare', '--count', 'x', '--gen', 'small', good], /--count: expected an integer/],
      [['compare', '--a', 'nope', good], /--a: expected one of kernel, live, vm:<kernel>, copy, .*got .nope.$/m],
    ] as Array<[string[], RegExp]>) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('verihist compare: two model runs', () => {
  test('copy vs shared agrees on a loop-free program, with precision and history columns', async () => {
    const r = await run('compare', '--a', 'copy', '--b', 'shared', good);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/Verdict \(model\)\s+Verdict \(model\/shared\)/);
    expect(r.out).toMatch(/precision\s+1\s+1\s+100\.0/);
    expect(r.out).toMatch(/entriesCopied \(copy\)\s+entriesCopied \(shared\)/);
    expect(r.out).toMatch(/allocations \(copy\)/);
  });
});

describe('verihist compare --gen', () => {
  test('generated programs are named by preset and index, and reproducible by seed', async () => {
    const r1 = await run('compare', '--json', '--a', 'copy', '--b', 'shared', '--backedge', 'off', '--gen', 'small', '--count', '3', '--seed', '5');
    const r2 = await run('compare', '--json', '--a', 'copy', '--b', 'shared', '--backedge', 'off', '--gen', 'small', '--count', '3', '--seed', '5');
    const names = (out: string): unknown[] => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => 'name' in o).map((o) => [o['name'], (o['a'] as { insns: number }).insns]);
    expect(names(r1.out)).toHaveLength(3);
    expect(names(r1.out).map((x) => (x as [string])[0])).toEqual(['small_0', 'small_1', 'small_2']);
    expect(names(r1.out)).toEqual(names(r2.out));
    expect(r1.code).toBe(0); // with backedge propagation off, copy and shared must agree
  });
  test('unknown preset: exit 2 naming the presets', async () => {
    const r = await run('compare', '--gen', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown preset 'nope' \(have small, /);
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`verihist compare: model vs kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('agreeing programs: one row each, 100% per field, exit 0', async () => {
    const r = await run('compare', good, bad);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^Program\s+Verdict \(model\)\s+Verdict \(kernel\)\s+Insns \(model\)\s+Insns \(kernel\)/);
    expect(r.out).toMatch(/good\.s\s+accept\s+accept\s+10\s+10\s+1\s+1\s+1\s+1\s+0\s+0\s+yes/);
    expect(r.out).toMatch(/bad\.s\s+reject\s+reject\s+1\s+1/);
    expect(r.out).toMatch(/2 program\(s\), 2 compared, 0 unsupported \(excluded\), 0 crashed, 0 disagreeing/);
    for (const field of ['verdict', 'errno', 'insns', 'total_states', 'peak_states', 'max_states_per_insn', 'mark_precise', 'log']) {
      expect(r.out).toMatch(new RegExp(`^${field}\\s+2\\s+2\\s+100\\.0$`, 'm'));
    }
  });
  test('--json: one object per program plus a summary line', async () => {
    const r = await run('compare', '--json', good, bad);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs).toHaveLength(3);
    const first = objs[0] as { name: string; status: string; a: { side: string; insns: number }; b: { side: string; insns: number }; differing: unknown[] };
    expect([first.name, first.status, first.a.side, first.b.side, first.a.insns, first.b.insns]).toEqual(['good.s', 'compared', 'copy', 'kernel', 10, 10]);
    expect(first.differing).toEqual([]);
    const s = (objs[2] as { summary: { compared: number; disagreeing: number; fields: Array<{ field: string; pct: number }> } }).summary;
    expect(s.compared).toBe(2);
    expect(s.disagreeing).toBe(0);
    expect(s.fields.every((x) => x.pct === 100)).toBe(true);
  });
  test('a disagreement: exit 1, the first differing log line, and its kind', async () => {
    const j = JSON.parse((await run('compare', '--json', gap)).out.split('\n')[0]!) as { differing: unknown[]; firstLogDiff?: { line: number } };
    const r = await run('compare', gap);
    if (j.differing.length === 0) {
      expect(r.code).toBe(0); // the model gap got fixed
      return;
    }
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Disagreements \(first differing line\):\n {2}gap\.s: .*log/);
    expect(r.out).toMatch(new RegExp(`log line ${j.firstLogDiff!.line}\\n\\s+model: .*\\n\\s+kernel: `));
    expect(r.out).toMatch(/Kinds of first differing log lines \(A = model, B = kernel\):\n\s+1 {2}\S/);
  });
  test('--corpus with --filter picks corpus programs by name', async () => {
    const r = await run('compare', '--json', '--corpus', '--filter', '^verifier_and\\.c:');
    if (r.code === 2) {
      expect(r.err).toMatch(/corpus|no programs/);
      return;
    }
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.length).toBeGreaterThan(1);
    expect(objs.slice(0, -1).every((o) => String(o['name']).startsWith('verifier_and.c:'))).toBe(true);
  });
});
