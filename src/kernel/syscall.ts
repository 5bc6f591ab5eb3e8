// Raw bpf(2) access through koffi. Only x86_64 Linux is supported: the
// syscall number and the union bpf_attr offsets below are for that ABI.

import koffi from 'koffi';
import type { ProgType } from '../isa/program.js';

const NR_BPF_X86_64 = 321;

const BPF_MAP_CREATE = 0;
const BPF_PROG_LOAD = 5;
const BPF_BTF_LOAD = 18;

export const PROG_TYPE_IDS: Readonly<Record<ProgType, number>> = {
  socket: 1, // BPF_PROG_TYPE_SOCKET_FILTER
  kprobe: 2, // BPF_PROG_TYPE_KPROBE
  xdp: 6, // BPF_PROG_TYPE_XDP
  raw_tp: 17, // BPF_PROG_TYPE_RAW_TRACEPOINT
};

export const MAP_TYPE_IDS = { hash: 1, array: 2, user_ringbuf: 31 } as const;

export const ENOSPC = 28;

/** Initial verifier log buffer, and the kernel's ceiling (UINT_MAX >> 2). */
const LOG_START = 1 << 20;
const LOG_MAX = 0x3fffffff;

// union bpf_attr, BPF_PROG_LOAD member (include/uapi/linux/bpf.h).
const PL = {
  progType: 0,
  insnCnt: 4,
  insns: 8,
  license: 16,
  logLevel: 24,
  logSize: 28,
  logBuf: 32,
  kernVersion: 40,
  progFlags: 44,
  progBtfFd: 72,
  funcInfoRecSize: 76,
  funcInfo: 80,
  funcInfoCnt: 88,
  fdArray: 120,
  logTrueSize: 140,
  size: 152, // through fd_array_cnt; the kernel zero-checks anything it knows beyond
} as const;

// union bpf_attr, BPF_BTF_LOAD member.
const BL = {
  btf: 0,
  logBuf: 8,
  btfSize: 16,
  logSize: 20,
  logLevel: 24,
  logTrueSize: 28,
  size: 40, // through btf_token_fd
} as const;

/** sizeof(struct bpf_func_info): u32 insn_off, u32 type_id. */
const FUNC_INFO_REC_SIZE = 8;

interface Libc {
  syscall: (nr: number, cmd: number, attr: unknown, size: number) => number;
  malloc: (n: number) => unknown;
  free: (p: unknown) => void;
  close: (fd: number) => number;
}

let libcCache: Libc | undefined;

function libc(): Libc {
  if (libcCache) return libcCache;
  const lib = koffi.load('libc.so.6');
  // glibc's syscall() is variadic, but it only moves integer registers, so a
  // fixed integer prototype is safe on x86_64.
  const syscall = lib.func('long syscall(long, long, void *, long)') as (
    nr: number, cmd: number, attr: unknown, size: number) => number;
  const malloc = lib.func('void *malloc(size_t)') as (n: number) => unknown;
  const free = lib.func('void free(void *)') as (p: unknown) => void;
  const close = lib.func('int close(int)') as (fd: number) => number;
  libcCache = { syscall, malloc, free, close };
  return libcCache;
}

/** Native heap block with a JS view; freed explicitly. */
class NativeBuf {
  readonly ptr: unknown;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(readonly size: number) {
    const p = libc().malloc(size);
    if (p === null || p === undefined) throw new Error(`malloc(${size}) failed`);
    this.ptr = p;
    const ab = koffi.view(p, size);
    this.bytes = new Uint8Array(ab);
    this.view = new DataView(ab);
    this.bytes.fill(0);
  }
  get addr(): bigint {
    return koffi.address(this.ptr);
  }
  free(): void {
    libc().free(this.ptr);
  }
}

function withBufs<T>(sizes: number[], fn: (bufs: NativeBuf[]) => T): T {
  const bufs: NativeBuf[] = [];
  try {
    for (const s of sizes) bufs.push(new NativeBuf(Math.max(s, 1)));
    return fn(bufs);
  } finally {
    for (const b of bufs) b.free();
  }
}

