// Kernel images for VM oracles: Debian kernel packages fetched with
// `apt-get download`, unpacked into a cache, one directory per release:
//   <cache>/kernels/<release>/{vmlinuz, config, modules/, meta.json}
// modules/ holds only what the guest needs for its virtio-serial port when
// the kernel builds those drivers as modules (Debian 6.1 does, 6.12 does not).

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { cacheDir } from './cache.js';

export class VmError extends Error {
  override readonly name = 'VmError';
}

export interface KernelImage {
  release: string;
  package: string;
  version: string;
  dir: string;
  vmlinuz: string;
  /** Module names in load order (empty when the drivers are built in). */
  modules: string[];
}

export const kernelsDir = (): string => join(cacheDir(), 'kernels');

/** Drivers the guest's port needs: the virtio core, its PCI transport, the console. */
const PORT_CONFIGS = ['CONFIG_VIRTIO', 'CONFIG_VIRTIO_RING', 'CONFIG_VIRTIO_PCI', 'CONFIG_VIRTIO_CONSOLE'] as const;
const PORT_MODULES = ['virtio_pci', 'virtio_console'];

/** Cached kernels, newest release first. */
export function listKernels(): KernelImage[] {
  const dir = kernelsDir();
  if (!existsSync(dir)) return [];
  const out: KernelImage[] = [];
  for (const rel of readdirSync(dir)) {
    const meta = join(dir, rel, 'meta.json');
    if (!existsSync(meta)) continue;
    try {
      out.push(readImage(join(dir, rel)));
    } catch {
      // a half-written entry is ignored; fetch rewrites it
    }
  }
  return out.sort((a, b) => compareVersions(b.release, a.release));
}

function readImage(dir: string): KernelImage {
  const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Omit<KernelImage, 'dir' | 'vmlinuz'>;
  return { ...m, dir, vmlinuz: join(dir, 'vmlinuz') };
}

/** Numeric-aware version order ("6.12.107" > "6.12.9"). */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** True when `release` belongs to the series or exact release `want` (6.12 matches 6.12.107+deb12-cloud-amd64). */
export function releaseMatches(release: string, want: string): boolean {
  return release === want || release.startsWith(`${want}.`) || release.startsWith(`${want}-`) || release.startsWith(`${want}+`);
}

