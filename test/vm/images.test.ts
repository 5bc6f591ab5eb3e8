import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareVersions, findKernel, listKernels, moduleDepends, releaseMatches } from '../../src/vm/images.js';
import { requireQemu } from '../../src/vm/qemu.js';
import { run, tmpFiles } from '../cli/helpers.js';

let saved: string | undefined;
let cache: string;

beforeEach(() => {
  saved = process.env['VERIHIST_CACHE'];
  cache = mkdtempSync(join(tmpdir(), 'verihist-cache-'));
  process.env['VERIHIST_CACHE'] = cache;
});
afterEach(() => {
  if (saved === undefined) delete process.env['VERIHIST_CACHE'];
  else process.env['VERIHIST_CACHE'] = saved;
});

function fakeKernel(release: string, withImage = true): void {
  const d = join(cache, 'kernels', release);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'meta.json'), JSON.stringify({ release, package: `linux-image-${release}-unsigned`, version: '1', modules: [] }));
  if (withImage) writeFileSync(join(d, 'vmlinuz'), 'x');
}

describe('kernel image cache', () => {
  it('orders releases numerically and matches a series to its releases', () => {
    expect(compareVersions('6.12.107+deb12', '6.12.9+deb12')).toBeGreaterThan(0);
    expect(releaseMatches('6.12.118+deb12-cloud-amd64', '6.12')).toBe(true);
    expect(releaseMatches('6.1.0-57-cloud-amd64', '6.1')).toBe(true);
    expect(releaseMatches('6.12.118+deb12-cloud-amd64', '6.1')).toBe(false);
    expect(releaseMatches('6.1.0-57-cloud-amd64', '6.1.0-57-cloud-amd64')).toBe(true);
  });

  it('finds the newest cached release of a series', () => {
    fakeKernel('6.12.9+deb12-cloud-amd64');
    fakeKernel('6.12.118+deb12-cloud-amd64');
    fakeKernel('6.1.0-57-cloud-amd64');
    expect(listKernels().map((k) => k.release)).toEqual(['6.12.118+deb12-cloud-amd64', '6.12.9+deb12-cloud-amd64', '6.1.0-57-cloud-amd64']);
    expect(findKernel('6.12').release).toBe('6.12.118+deb12-cloud-amd64');
    expect(findKernel('6.1').release).toBe('6.1.0-57-cloud-amd64');
  });

  it('names `verihist vm fetch` for a missing kernel and the file for a broken one', () => {
    expect(() => findKernel('6.12')).toThrow('no cached kernel for 6.12: run `verihist vm fetch 6.12`');
    fakeKernel('6.12.1+deb12-cloud-amd64', false);
    expect(() => findKernel('6.12')).toThrow(/broken kernel image: .*6\.12\.1\+deb12-cloud-amd64\/vmlinuz is missing/);
  });

  it('reads module dependencies from .modinfo', () => {
    const ko = Buffer.from('\x7fELF....\0license=GPL\0depends=virtio,virtio_ring,virtio-pci-modern-dev\0retpoline=Y\0');
    expect(moduleDepends(ko)).toEqual(['virtio', 'virtio_ring', 'virtio_pci_modern_dev']);
    expect(moduleDepends(Buffer.from('\0depends=\0'))).toEqual([]);
  });

  it('the CLI: one line and exit 2 without a kernel or without qemu', async () => {
    const { f } = tmpFiles('verihist-vm-');
    const prog = f('ret0.bin', new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    const r = await run('kernel', '--vm', '6.12', prog);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^verihist: (no cached kernel for 6\.12: run `verihist vm fetch 6\.12`|qemu-system-x86_64 not found: .*)\n$/);
    const list = await run('vm', 'list');
    expect(list.out).toMatch(/no kernels cached in .*: run `verihist vm fetch 6.12`/);
    const q = process.env['VERIHIST_QEMU'];
    process.env['VERIHIST_QEMU'] = '/nonexistent/qemu-system-x86_64';
    try {
      expect(() => requireQemu()).toThrow('/nonexistent/qemu-system-x86_64 not found: run `apt-get install qemu-system-x86`');
    } finally {
      if (q === undefined) delete process.env['VERIHIST_QEMU'];
      else process.env['VERIHIST_QEMU'] = q;
    }
  });
});
