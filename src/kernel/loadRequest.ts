// Everything one BPF_PROG_LOAD needs, already encoded: the live oracle runs it
// with bpf(2) here, the VM oracle ships it to a guest. Building it once keeps
// the two paths loading byte-identical programs.

import { encodeProgram } from '../isa/encode.js';
import { CTX_STRUCT, type Program } from '../isa/program.js';
import { programBtf } from './btf.js';
import { MAP_TYPE_IDS, PROG_TYPE_IDS } from './syscall.js';

export interface MapRequest {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Type ids in the program BTF (0 = the map has no BTF). */
  btfKeyTypeId: number;
  btfValueTypeId: number;
}

export interface LoadRequest {
  progType: number;
  flags: number;
  /** Level passed to the kernel (0 is already mapped to BPF_LOG_STATS). */
  logLevel: number;
  insns: Uint8Array;
  maps: MapRequest[];
  /** Program BTF blob (func_info and map types), empty when nothing needs BTF. */
  btf: Uint8Array;
  funcInfo: { insnOff: number; typeId: number }[];
}

/** 0, 1, 2 or 4 (BPF_LOG_STATS), possibly OR-ed (1|4, 2|4). */
export type LogLevel = number;

/** The log level actually passed to the kernel for a requested level. */
export function kernelLogLevel(level: LogLevel): number {
  return level === 0 ? 4 : level;
}

export function loadRequest(program: Program, logLevel: LogLevel, extraFlags = 0): LoadRequest {
  const fi = programBtf(program.insns, program.funcs, program.maps, CTX_STRUCT[program.progType]);
  return {
    progType: PROG_TYPE_IDS[program.progType],
    flags: (program.flags | extraFlags) >>> 0,
    logLevel: kernelLogLevel(logLevel),
    insns: encodeProgram(program.insns),
    maps: program.maps.map((m, i) => ({
      type: MAP_TYPE_IDS[m.type], keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
      btfKeyTypeId: fi.mapTypes[i]?.keyTypeId ?? 0, btfValueTypeId: fi.mapTypes[i]?.valueTypeId ?? 0,
    })),
    btf: fi.btf,
    funcInfo: fi.funcInfo,
  };
}
