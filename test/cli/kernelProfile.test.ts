import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tmpFiles } from './helpers.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { SWITCH_NAMES, profileNames } from '../../src/verifier/profile/index.js';

const { dir, f } = tmpFiles('verihist-profile-');
const movsx = f('movsx.s', '; name: movsx\ncall 7\nr0 &= 4095\nr0 -= 2048\nr3 = (s16)r0\nif r3 s> 2047 goto +1\nr0 = 0\nexit\n');
const avail = bpfAvailable();

describe('--kernel-profile', () => {
  test('an unknown profile is one line naming the known ones, exit 2', async () => {
    for (const cmd of ['verify', 'compare', 'audit']) {
      const r = await run(cmd, '--kernel-profile', 'linux-9.9', movsx);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain('linux-9.9');
      for (const n of profileNames()) expect(r.err).toContain(n);
    }
  });

  test('the profile changes the model and is stored in --json output', async () => {
    const logs: Record<string, string> = {};
    for (const p of profileNames()) {
      const r = await run('verify', '--json', '--log-level', '2', '--kernel-profile', p, movsx);
      expect(r.code).toBe(0);
      const o = JSON.parse(r.out.trim()) as { kernelProfile: string; log: string };
      expect(o.kernelProfile).toBe(p);
      logs[p] = o.log;
    }
    // movsxKeepsRange: the baseline widens to the s16 range, the newest keeps [-2048, 2047]
    expect(logs['6.18.44']).toMatch(/R3=scalar\(smin=smin32=-32768,smax=smax32=32767/);
    expect(logs['6.18.44-fc-v1272']).toMatch(/R3=scalar\(smin=smin32=-2048,smax=smax32=2047/);
  });
});

describe.skipIf(!avail.ok)(`verihist kernel --probe / --record${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('--probe --json names a profile and every switch', async () => {
    const r = await run('kernel', '--probe', '--json');
    const o = JSON.parse(r.out.trim()) as { release: string; switches: Record<string, { value: boolean | null }>; profile: string | null; closest: string };
    expect(o.release.length).toBeGreaterThan(0);
    expect(Object.keys(o.switches).sort()).toEqual([...SWITCH_NAMES].sort());
    expect(profileNames()).toContain(o.closest);
    expect(r.code).toBe(o.profile === null ? 1 : 0);
  });

  test('--record writes NAME@PROFILE.json fixtures carrying the kernel release', async () => {
    const out = join(dir, 'fixtures');
    cpSync(join(import.meta.dirname, '../kernel/fixtures'), out, { recursive: true });
    const before = readdirSync(out).length;
    const stems = new Set(readdirSync(out).map((n) => n.replace(/@.*$/, ''))).size;
    const r = await run('kernel', '--record', '--dir', out);
    expect(r.code).toBe(0);
    const files = readdirSync(out);
    expect(files.length).toBeGreaterThanOrEqual(before);
    expect(r.out).toContain(`${stems} fixture(s) recorded on `);
    for (const name of files) {
      expect(name).toMatch(/^[\w-]+@[\w.-]+\.json$/);
      const fx = JSON.parse(readFileSync(join(out, name), 'utf8')) as { kernel: { release: string; profile: string } };
      expect(name.endsWith(`@${fx.kernel.profile}.json`)).toBe(true);
      expect(fx.kernel.release.length).toBeGreaterThan(0);
    }
  });
});
