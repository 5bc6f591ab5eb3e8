import { describe, expect, it } from 'vitest';
import { bpfAvailable, bpfMapCreate, bpfProgLoad, closeFd, errnoName } from '../../src/kernel/syscall.js';

const avail = bpfAvailable();
const skipReason = avail.ok ? '' : avail.reason;

const bytes = (...words: number[][]): Uint8Array => {
  const out = new Uint8Array(words.length * 8);
  words.forEach((w, i) => {
    const dv = new DataView(out.buffer, i * 8, 8);
    dv.setUint8(0, w[0]!);
    dv.setUint8(1, ((w[2] ?? 0) << 4) | (w[1] ?? 0));
    dv.setInt16(2, w[3] ?? 0, true);
    dv.setInt32(4, w[4] ?? 0, true);
  });
  return out;
};

describe.skipIf(!avail.ok)(`bpf() syscall wrapper ${skipReason}`, () => {
  it('loads r0 = 0; exit for every program type', () => {
    for (const t of ['socket', 'xdp', 'kprobe', 'raw_tp'] as const) {
      const r = bpfProgLoad(bytes([0xb7, 0, 0, 0, 0], [0x95]), t, 0, 2);
      expect(r, t).toMatchObject({ fd: 0, errno: 0 });
      expect(r.log).toContain('0: (b7) r0 = 0');
      expect(r.log).toContain('processed 2 insns');
    }
  });

  it('reports EACCES and the verifier message for an uninitialised r0', () => {
    const r = bpfProgLoad(bytes([0x95]), 'socket', 0, 1);
    expect(r.fd).toBe(-1);
    expect(errnoName(r.errno)).toBe('EACCES');
    expect(r.log).toContain('R0 !read_ok');
  });

  it('returns an empty log at log_level 0 and EINVAL for a bad opcode', () => {
    const r = bpfProgLoad(bytes([0xff], [0x95]), 'socket', 0, 0);
    expect(r).toEqual({ fd: -1, errno: 22, log: '' });
  });

  it('grows the log buffer on ENOSPC', () => {
    // 2000 straight-line insns at level 2 need far more than 256 bytes of log.
    const words: number[][] = [];
    for (let i = 0; i < 2000; i++) words.push([0xb7, 0, 0, 0, i]);
    words.push([0x95]);
    const r = bpfProgLoad(bytes(...words), 'socket', 0, 2, { logSize: 256 });
    expect(r.errno).toBe(0);
    expect(r.log).toContain('1999: (b7) r0 = 1999');
    expect(r.log.length).toBeGreaterThan(20000);
  });

  it('creates maps and passes them via fd_array (BPF_PSEUDO_MAP_IDX)', () => {
    const fd = bpfMapCreate('array', 4, 8, 1);
    expect(fd).toBeGreaterThan(2);
    try {
      // r1 = map[0]; r2 = fp-4; *(u32*)(fp-4)=0; call map_lookup_elem; r0 = 0; exit
      const prog = bytes(
        [0x62, 10, 0, -4, 0],
        [0xbf, 2, 10],
        [0x07, 2, 0, 0, -4],
        [0x18, 1, 5, 0, 0], [0, 0, 0, 0, 0],
        [0x85, 0, 0, 0, 1],
        [0xb7, 0, 0, 0, 0],
        [0x95],
      );
      const r = bpfProgLoad(prog, 'socket', 0, 2, { mapFds: [fd] });
      expect(r.errno, r.log).toBe(0);
      expect(r.log).toContain('call bpf_map_lookup_elem#1');
    } finally {
      closeFd(fd);
    }
  });

  it('caches availability', () => {
    expect(bpfAvailable()).toBe(avail);
  });
});
