// verihist fuzz / replay / shrink through main(), and the signal contract
// through a spawned CLI (a fresh build of the sources into a temp directory,
// so worker threads run compiled code as they do for users).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verihist-cli-fuzz-'));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('verihist fuzz: usage errors exit 2 with one line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['fuzz', '--property', 'nope'], /--property: unknown property 'nope'/],
    [['fuzz', '--preset', 'huge'], /--preset: unknown preset/],
    [['fuzz', '--time', 'soon'], /--time: expected a duration/],
    [['fuzz', '--shard', '3/2'], /--shard/],
    [['fuzz', '--fault', 'frob'], /--fault: unknown fault/],
    [['fuzz', '--fault', 'reset-keeps-start', '--b', 'copy'], /--fault reset-keeps-start needs a shared-array implementation/],
    [['fuzz', '--history', 'pinned', '--b', 'shared'], /--history and --b both name/],
    [['fuzz', '--history', 'frob'], /--history: unknown history 'frob'/],
    [['fuzz', '--backedge', 'maybe'], /--backedge/],
    [['replay', join(dir, 'missing.json')], /no such file/],
  ];
  for (const [argv, re] of cases) {
    it(argv.join(' '), async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
    });
  }
});

describe('verihist fuzz, replay, shrink', () => {
  it('backedge off finds nothing: exit 0, table with the seed, JUnit without failures', async () => {
    const junit = join(dir, 'ok.xml');
    const r = await run('fuzz', '--runs', '20', '--seed', '5', '--backedge', 'off', '--preset', 'small', '--out', join(dir, 'none'), '--junit', junit,
      '--property', 'sharedMatchesCopy', '--property', 'noClobber,readFidelity,chainShape');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^verihist fuzz: seed 5, properties sharedMatchesCopy,noClobber,readFidelity,chainShape, preset small, backedge off/);
    expect(r.out).toMatch(/sharedMatchesCopy\s+20\s+20\s+0\s+0/);
    expect(r.out).toMatch(/seed 5, shard 1\/1, kernel profile \S+: 20 programs/);
    expect(readFileSync(junit, 'utf8')).toMatch(/failures="0"/);
    expect(existsSync(join(dir, 'none'))).toBe(false);
  }, 60_000);

  it('--history pinned, backedge on: pinnedMatchesCopy and the three audits by default, nothing found', async () => {
    const r = await run('fuzz', '--runs', '24', '--seed', '3', '--history', 'pinned', '--backedge', 'on', '--preset', 'loops', '--out', join(dir, 'pinned'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/properties pinnedMatchesCopy,noClobber,readFidelity,chainShape, preset loops, backedge on/);
    expect(r.out).toMatch(/pinnedMatchesCopy\s+24\s+24\s+0\s+0/);
  }, 60_000);

  it('--json prints one report object; same seed, same runs', async () => {
    const args = ['fuzz', '--runs', '10', '--seed', '9', '--backedge', 'off', '--preset', 'loops', '--json', '--out', join(dir, 'j')];
    const a = await run(...args);
    const b = await run(...args);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.out) as { seed: number; runs: number; tally: unknown };
    const rb = JSON.parse(b.out) as { tally: unknown };
    expect(ra).toMatchObject({ seed: 9, runs: 10 });
    expect(ra.tally).toEqual(rb.tally);
    expect(a.err).toMatch(/^verihist fuzz: seed 9/);
  }, 60_000);

  it('a fault is found (exit 1), replay prints the same diff (exit 1), shrink keeps it failing', async () => {
    const out = join(dir, 'cx');
    const junit = join(dir, 'fail.xml');
    const r = await run('fuzz', '--runs', '100', '--seed', '1', '--backedge', 'off', '--fault', 'reset-keeps-start', '--preset', 'small', '--out', out, '--junit', junit);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\d+ counterexamples?:/);
    const files = readdirSync(out).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(1);
    const file = join(out, files[0]!);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { diff: { lines: string[] }; program: { asm: string; base64: string }; seed?: number; campaign: { seed: number } };
    expect(stored.campaign.seed).toBe(1);
    expect(readFileSync(junit, 'utf8')).toMatch(new RegExp(`failures="${files.length}"[\\s\\S]*<failure message=`));
    const rep = await run('replay', file);
    expect(rep.code).toBe(1);
    for (const l of stored.diff.lines) expect(rep.out).toContain(l);
    expect(rep.out).not.toMatch(/differs from the stored/);
    const shrunk = join(dir, 'shrunk.json');
    const s = await run('shrink', file, '-o', shrunk, '--shrink-time', '10s');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/-> \d+ insns/);
    expect((await run('replay', shrunk)).code).toBe(1);
  }, 60_000);

  it('replay exits 0 when the counterexample no longer fails', async () => {
    const f = join(dir, 'passing.json');
    writeFileSync(f, JSON.stringify({
      format: 'verihist-counterexample/1', property: 'sharedMatchesCopy', program: { name: 'p', type: 'socket', flags: '0', asm: 'r0 = 0\nexit' },
      options: { backedge: true }, diff: { summary: 'old', lines: [] },
    }));
    const r = await run('replay', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sharedMatchesCopy: ok/);
  });
});

// Build the sources once into a temp dir (tsc takes ~2 s) and spawn the CLI there.
let built: string | undefined;
function buildCli(): string | undefined {
  built ??= buildOnce();
  return built;
}
function buildOnce(): string | undefined {
  const outDir = mkdtempSync(join(tmpdir(), 'verihist-build-'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) return undefined;
  spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', outDir], { encoding: 'utf8' });
  if (!existsSync(join(outDir, 'src', 'cli', 'main.js'))) return undefined;
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(root, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  const entry = join(outDir, 'verihist.mjs');
  writeFileSync(entry, "import { main } from './src/cli/main.js';\nmain(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n");
  return entry;
}

describe('signals: nothing found before the signal is lost', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${sig} after a failure: counterexample and report written, exit ${code}`, async () => {
      const entry = buildCli();
      expect(entry, 'tsc build of the sources').toBeDefined();
      const out = join(dir, `sig-${sig}`);
      mkdirSync(out, { recursive: true });
      const junit = join(out, 'report.xml');
      const child = spawn(process.execPath, [entry!, 'fuzz', '--time', '120s', '--seed', '3', '--backedge', 'off', '--fault', 'reset-forgets-parent-end',
        '--max-failures', '1000', '--workers', '2', '--out', out, '--junit', junit, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      // Wait for the first counterexample file, then signal.
      const t0 = Date.now();
      while (!readdirSync(out).some((f) => f.endsWith('.json') && !f.includes('.tmp-')) && Date.now() - t0 < 40_000) await new Promise((r) => setTimeout(r, 100));
      const before = readdirSync(out).filter((f) => f.endsWith('.json'));
      expect(before.length, stderr).toBeGreaterThan(0);
      child.kill(sig);
      const rc = await exited;
      expect(rc, stderr).toBe(code);
      const report = JSON.parse(stdout) as { stoppedBy: string; failures: { file: string }[]; seed: number };
      expect(report.stoppedBy).toBe(sig);
      expect(report.seed).toBe(3);
      const files = readdirSync(out).filter((f) => f.endsWith('.json'));
      for (const f of before) expect(files).toContain(f);
      expect(report.failures.length).toBe(files.length);
      for (const f of report.failures) expect(JSON.parse(readFileSync(f.file, 'utf8'))).toMatchObject({ format: 'verihist-counterexample/1' });
      expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites/);
      expect(stderr).toMatch(new RegExp(`${sig}: stopping`));
    }, 90_000);
  }
});
