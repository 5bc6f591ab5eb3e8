// Context access checks (check_ctx_access with the program type's
// is_valid_access): socket filters (__sk_buff), XDP (xdp_md, whose data,
// data_meta and data_end load packet pointers), kprobe (x86-64 pt_regs) and
// raw tracepoints (u64 args[12]).
import { type VerifierEnv, VerifierError, Unsupported, EACCES, verbose } from '../state/env.js';
import { RegType, type BpfRegState } from '../state/reg.js';
import { tnumIsConst } from '../state/tnum.js';
import { tnumStrn, regTypeStr } from '../log/regfmt.js';
import { markRegKnownZero, markRegUnknown } from '../state/scalar.js';

// struct __sk_buff field offsets (uapi/linux/bpf.h).
const SKB = {
  cb0: 48, cb4End: 68, tcClassid: 72, data: 76, dataEnd: 80, family: 88, remoteIp4: 92, localIp4: 96,
  remoteIp6: 100, localIp6: 116, localPortEnd: 140, dataMeta: 140, flowKeys: 144, tstamp: 152, wireLen: 160,
  sk: 168, tstampType: 180, hwtstamp: 184, size: 192,
};

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/** What a valid access yields: a scalar, a packet pointer, or a pointer type the model does not handle. */
type Access = { ok: false } | { ok: true; pointer?: string; pkt?: RegType };

function bpfSkbIsValidAccess(off: number, size: number, write: boolean): Access {
  if (off < 0 || off >= SKB.size) return { ok: false };
  if (off % size !== 0) return { ok: false };
  if (off >= SKB.cb0 && off < SKB.cb4End) {
    return off + size > SKB.cb4End ? { ok: false } : { ok: true };
  }
  if (inRange(off, SKB.remoteIp6, 16) || inRange(off, SKB.localIp6, 16) || inRange(off, SKB.remoteIp4, 4) ||
    inRange(off, SKB.localIp4, 4) || inRange(off, SKB.data, 4) || inRange(off, SKB.dataMeta, 4) || inRange(off, SKB.dataEnd, 4)) {
    return size !== 4 ? { ok: false } : { ok: true };
  }
  if (inRange(off, SKB.flowKeys, 8)) return { ok: false };
  if (inRange(off, SKB.hwtstamp, 8)) return write || size !== 8 ? { ok: false } : { ok: true };
  if (inRange(off, SKB.tstamp, 8)) return size !== 8 ? { ok: false } : { ok: true };
  if (inRange(off, SKB.sk, 8)) return write || size !== 8 ? { ok: false } : { ok: true, pointer: 'sock_common_or_null' };
  if (off === SKB.tstampType) return { ok: false };
  if (off > SKB.tstampType && off < SKB.hwtstamp) return { ok: false };
  if (write) return size !== 4 ? { ok: false } : { ok: true };
  // narrow reads of a u32 field
  return size <= 4 && (size & (size - 1)) === 0 ? { ok: true } : { ok: false };
}

function skFilterIsValidAccess(off: number, size: number, write: boolean): Access {
  if (inRange(off, SKB.tcClassid, 4) || inRange(off, SKB.data, 4) || inRange(off, SKB.dataMeta, 4) ||
    inRange(off, SKB.dataEnd, 4) || (off >= SKB.family && off < SKB.localPortEnd) || inRange(off, SKB.tstamp, 8) ||
    inRange(off, SKB.wireLen, 4) || inRange(off, SKB.hwtstamp, 8)) {
    return { ok: false };
  }
  if (write && !(off >= SKB.cb0 && off < SKB.cb4End)) return { ok: false };
  return bpfSkbIsValidAccess(off, size, write);
}

// struct xdp_md field offsets (uapi/linux/bpf.h).
const XDP = { data: 0, dataEnd: 4, dataMeta: 8, egressIfindex: 20, size: 24 };