function sysBpf(cmd: number, attr: NativeBuf, size: number): { ret: number; errno: number } {
  koffi.errno(0);
  const ret = Number(libc().syscall(NR_BPF_X86_64, cmd, attr.ptr, size));
  return { ret, errno: ret < 0 ? koffi.errno() : 0 };
}

export interface LoadOutcome {
  /** 0 on success (the fd is already closed), -1 on failure. */
  fd: number;
  errno: number;
  log: string;
}

function readLog(buf: NativeBuf): string {
  const end = buf.bytes.indexOf(0);
  const slice = buf.bytes.subarray(0, end < 0 ? buf.size : end);
  return Buffer.from(slice).toString('utf8');
}

export interface ProgLoadOptions {
  logSize?: number;
  mapFds?: number[];
  /** BTF object fd (from bpfBtfLoad) that funcInfo type ids refer to. */
  progBtfFd?: number;
  /** One record per subprogram, sorted by insnOff, the first at 0. */
  funcInfo?: { insnOff: number; typeId: number }[];
}

/**
 * BPF_PROG_LOAD. On ENOSPC (log truncated) the log buffer grows and the load
 * is retried, up to the kernel's 1 GiB limit.
 */
export function bpfProgLoad(
  bytes: Uint8Array,
  progType: ProgType | number,
  flags: number,
  logLevel: number,
  opts: ProgLoadOptions = {},
): LoadOutcome {
  if (bytes.length % 8 !== 0) throw new Error(`program length ${bytes.length} is not a multiple of 8`);
  const mapFds = opts.mapFds ?? [];
  const funcInfo = opts.funcInfo ?? [];
  // the kernel refuses log buffers under 128 bytes
  let logSize = logLevel > 0 ? Math.min(Math.max(opts.logSize ?? LOG_START, 128), LOG_MAX) : 0;
  for (;;) {
    const bufSizes = [PL.size, bytes.length, 4, logSize, mapFds.length * 4, funcInfo.length * FUNC_INFO_REC_SIZE];
    const out = withBufs(bufSizes, ([attr, insns, lic, log, fds, fi]) => {
      insns!.bytes.set(bytes);
      lic!.bytes.set([0x47, 0x50, 0x4c, 0]); // "GPL"
      mapFds.forEach((fd, i) => fds!.view.setInt32(i * 4, fd, true));
      const a = attr!.view;
      a.setUint32(PL.progType, typeof progType === 'number' ? progType : PROG_TYPE_IDS[progType], true);
      a.setUint32(PL.insnCnt, bytes.length / 8, true);
      a.setBigUint64(PL.insns, insns!.addr, true);
      a.setBigUint64(PL.license, lic!.addr, true);
      a.setUint32(PL.progFlags, flags >>> 0, true);
      if (logSize > 0) {
        a.setUint32(PL.logLevel, logLevel, true);
        a.setUint32(PL.logSize, logSize, true);
        a.setBigUint64(PL.logBuf, log!.addr, true);
      }
      if (mapFds.length > 0) a.setBigUint64(PL.fdArray, fds!.addr, true);
      if (opts.progBtfFd !== undefined) a.setUint32(PL.progBtfFd, opts.progBtfFd, true);
      if (funcInfo.length > 0) {
        funcInfo.forEach((r, i) => {
          fi!.view.setUint32(i * FUNC_INFO_REC_SIZE, r.insnOff, true);
          fi!.view.setUint32(i * FUNC_INFO_REC_SIZE + 4, r.typeId, true);
        });
        a.setUint32(PL.funcInfoRecSize, FUNC_INFO_REC_SIZE, true);
        a.setBigUint64(PL.funcInfo, fi!.addr, true);
        a.setUint32(PL.funcInfoCnt, funcInfo.length, true);
      }
      const { ret, errno } = sysBpf(BPF_PROG_LOAD, attr!, PL.size);
      if (ret >= 0) libc().close(ret);
      return {
        fd: ret >= 0 ? 0 : -1,
        errno,
        log: logSize > 0 ? readLog(log!) : '',
        trueSize: a.getUint32(PL.logTrueSize, true),
      };
    });
    if (out.errno === ENOSPC && logSize > 0 && logSize < LOG_MAX) {
      const want = out.trueSize > logSize ? out.trueSize + 4096 : logSize * 2;
      logSize = Math.min(want, LOG_MAX);
      continue;
    }
    return { fd: out.fd, errno: out.errno, log: out.log };
  }
}

