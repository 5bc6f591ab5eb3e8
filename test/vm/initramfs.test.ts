import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../src/vm/initramfs.js';

/** A reader of cpio newc, independent of the writer: name, mode, data per entry. */
function readCpio(buf: Buffer): { name: string; mode: number; data: Buffer }[] {
  const out = [];
  let o = 0;
  for (;;) {
    expect(buf.toString('ascii', o, o + 6)).toBe('070701');
    const field = (i: number): number => parseInt(buf.toString('ascii', o + 6 + 8 * i, o + 14 + 8 * i), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.toString('utf8', o + 110, o + 110 + nameSize - 1);
    let p = o + 110 + nameSize;
    p += (4 - (p % 4)) % 4;
    const data = buf.subarray(p, p + size);
    p += size;
    p += (4 - (p % 4)) % 4;
    o = p;
    if (name === 'TRAILER!!!') break;
    out.push({ name, mode, data });
  }
  return out;
}

describe('initramfs', () => {
  it('writes a cpio newc archive the kernel can unpack', () => {
    const init = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]);
    const cpio = gunzipSync(buildInitramfs([{ path: 'dev' }, { path: '/init', data: init, mode: 0o755 }, { path: 'modules/order', data: Buffer.from('a\nb\n') }]));
    const entries = readCpio(cpio);
    expect(entries.map((e) => [e.name, e.mode.toString(8)])).toEqual([['dev', '40755'], ['init', '100755'], ['modules/order', '100644']]);
    expect(entries[1]!.data).toEqual(init);
    expect(entries[2]!.data.toString()).toBe('a\nb\n');
  });
});
