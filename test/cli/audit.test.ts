import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tmpFiles } from './helpers.js';
import { DIVERGENT } from '../history/searchSupport.js';

const { dir, f } = tmpFiles('verihist-audit-');

const diamond = f('diamond.s', 'call bpf_get_prandom_u32\nif r0 > 7 goto a\nr0 = 1\ngoto b\na: r0 = 2\nb: exit\n');
// The copy/shared divergence from test/history/searchSupport.ts.
const divergent = f('divergent.s', DIVERGENT);

describe('verihist audit', () => {
  test('clean program: timeline with states, slices, seal/finalize events and a summary; exit 0', async () => {
    const r = await run('audit', diamond);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^history timeline for audited\(shared\)$/m);
    expect(r.out).toMatch(/create\s+s0/);
    expect(r.out).toMatch(/copy\s+s0 -> s\d+ \(push_stack\) s\d+\[\d+,\d+\) active/);
    expect(r.out).toMatch(/seal\s+s\d+ \(enqueued\)/);
    expect(r.out).toMatch(/finalize s0 s0\[\d+,\d+\) finalized/);
    expect(r.out).toMatch(/^states:$/m);
    expect(r.out).toMatch(/^violations: 0, warnings: 0$/m);
    expect(r.out).toMatch(/^summary: diamond\.s \(diamond\) under audited, backedge propagation on, kernel profile \S+$/m);
    expect(r.out).toMatch(/verdict accept, \d+ insns, \d+ total states/);
    expect(r.out).toMatch(/history: \d+ allocations, 0 copied, \d+ written, peak \d+ entries/);
  });

  test('backedge propagation on: read-fidelity violations are printed and exit 1', async () => {
    const r = await run('audit', divergent);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/VIOLATION read-fidelity at insn 14 \(read, event \d+\)/);
    expect(r.out).toMatch(/copy holds: 5<-14, 7<-6, 9<-8 f=0x208, 12<-11, 13<-12 f=0x200, 14<-13/);
    expect(r.out).toMatch(/read: {7}5<-14, 7<-6, 9<-8 f=0x208, 12<-11, 14<-12, 5<-14/);
    expect(r.out).toMatch(/origin=backedge/);
    expect(r.out).toMatch(/violations: [1-9]\d*, warnings: \d+ \(FINDING\)/);
  });

  test('backedge propagation off, or the audit of copy itself: no violation, exit 0', async () => {
    const off = await run('audit', '--backedge', 'off', divergent);
    expect(off.code).toBe(0);
    expect(off.out).toMatch(/backedge propagation off/);
    expect(off.out).toMatch(/^violations: 0, warnings: 0$/m);
    const ac = await run('audit', '--history', 'audited-copy', divergent);
    expect(ac.code).toBe(0);
    expect(ac.out).toMatch(/^history timeline for audited\(copy\)$/m);
    expect(ac.out).toMatch(/under audited-copy/);
  });

  test('--json: the Result plus the audit report (events, states, violations)', async () => {
    const r = await run('audit', '--json', divergent);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!) as {
      file: string; impl: string; verdict: string; insns: number;
      audit: { history: string; events: Array<{ op: string }>; states: Array<{ origin: string }>; violations: Array<{ kind: string; insnIdx: number }> };
    };
    expect(o).toMatchObject({ file: divergent, impl: 'audited', verdict: 'accept' });
    expect(o.audit.history).toBe('audited(shared)');
    expect(o.audit.violations[0]).toMatchObject({ kind: 'read-fidelity', insnIdx: 14 });
    const ops = new Set(o.audit.events.map((e) => e.op));
    for (const op of ['create', 'copy', 'seal', 'finalize', 'push', 'reset']) expect(ops.has(op), op).toBe(true);
    expect(ops.has('read')).toBe(false); // reads only with --reads
    const withReads = JSON.parse((await run('audit', '--json', '--reads', divergent)).out) as { audit: { events: Array<{ op: string }> } };
    expect(withReads.audit.events.some((e) => e.op === 'read')).toBe(true);
  });

  test('--max-lines caps the timeline', async () => {
    const r = await run('audit', '--max-lines', '3', divergent);
    expect(r.out).toMatch(/^\.\.\. \d+ more events$/m);
    const events = r.out.split('\n').slice(1).filter((l) => /^\s+\d+ insn/.test(l));
    expect(events).toHaveLength(3);
  });

  test('bad usage: one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['audit', '--history', 'copy', diamond], /--history: expected one of audited, audited-copy/],
      [['audit', '--backedge', 'maybe', diamond], /--backedge: expected on or off/],
      [['audit', join(dir, 'missing.s')], /no such file/],
      [['audit', '--max-lines', 'x', diamond], /--max-lines/],
      [['audit'], /missing required argument/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