/** xdp_is_valid_access for a program loaded without expected_attach_type, not offloaded. */
function xdpIsValidAccess(off: number, size: number, write: boolean, isLdsx: boolean): Access {
  // egress_ifindex needs BPF_XDP_DEVMAP; writes need an offloaded program
  if (off === XDP.egressIfindex || write) return { ok: false };
  const pkt = off === XDP.data ? RegType.PTR_TO_PACKET : off === XDP.dataMeta ? RegType.PTR_TO_PACKET_META
    : off === XDP.dataEnd ? RegType.PTR_TO_PACKET_END : undefined;
  if (pkt !== undefined && isLdsx) return { ok: false };
  // __is_valid_xdp_access: only whole u32 fields
  if (off < 0 || off >= XDP.size || off % size !== 0 || size !== 4) return { ok: false };
  return pkt === undefined ? { ok: true } : { ok: true, pkt };
}

/** sizeof(struct pt_regs) on x86-64. */
const PT_REGS_SIZE = 168;

/**
 * kprobe_prog_is_valid_access: aligned reads inside pt_regs. (Writes for
 * uprobes came after 6.18: the live 6.18.44 kernel rejects them.)
 */
function kprobeIsValidAccess(off: number, size: number, write: boolean): Access {
  if (off < 0 || off >= PT_REGS_SIZE || write || off % size !== 0 || off + size > PT_REGS_SIZE) return { ok: false };
  return { ok: true };
}

/** MAX_BPF_FUNC_ARGS u64 arguments. */
const RAW_TP_CTX_SIZE = 12 * 8;

/** raw_tp_prog_is_valid_access (bpf_tracing_ctx_access): aligned reads of the args array. */
function rawTpIsValidAccess(off: number, size: number, write: boolean): Access {
  if (off < 0 || off >= RAW_TP_CTX_SIZE || write || off % size !== 0) return { ok: false };
  return { ok: true };
}

function isValidAccess(env: VerifierEnv, off: number, size: number, write: boolean, isLdsx: boolean): Access {
  switch (env.prog.progType) {
    case 'socket': return skFilterIsValidAccess(off, size, write);
    case 'xdp': return xdpIsValidAccess(off, size, write, isLdsx);
    case 'kprobe': return kprobeIsValidAccess(off, size, write);
    case 'raw_tp': return rawTpIsValidAccess(off, size, write);
  }
}

/** The ctx part of check_mem_access; `off` includes the insn offset. */
export function checkCtxAccess(env: VerifierEnv, insnIdx: number, regno: number, reg: BpfRegState, off: number, size: number,
  write: boolean, valueRegno: number, regs: BpfRegState[], isLdsx = false): void {
  if (write && valueRegno >= 0 && !env.allowPtrLeaks && (regs[valueRegno] as BpfRegState).type !== RegType.SCALAR_VALUE) {
    verbose(env, `R${valueRegno} leaks addr into ctx\n`);
    throw new VerifierError(EACCES, 'ctx leak');
  }
  if (reg.off < 0) {
    verbose(env, `negative offset ${regTypeStr(reg)} ptr R${regno} off=${reg.off} disallowed\n`);
    throw new VerifierError(EACCES, 'ctx off');
  }
  if (reg.off) {
    verbose(env, `dereference of modified ${regTypeStr(reg)} ptr R${regno} off=${reg.off} disallowed\n`);
    throw new VerifierError(EACCES, 'ctx off');
  }
  if (!tnumIsConst(reg.varOff) || reg.varOff.value !== 0n) {
    verbose(env, `variable ${regTypeStr(reg)} access var_off=${tnumStrn(reg.varOff)} disallowed\n`);
    throw new VerifierError(EACCES, 'ctx var_off');
  }
  const acc = isValidAccess(env, off, size, write, isLdsx);
  if (!acc.ok) {
    verbose(env, `invalid bpf_context access off=${off} size=${size}\n`);
    throw new VerifierError(EACCES, 'ctx access');
  }
  if (acc.pointer) throw new Unsupported(insnIdx, `context load of a ${acc.pointer} pointer`);
  if (write || valueRegno < 0) return;
  const dst = regs[valueRegno] as BpfRegState;
  if (acc.pkt === undefined) {
    markRegUnknown(dst);
    return;
  }
  // a packet pointer at offset 0; it is never a subregister
  markRegKnownZero(dst);
  dst.type = acc.pkt;
  dst.typeFlags = 0;
  dst.subregDef = 0;
}
