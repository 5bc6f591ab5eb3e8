// The guest side of a VM oracle: the loader (guest/loader.c) compiled into a
// static binary once per source version, and per kernel an initramfs holding
// it as /init plus the modules that kernel needs for its virtio port.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache.js';
import { VmError, type KernelImage } from './images.js';
import { buildInitramfs, type InitramfsEntry } from './initramfs.js';

/** The package root: the nearest directory above this module with a package.json. */
function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new VmError('cannot find the verihist package root');
    d = up;
  }
  return d;
}

export const loaderSource = (): string => join(packageRoot(), 'src', 'vm', 'guest', 'loader.c');

/** Builds (or finds cached) the static loader binary; returns its path. */
export function guestLoader(): string {
  const src = loaderSource();
  if (!existsSync(src)) throw new VmError(`guest loader source missing: ${src}`);
  const code = readFileSync(src);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
  const out = join(cacheDir(), 'guest', hash, 'init');
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    execFileSync('gcc', ['-static', '-O2', '-s', '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new VmError('building the guest loader needs gcc: run `apt-get install gcc libc6-dev`');
    const first = String(err.stderr ?? '').trim().split('\n')[0] ?? '';
    throw new VmError(`gcc -static ${src} failed: ${first} (static glibc comes with libc6-dev)`);
  }
  renameSync(tmp, out);
  return out;
}

/** The initramfs for one kernel (cached next to its image). */
export function guestInitrd(k: KernelImage): string {
  const init = guestLoader();
  const tag = dirname(init).split('/').pop()!;
  const out = join(k.dir, `initrd-${tag}.gz`);
  if (existsSync(out)) return out;
  const entries: InitramfsEntry[] = [{ path: 'dev' }, { path: 'init', data: readFileSync(init), mode: 0o755 }];
  if (k.modules.length > 0) {
    entries.push({ path: 'modules' });
    for (const m of k.modules) {
      const p = join(k.dir, 'modules', `${m}.ko`);
      if (!existsSync(p)) throw new VmError(`broken kernel image: ${p} is missing (run \`verihist vm fetch ${k.release}\` again)`);
      entries.push({ path: `modules/${m}.ko`, data: readFileSync(p) });
    }
    entries.push({ path: 'modules/order', data: Buffer.from(k.modules.join('\n') + '\n') });
  }
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, buildInitramfs(entries));
  renameSync(tmp, out);
  return out;
}
