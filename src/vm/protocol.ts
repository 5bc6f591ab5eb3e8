// Framing between the host and the guest loader (src/vm/guest/loader.c) on
// the virtio-serial port. Every frame is length-prefixed little-endian, so
// any log content (NUL bytes, frame-like text) passes through unharmed.
//
//   hello    guest->host  "VHEL" u32 len, release[len]
//   request  host->guest  "VHRQ" u32 id, u32 len, body[len]
//   response guest->host  "VHRS" u32 id, u32 kind, u32 errno, u32 len, log[len]
//   bye      host->guest  "VBYE" u32 0, u32 0 (the guest powers off)

import type { LoadRequest } from '../kernel/loadRequest.js';

export const MAGIC_HELLO = 0x4c454856;
export const MAGIC_REQ = 0x51524856;
export const MAGIC_RES = 0x53524856;
export const MAGIC_BYE = 0x45594256;

/** How a request ended in the guest. */
export type OutcomeKind = 'loaded' | 'rejected' | 'setup-failed';
const KINDS: readonly OutcomeKind[] = ['loaded', 'rejected', 'setup-failed'];

export function encodeRequest(id: number, r: LoadRequest): Buffer {
  const bodyLen = 28 + 24 * r.maps.length + r.insns.length + r.btf.length + 8 * r.funcInfo.length;
  const b = Buffer.alloc(12 + bodyLen);
  b.writeUInt32LE(MAGIC_REQ, 0);
  b.writeUInt32LE(id >>> 0, 4);
  b.writeUInt32LE(bodyLen, 8);
  let o = 12;
  for (const v of [r.progType, r.flags, r.logLevel, r.insns.length, r.maps.length, r.btf.length, r.funcInfo.length]) {
    b.writeUInt32LE(v >>> 0, o);
    o += 4;
  }
  for (const m of r.maps) {
    for (const v of [m.type, m.keySize, m.valueSize, m.maxEntries, m.btfKeyTypeId, m.btfValueTypeId]) {
      b.writeUInt32LE(v >>> 0, o);
      o += 4;
    }
  }
  b.set(r.insns, o);
  o += r.insns.length;
  b.set(r.btf, o);
  o += r.btf.length;
  for (const f of r.funcInfo) {
    b.writeUInt32LE(f.insnOff >>> 0, o);
    b.writeUInt32LE(f.typeId >>> 0, o + 4);
    o += 8;
  }
  return b;
}

export function encodeBye(): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(MAGIC_BYE, 0);
  return b;
}

export type GuestFrame =
  | { type: 'hello'; release: string }
  | { type: 'response'; id: number; kind: OutcomeKind; errno: number; log: string };

/** Incremental decoder of guest->host frames; throws on a corrupt stream. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): GuestFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: GuestFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) break;
      out.push(f);
    }
    return out;
  }

  private next(): GuestFrame | undefined {
    const b = this.buf;
    if (b.length < 8) return undefined;
    const magic = b.readUInt32LE(0);
    if (magic === MAGIC_HELLO) {
      const len = b.readUInt32LE(4);
      if (b.length < 8 + len) return undefined;
      this.buf = b.subarray(8 + len);
      return { type: 'hello', release: b.toString('utf8', 8, 8 + len) };
    }
    if (magic !== MAGIC_RES) throw new Error(`guest stream corrupt: bad frame magic 0x${magic.toString(16)}`);
    if (b.length < 20) return undefined;
    const kind = KINDS[b.readUInt32LE(8)];
    if (kind === undefined) throw new Error(`guest stream corrupt: outcome kind ${b.readUInt32LE(8)}`);
    const len = b.readUInt32LE(16);
    if (b.length < 20 + len) return undefined;
    this.buf = b.subarray(20 + len);
    return { type: 'response', id: b.readUInt32LE(4), kind, errno: b.readUInt32LE(12), log: b.toString('utf8', 20, 20 + len) };
  }
}
