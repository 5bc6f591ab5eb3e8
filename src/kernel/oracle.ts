// The live-kernel oracle: load a Program with bpf(BPF_PROG_LOAD) and turn
// what comes back into the same Result the model produces.
//
// Log level 0 is loaded as BPF_LOG_STATS (4): the verdict is the same, the
// kernel still prints the rejection reason and the statistics line at that
// level, and it costs almost nothing. The log itself is only kept on request.

import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { bpfBtfLoad, bpfMapCreate, bpfProgLoad, closeFd, errnoName } from './syscall.js';
import { loadRequest, type LoadRequest, type LogLevel } from './loadRequest.js';
import { lastErrorLine, markPreciseLines, parseStats } from './logParse.js';

export { kernelLogLevel, type LogLevel } from './loadRequest.js';

export interface KernelLoadOptions {
  logLevel: LogLevel;
  /** Put the full log in Result.log. */
  keepLog?: boolean;
  /** Extra prog_flags OR-ed into program.flags. */
  extraFlags?: number;
}

/** What a load came back with, before it is read as a Result. */
export interface LoadReply {
  loaded: boolean;
  errno: number;
  log: string;
}

export function loadInKernel(program: Program, opts: KernelLoadOptions): Result {
  const out = runLoadRequest(loadRequest(program, opts.logLevel, opts.extraFlags ?? 0));
  return toResult(out.loaded, out.errno, out.log, opts.keepLog ?? false);
}

/** Runs a prepared request with bpf(2) on this machine's kernel. */
export function runLoadRequest(req: LoadRequest): LoadReply {
  const mapFds: number[] = [];
  let btfFd = -1;
  try {
    let btfOpts = {};
    if (req.btf.length > 0) {
      const b = bpfBtfLoad(req.btf);
      if (b.fd < 0) throw new Error(`BPF_BTF_LOAD failed: ${errnoName(b.errno)}\n${b.log}`);
      btfFd = b.fd;
      if (req.funcInfo.length > 0) btfOpts = { progBtfFd: btfFd, funcInfo: req.funcInfo };
    }
    for (const m of req.maps) {
      const btf = m.btfValueTypeId ? { fd: btfFd, keyTypeId: m.btfKeyTypeId, valueTypeId: m.btfValueTypeId } : undefined;
      mapFds.push(bpfMapCreate(m.type, m.keySize, m.valueSize, m.maxEntries, btf));
    }
    const out = bpfProgLoad(req.insns, req.progType, req.flags, req.logLevel, { mapFds, ...btfOpts });
    return { loaded: out.fd >= 0, errno: out.errno, log: out.log };
  } finally {
    for (const fd of mapFds) closeFd(fd);
    closeFd(btfFd);
  }
}

/** Builds a Result from a load outcome and its log (exported for tests). */
export function toResult(loaded: boolean, errno: number, log: string, keepLog: boolean): Result {
  const stats = parseStats(log);
  const r: Result = {
    verdict: loaded ? 'accept' : 'reject',
    errno: loaded ? 0 : errno,
    error: loaded ? '' : lastErrorLine(log),
    insns: stats?.insns ?? 0,
    total_states: stats?.total_states ?? 0,
    peak_states: stats?.peak_states ?? 0,
    max_states_per_insn: stats?.max_states_per_insn ?? 0,
    markPrecise: markPreciseLines(log),
  };
  if (keepLog) r.log = log;
  return r;
}
