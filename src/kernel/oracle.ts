// The live-kernel oracle: load a Program with bpf(BPF_PROG_LOAD) and turn
// what comes back into the same Result the model produces.
//
// Log level 0 is loaded as BPF_LOG_STATS (4): the verdict is the same, the
// kernel still prints the rejection reason and the statistics line at that
// level, and it costs almost nothing. The log itself is only kept on request.

import { encodeProgram } from '../isa/encode.js';
import type { Program } from '../isa/program.js';
import type { Result } from '../result/result.js';
import { bpfBtfLoad, bpfMapCreate, bpfProgLoad, closeFd, errnoName } from './syscall.js';
import { programFuncInfo } from './btf.js';
import { lastErrorLine, markPreciseLines, parseStats } from './logParse.js';

/** 0, 1, 2 or 4 (BPF_LOG_STATS), possibly OR-ed (1|4, 2|4). */
export type LogLevel = number;

export interface KernelLoadOptions {
  logLevel: LogLevel;
  /** Put the full log in Result.log. */
  keepLog?: boolean;
  /** Extra prog_flags OR-ed into program.flags. */
  extraFlags?: number;
}

/** The log level actually passed to the kernel for a requested level. */
export function kernelLogLevel(level: LogLevel): number {
  return level === 0 ? 4 : level;
}

export function loadInKernel(program: Program, opts: KernelLoadOptions): Result {
  const mapFds: number[] = [];
  let btfFd = -1;
  try {
    for (const m of program.maps) mapFds.push(bpfMapCreate(m.type, m.keySize, m.valueSize, m.maxEntries));
    let btfOpts = {};
    if (program.funcs) {
      const { btf, funcInfo } = programFuncInfo(program.insns, program.funcs);
      const b = bpfBtfLoad(btf);
      if (b.fd < 0) throw new Error(`BPF_BTF_LOAD failed: ${errnoName(b.errno)}\n${b.log}`);
      btfFd = b.fd;
      btfOpts = { progBtfFd: btfFd, funcInfo };
    }
    const out = bpfProgLoad(
      encodeProgram(program.insns),
      program.progType,
      (program.flags | (opts.extraFlags ?? 0)) >>> 0,
      kernelLogLevel(opts.logLevel),
      { mapFds, ...btfOpts },
    );
    return toResult(out.fd >= 0, out.errno, out.log, opts.keepLog ?? false);
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