export interface BtfLoadOutcome {
  /** The BTF object fd (caller closes it with closeFd), or -1. */
  fd: number;
  errno: number;
  log: string;
}

/** BPF_BTF_LOAD of a raw BTF blob (header, types, strings). */
export function bpfBtfLoad(blob: Uint8Array, opts: { logLevel?: number; logSize?: number } = {}): BtfLoadOutcome {
  const logLevel = opts.logLevel ?? 1;
  const logSize = logLevel > 0 ? Math.min(Math.max(opts.logSize ?? 1 << 16, 128), LOG_MAX) : 0;
  return withBufs([BL.size, blob.length, logSize], ([attr, data, log]) => {
    data!.bytes.set(blob);
    const a = attr!.view;
    a.setBigUint64(BL.btf, data!.addr, true);
    a.setUint32(BL.btfSize, blob.length, true);
    if (logSize > 0) {
      a.setBigUint64(BL.logBuf, log!.addr, true);
      a.setUint32(BL.logSize, logSize, true);
      a.setUint32(BL.logLevel, logLevel, true);
    }
    const { ret, errno } = sysBpf(BPF_BTF_LOAD, attr!, BL.size);
    return { fd: ret >= 0 ? ret : -1, errno, log: logSize > 0 ? readLog(log!) : '' };
  });
}

/** BPF_MAP_CREATE; returns the fd (caller closes it with closeFd). */
export function bpfMapCreate(
  type: number | keyof typeof MAP_TYPE_IDS,
  keySize: number,
  valueSize: number,
  maxEntries: number,
  btf?: { fd: number; keyTypeId: number; valueTypeId: number },
): number {
  const t = typeof type === 'number' ? type : MAP_TYPE_IDS[type];
  return withBufs([72], ([attr]) => {
    const a = attr!.view;
    a.setUint32(0, t, true);
    a.setUint32(4, keySize, true);
    a.setUint32(8, valueSize, true);
    a.setUint32(12, maxEntries, true);
    if (btf) {
      a.setUint32(48, btf.fd, true);
      a.setUint32(52, btf.keyTypeId, true);
      a.setUint32(56, btf.valueTypeId, true);
    }
    const { ret, errno } = sysBpf(BPF_MAP_CREATE, attr!, 72);
    if (ret < 0) throw new Error(`BPF_MAP_CREATE failed: ${errnoName(errno)} (${errno})`);
    return ret;
  });
}

export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** Symbolic errno name (EACCES, EINVAL, ...) or the number as text. */
export function errnoName(errno: number): string {
  for (const [name, val] of Object.entries(koffi.os.errno)) if (val === errno) return name;
  return String(errno);
}

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether live loads work here (root, and `r0 = 0; exit` loads). Cached. */
export function bpfAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  availability = probe();
  return availability;
}

/** Forgets the cached answer of bpfAvailable (after VERIHIST_NO_KERNEL changed). */
export function resetBpfAvailability(): void {
  availability = undefined;
}

function probe(): { ok: true } | { ok: false; reason: string } {
  const hidden = process.env['VERIHIST_NO_KERNEL'];
  if (hidden) return { ok: false, reason: hidden === '1' ? 'hidden by VERIHIST_NO_KERNEL=1' : hidden };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, reason: `bpf() wrapper supports linux/x64 only (have ${process.platform}/${process.arch})` };
  }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  try {
    const prog = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const r = bpfProgLoad(prog, 'socket', 0, 0);
    if (r.fd < 0) return { ok: false, reason: `trivial BPF_PROG_LOAD failed: ${errnoName(r.errno)}` };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `bpf() unusable: ${e instanceof Error ? e.message : String(e)}` };
  }
}
