// A gzip-compressed cpio "newc" archive, the format the kernel unpacks as its
// initramfs. Written here so building a guest needs no cpio binary.

import { gzipSync } from 'node:zlib';

export interface InitramfsEntry {
  path: string;
  /** File contents; absent for a directory. */
  data?: Uint8Array;
  /** Permission bits (default 0755 for directories and 0644 for files). */
  mode?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function record(ino: number, name: string, mode: number, data: Uint8Array): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const header = '070701' + [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex8).join('');
  return Buffer.concat([
    Buffer.from(header, 'ascii'), nameBytes, Buffer.alloc(pad4(110 + nameBytes.length)),
    Buffer.from(data), Buffer.alloc(pad4(data.length)),
  ]);
}

export function buildInitramfs(entries: readonly InitramfsEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const isDir = e.data === undefined;
    const mode = (isDir ? S_IFDIR : S_IFREG) | (e.mode ?? (isDir ? 0o755 : 0o644));
    parts.push(record(i + 1, e.path.replace(/^\/+/, ''), mode, e.data ?? new Uint8Array(0)));
  });
  parts.push(record(0, 'TRAILER!!!', 0, new Uint8Array(0)));
  return gzipSync(Buffer.concat(parts), { level: 6 });
}
