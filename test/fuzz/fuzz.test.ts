// The fuzz runner's parts: the run index space, instruction-level shrinking,
// one run with shrinking, whole (inline) campaigns, counterexample files.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { makeProgram } from '../../src/isa/program.js';
import { insn } from '../../src/isa/insn.js';
import { parseDuration, parseShard, type FuzzConfig } from '../../src/fuzz/config.js';
import { NEWEST_PROFILE } from '../../src/verifier/profile/index.js';
import { mix32, planRun, shardRun, shardRuns } from '../../src/fuzz/plan.js';
import { deleteSlots, shrinkInsns, simplerInsn } from '../../src/fuzz/shrinkInsns.js';
import { runCase, type RunResult } from '../../src/fuzz/runCase.js';
import { runFuzz } from '../../src/fuzz/runner.js';
import { reshrink } from '../../src/fuzz/reshrink.js';
import { CounterexampleError, parseCounterexample, readCounterexample, writeCounterexample } from '../../src/report/counterexample.js';
import { junitXml } from '../../src/report/junit.js';
import { checkProperty } from '../../properties/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'verihist-fuzz-'));

const cfg = (over: Partial<FuzzConfig> = {}): FuzzConfig => ({
  properties: ['sharedMatchesCopy'], presets: ['small', 'medium', 'loops', 'deep', 'risky'], backedge: true, seed: 1,
  shard: { index: 1, count: 1 }, workers: 1, a: 'copy', b: 'shared', maxFailures: 1, outDir: join(tmp, 'cx'),
  shrinkTimeMs: 15_000, insnShrink: true, fullLog: false, stateFreq: false, profile: NEWEST_PROFILE.name, ...over,
});

