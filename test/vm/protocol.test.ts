import { describe, expect, it } from 'vitest';
import { encodeBye, encodeRequest, FrameDecoder, MAGIC_BYE, MAGIC_HELLO, MAGIC_REQ, MAGIC_RES } from '../../src/vm/protocol.js';
import type { LoadRequest } from '../../src/kernel/loadRequest.js';

const hello = (release: string): Buffer => {
  const r = Buffer.from(release);
  const b = Buffer.alloc(8);
  b.writeUInt32LE(MAGIC_HELLO, 0);
  b.writeUInt32LE(r.length, 4);
  return Buffer.concat([b, r]);
};

const response = (id: number, kind: number, errno: number, log: string | Buffer): Buffer => {
  const l = typeof log === 'string' ? Buffer.from(log) : log;
  const b = Buffer.alloc(20);
  b.writeUInt32LE(MAGIC_RES, 0);
  b.writeUInt32LE(id, 4);
  b.writeUInt32LE(kind, 8);
  b.writeUInt32LE(errno, 12);
  b.writeUInt32LE(l.length, 16);
  return Buffer.concat([b, l]);
};

describe('vm protocol', () => {
  it('lays a request out as the guest loader reads it', () => {
    const req: LoadRequest = {
      progType: 1, flags: 8, logLevel: 2, insns: new Uint8Array(16).fill(7),
      maps: [{ type: 2, keySize: 4, valueSize: 24, maxEntries: 1, btfKeyTypeId: 1, btfValueTypeId: 9 }], btf: new Uint8Array([1, 2, 3]), funcInfo: [{ insnOff: 0, typeId: 4 }],
    };
    const b = encodeRequest(42, req);
    expect(b.readUInt32LE(0)).toBe(MAGIC_REQ);
    expect(b.readUInt32LE(4)).toBe(42);
    const len = b.readUInt32LE(8);
    expect(b.length).toBe(12 + len);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => b.readUInt32LE(12 + 4 * i))).toEqual([1, 8, 2, 16, 1, 3, 1]);
    expect([0, 1, 2, 3, 4, 5].map((i) => b.readUInt32LE(40 + 4 * i))).toEqual([2, 4, 24, 1, 1, 9]);
    expect([...b.subarray(64, 80)]).toEqual(new Array(16).fill(7));
    expect([...b.subarray(80, 83)]).toEqual([1, 2, 3]);
    expect([b.readUInt32LE(83), b.readUInt32LE(87)]).toEqual([0, 4]);
    expect(encodeBye().readUInt32LE(0)).toBe(MAGIC_BYE);
  });

  it('decodes frames split at every byte, whatever the log holds', () => {
    const nasty = Buffer.concat([Buffer.from('line\0with NUL '), response(9, 0, 0, 'fake frame'), Buffer.from('\xff\xfe tail')]);
    const stream = Buffer.concat([hello('6.12.118+deb12-cloud-amd64'), response(1, 0, 0, 'processed 2 insns\n'), response(2, 1, 13, nasty), response(3, 2, 22, '')]);
    const d = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i++) frames.push(...d.push(stream.subarray(i, i + 1)));
    expect(frames).toEqual([
      { type: 'hello', release: '6.12.118+deb12-cloud-amd64' },
      { type: 'response', id: 1, kind: 'loaded', errno: 0, log: 'processed 2 insns\n' },
      { type: 'response', id: 2, kind: 'rejected', errno: 13, log: nasty.toString('utf8') },
      { type: 'response', id: 3, kind: 'setup-failed', errno: 22, log: '' },
    ]);
  });

  it('names a corrupt stream', () => {
    expect(() => new FrameDecoder().push(Buffer.from('garbage!garbage!'))).toThrow(/bad frame magic/);
  });
});