/** The newest cached kernel for `want` (a series like 6.12 or an exact release). */
export function findKernel(want: string): KernelImage {
  const k = listKernels().find((i) => releaseMatches(i.release, want));
  if (!k) throw new VmError(`no cached kernel for ${want}: run \`verihist vm fetch ${want}\``);
  if (!existsSync(k.vmlinuz)) throw new VmError(`broken kernel image: ${k.vmlinuz} is missing (run \`verihist vm fetch ${want}\` again)`);
  return k;
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian package names for a series (6.12, 6.1) or the exact package given. */
function candidates(want: string): string[] {
  if (want.startsWith('linux-image-')) return [want];
  if (!/^\d+\.\d+$/.test(want)) throw new VmError(`vm fetch: expected a series like 6.12 or a package name linux-image-..., got '${want}'`);
  const esc = want.replace('.', '\\.');
  let names: string[] = [];
  try {
    names = run('apt-cache', ['search', '--names-only', `^linux-image-${esc}[.-][0-9.+a-z-]*-cloud-amd64-unsigned$`])
      .split('\n').map((l) => l.split(' - ')[0]!.trim()).filter((n) => n !== '' && !n.endsWith('-dbg'));
  } catch {
    return [];
  }
  return names.sort(compareVersions).reverse();
}

export interface FetchOptions {
  /** Run `apt-get update` when the package lists know no match (default true). */
  update?: boolean;
  /** Download again even when the package is cached. */
  force?: boolean;
  log?: (line: string) => void;
}

/** Downloads and unpacks a kernel package into the cache; returns the image. */
export function fetchKernel(want: string, o: FetchOptions = {}): KernelImage {
  const log = o.log ?? (() => {});
  for (const c of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    if (!commandExists(c)) throw new VmError(`vm fetch needs ${c} (a Debian-based machine)`);
  }
  let names = candidates(want);
  if (names.length === 0 && o.update !== false && process.getuid?.() === 0) {
    log('package lists know no match: apt-get update');
    try {
      run('apt-get', ['update', '-q']);
    } catch {
      // offline: fall through to the message below
    }
    names = candidates(want);
  }
  const pattern = want.startsWith('linux-image-') ? want : `linux-image-${want}.*-cloud-amd64-unsigned`;
  if (names.length === 0) throw new VmError(`no Debian package ${pattern} found: run \`apt-get update\` (needs network), then \`verihist vm fetch ${want}\``);
  const pkg = names[0]!;
  const have = listKernels().find((k) => k.package === pkg && existsSync(k.vmlinuz));
  if (have && o.force !== true) {
    log(`${pkg} is cached already (${have.dir})`);
    return have;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'verihist-fetch-'));
  try {
    log(`apt-get download ${pkg}`);
    try {
      run('apt-get', ['download', '-q', pkg], tmp);
    } catch (e) {
      const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr).trim().split('\n').pop() : '';
      throw new VmError(`apt-get download ${pkg} failed${msg ? `: ${msg}` : ''} (offline? run \`apt-get download ${pkg}\` by hand to see why)`);
    }
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new VmError(`apt-get download ${pkg} produced no .deb`);
    const version = run('dpkg-deb', ['-f', join(tmp, deb), 'Version']).trim();
    const root = join(tmp, 'root');
    run('dpkg-deb', ['-x', join(tmp, deb), root]);
    return install(root, pkg, version, log);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function install(root: string, pkg: string, version: string, log: (l: string) => void): KernelImage {
  const boot = join(root, 'boot');
  const vmlinuz = existsSync(boot) ? readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!vmlinuz) throw new VmError(`${pkg}: no /boot/vmlinuz-* in the package`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  const config = readFileSync(join(boot, `config-${release}`), 'utf8');
  const modDir = join(root, 'lib', 'modules', release);
  const modules = needsModules(config) ? moduleClosure(modDir, PORT_MODULES) : [];
  const stage = join(kernelsDir(), `.${release}.partial`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'modules'), { recursive: true });
  copyFileSync(join(boot, vmlinuz), join(stage, 'vmlinuz'));
  copyFileSync(join(boot, `config-${release}`), join(stage, 'config'));
  for (const m of modules) copyFileSync(m.path, join(stage, 'modules', `${m.name}.ko`));
  const meta = { release, package: pkg, version, modules: modules.map((m) => m.name), fetched: new Date().toISOString() };
  writeFileAtomic(join(stage, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  const dest = join(kernelsDir(), release);
  rmSync(dest, { recursive: true, force: true });
  renameSync(stage, dest);
  log(`cached ${release} (${pkg} ${version}) in ${dest}${modules.length ? `, modules ${meta.modules.join(' ')}` : ''}`);
  return readImage(dest);
}

function needsModules(config: string): boolean {
  let any = false;
  for (const c of PORT_CONFIGS) {
    const m = new RegExp(`^${c}=(y|m)$`, 'm').exec(config);
    if (!m && c !== 'CONFIG_VIRTIO_RING') throw new VmError(`kernel has no ${c}: the guest needs a virtio-serial port`);
    if (m?.[1] === 'm') any = true;
  }
  return any;
}

interface ModuleFile { name: string; path: string }

const modName = (file: string): string => file.replace(/\.ko$/, '').replace(/-/g, '_');

function indexModules(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) indexModules(p, out);
    else if (e.endsWith('.ko')) out.set(modName(e), p);
  }
  return out;
}

/** The `depends=` field of a module's .modinfo section. */
export function moduleDepends(ko: Uint8Array): string[] {
  const text = Buffer.from(ko).toString('latin1');
  const at = text.indexOf('\0depends=');
  if (at < 0) return [];
  const end = text.indexOf('\0', at + 1);
  return text.slice(at + '\0depends='.length, end).split(',').filter((d) => d !== '').map(modName);
}

/** `roots` and everything they depend on, dependencies first. */
function moduleClosure(dir: string, roots: string[]): ModuleFile[] {
  if (!existsSync(dir)) throw new VmError(`kernel package has no ${dir}`);
  const index = indexModules(dir);
  const order: ModuleFile[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = index.get(name);
    if (!path) return; // built in
    for (const d of moduleDepends(readFileSync(path))) visit(d);
    order.push({ name, path });
  };
  for (const r of roots) visit(r);
  return order;
}