describe('run index space', () => {
  it('plans are a function of (seed, index) only', () => {
    expect(planRun(1, 300, ['small', 'loops'])).toEqual(planRun(1, 300, ['small', 'loops']));
    expect(planRun(1, 300, ['small', 'loops'])).toMatchObject({ preset: 'small', path: String(300 % 256) });
    expect(planRun(1, 0, ['small']).fcSeed).not.toBe(planRun(2, 0, ['small']).fcSeed);
    expect(mix32(1, 0)).toBe(mix32(1, 0));
  });
  it('shards partition the runs', () => {
    const seen = new Set<number>();
    for (let i = 1; i <= 3; i++) {
      const s = { index: i, count: 3 };
      for (let m = 0; m < shardRuns(s, 10); m++) seen.add(shardRun(s, m));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  it('parses durations and shards', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('5/4')).toBeUndefined();
  });
});

describe('instruction-level shrinking', () => {
  const p = makeProgram(assemble('r0 = 0\nif r0 > 1 goto l\nr0 = 2\nr0 = 3\nl: exit'));
  it('deleteSlots retargets jumps over and into the hole', () => {
    const d = deleteSlots(p.insns, 2, 3)!;
    expect(d).toHaveLength(4);
    expect(d[1]!.off).toBe(1); // still lands on exit
    const e = deleteSlots(p.insns, 2, 4)!;
    expect(e[1]!.off).toBe(0);
  });
  it('simplerInsn turns a conditional jump into goto and ALU into dst = 0', () => {
    expect(simplerInsn(p.insns, 1)).toMatchObject({ code: 0x05, off: p.insns[1]!.off });
    expect(simplerInsn(p.insns, 2)).toMatchObject({ code: 0xb7, dst: 0, imm: 0 });
    expect(simplerInsn(p.insns, 0)).toBeUndefined();
    expect(simplerInsn(p.insns, 4)).toBeUndefined();
  });
  it('keeps BTF func info in step with the subprograms left', () => {
    // main: call f1; call f2; exit. f1: r0 = 3; exit. f2: r0 = 0; exit.
    const q = makeProgram([insn(0x85, 0, 1, 0, 2), insn(0x85, 0, 1, 0, 3), insn(0x95, 0, 0, 0, 0),
      insn(0xb7, 0, 0, 0, 3), insn(0x95, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)],
    { funcs: [{ linkage: 'static', params: 1 }, { linkage: 'global', params: 0 }, { linkage: 'static', params: 0 }] });
    const r = shrinkInsns(q, (c) => c.insns.some((i) => i.code === 0xb7 && i.imm === 3) && c.insns.some((i) => i.code === 0x85));
    const calls = r.program.insns.filter((i) => i.code === 0x85).length;
    expect(r.program.funcs).toHaveLength(calls + 1);
    expect(r.program.funcs?.[1]?.linkage).toBe('global');
  });
  it('removes everything the predicate does not need', () => {
    const r = shrinkInsns(p, (q) => q.insns.some((i) => i.code === 0x95) && q.insns.some((i) => i.code === 0xb7 && i.imm === 3));
    expect(r.program.insns.map((i) => i.code)).toEqual([0xb7, 0x95]);
    expect(r.interrupted).toBe(false);
  });
});

// The first run of seed 1 (loops preset, backedge on) that copy and shared disagree on.
let firstFail: RunResult | undefined;
function firstFailure(): RunResult {
  for (let k = 0; !firstFail && k < 400; k++) {
    const r = runCase(cfg({ presets: ['loops'] }), k);
    if (r.failures.length) firstFail = r;
  }
  if (!firstFail) throw new Error('no divergence in 400 loop programs with backedge on');
  return firstFail;
}

describe('one run', () => {
  it('is deterministic and finds nothing with backedge off', () => {
    const a = runCase(cfg({ backedge: false }), 5);
    const b = runCase(cfg({ backedge: false }), 5);
    expect(a.status).toEqual({ sharedMatchesCopy: 'pass' });
    expect({ ...a, ms: 0 }).toEqual({ ...b, ms: 0 });
  });

  it('a failing run (backedge on) is shrunk to a small program that still fails', () => {
    const r = firstFailure();
    expect(r.status.sharedMatchesCopy).toBe('fail');
    const f = r.failures[0]!;
    expect(f.insns).toBeLessThanOrEqual(20);
    expect(f.treeInsns).toBeLessThan(f.originalInsns);
    expect(f.path.startsWith(`${r.index % 256}:`)).toBe(true);
    const minimal = parseCounterexample({ format: 'verihist-counterexample/1', property: 'sharedMatchesCopy', program: f.program, options: { backedge: true }, diff: f.diff });
    expect(minimal.options).toEqual({ backedge: true, a: 'copy', b: 'shared', fullLog: false, stateFreq: false, profile: '6.18.44' });
    expect(checkProperty('sharedMatchesCopy', makeProgram(assemble(f.program.asm)), { backedge: true }).ok).toBe(false);
  }, 30_000);
});

describe('campaigns (inline)', () => {
  it('backedge off, 40 runs over all presets: no failure, same tallies twice', async () => {
    const c = cfg({ backedge: false, runs: 40, properties: ['sharedMatchesCopy', 'noClobber', 'readFidelity', 'chainShape'] });
    const r1 = await runFuzz(c, {}, { inline: true });
    const r2 = await runFuzz(c, {}, { inline: true });
    expect(r1.failures).toEqual([]);
    expect(r1.runs).toBe(40);
    expect(r1.tally).toEqual(r2.tally);
    expect(r1.stoppedBy).toBe('runs');
  }, 60_000);

  it('an injected fault is caught, shrunk and written before the report', async () => {
    const out = join(tmp, 'fault');
    const seen: string[] = [];
    const r = await runFuzz(cfg({ backedge: false, runs: 200, fault: 'reset-forgets-parent-end', outDir: out, properties: ['sharedMatchesCopy', 'noClobber'], maxFailures: 1 }), {
      onFailure: (f) => seen.push(f.file),
    }, { inline: true });
    expect(r.stoppedBy).toBe('max-failures');
    expect(r.failures.length).toBeGreaterThanOrEqual(1);
    expect([...seen].sort()).toEqual(r.failures.map((f) => f.file).sort());
    const c = readCounterexample(r.failures[0]!.file);
    expect(c.options).toMatchObject({ backedge: false, fault: 'reset-forgets-parent-end' });
    expect(c.campaign).toMatchObject({ seed: 1, index: r.failures[0]!.index });
    expect(c.fastCheck?.path).toMatch(/^\d+(:\d+)*$/);
    expect(Buffer.from(c.program.base64, 'base64').length).toBe(8 * c.insns);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 60_000);

  it('shards split the work: 1/2 and 2/2 together run what 1/1 runs', async () => {
    const base = cfg({ backedge: false, runs: 12, presets: ['small'] });
    const whole = await runFuzz(base, {}, { inline: true });
    const s1 = await runFuzz({ ...base, shard: { index: 1, count: 2 } }, {}, { inline: true });
    const s2 = await runFuzz({ ...base, shard: { index: 2, count: 2 } }, {}, { inline: true });
    expect(s1.runs + s2.runs).toBe(whole.runs);
  }, 30_000);
});

describe('counterexample files', () => {
  it('round-trip, reshrink and reject bad input with one line', () => {
    const r = firstFailure();
    const f = r.failures[0]!;
    const c = parseCounterexample({
      format: 'verihist-counterexample/1', property: f.property, summary: f.diff.summary, program: f.program, insns: f.insns,
      options: { backedge: true, a: 'copy', b: 'shared', fullLog: false, stateFreq: false, profile: NEWEST_PROFILE.name },
      campaign: { seed: 1, index: r.index, preset: f.preset, shard: '1/1' }, fastCheck: { seed: f.fcSeed, path: f.path }, tree: f.tree, diff: f.diff,
    });
    const file = writeCounterexample(c, { dir: join(tmp, 'rt') });
    expect(readCounterexample(file)).toEqual(c);
    const again = reshrink(c, Date.now() + 10_000);
    expect(again.passes).toBe(false);
    expect(again.after).toBeLessThanOrEqual(again.before);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"format":"nope"}');
    expect(() => readCounterexample(bad)).toThrow(CounterexampleError);
    expect(() => readCounterexample(join(tmp, 'missing.json'))).toThrow(/no such file/);
    expect(readFileSync(file, 'utf8')).toMatch(/"base64"/);
  }, 30_000);

  it('JUnit XML escapes and counts', () => {
    const x = junitXml([{ name: 's', timeSec: 1, cases: [{ name: 'a<b', classname: 'c', timeSec: 0, failure: { message: 'x & y', text: 'r0 = "1"' } }, { name: 'ok', classname: 'c', timeSec: 0 }] }]);
    expect(x).toMatch(/tests="2" failures="1"/);
    expect(x).toContain('a&lt;b');
    expect(x).toContain('x &amp; y');
    expect(x).toContain('r0 = &quot;1&quot;');
  });
});
