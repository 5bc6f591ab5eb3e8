// XDP packet access and the kprobe / raw_tp contexts, model against the live
// kernel: verdict, errno, error and the full level-2 log must be identical
// (map addresses normalized). Programs live in packetPrograms.s; the 16
// pkt-vs-pkt_end comparison forms (and their data_meta twins) are generated.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { makeProgram, type MapSpec, type Program, type ProgType } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { CopyHistory } from '../../src/history/copy.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { normalizeMapLoads } from '../../src/verifier/check/mapAccess.js';
import { RegType, type BpfRegState } from '../../src/verifier/state/reg.js';
import { newRegState } from '../../src/verifier/state/regState.js';
import { formatRegState } from '../../src/verifier/log/regfmt.js';
import { AT_PKT_END, BEYOND_PKT_END } from '../../src/verifier/check/branch.js';
import { liveProfile } from '../liveProfile.js';

const MAPS: MapSpec[] = [
  { name: 'arr', type: 'array', keySize: 4, valueSize: 48, maxEntries: 4 },
  { name: 'h', type: 'hash', keySize: 8, valueSize: 16, maxEntries: 4 },
];
const MARK = 0x4d41505fn << 32n;

/** Assembles `text`; `rN = map[K]` becomes a BPF_PSEUDO_MAP_IDX load of map K. */
function build(text: string, progType: ProgType, flags: number): Program {
  let loads = 0;
  const src = text.split('\n').map((l) => {
    const m = /^\s*(r\d+) = map\[(\d+)\]$/.exec(l);
    if (!m) return l;
    loads++;
    return `${m[1]} = ${(MARK + BigInt(m[2])).toString()} ll`;
  }).join('\n');
  const insns: Insn[] = assemble(`${src}\n`);
  for (let i = 0; i + 1 < insns.length; i++) {
    const lo = insns[i]!;
    if (lo.code !== 0x18) continue;
    const hi = insns[i + 1]!;
    const k = ((BigInt(hi.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0)) - MARK;
    if (k >= 0n && k < BigInt(MAPS.length)) {
      insns[i] = { ...lo, src: 5, imm: Number(k) };
      insns[i + 1] = { ...hi, imm: 0 };
    }
    i++;
  }
  return makeProgram(insns, { progType, flags, maps: loads ? MAPS : [] });
}

interface Case { type: ProgType; flags: number; src: string }

function readCases(): Map<string, Case> {
  const text = readFileSync(new URL('./packetPrograms.s', import.meta.url), 'utf8');
  const out = new Map<string, Case>();
  for (const block of text.split(/^=== /m).slice(1)) {
    const nl = block.indexOf('\n');
    const [name, type, flags] = block.slice(0, nl).trim().split(/\s+/);
    out.set(name as string, { type: type as ProgType, flags: Number(flags ?? 0), src: block.slice(nl + 1) });
  }
  return out;
}

/** `r4 = pkt + 8` compared with pkt_end (or data_meta + 8 with data) in every form; an 8-byte read in one branch. */
function comparisonCases(): Map<string, Case> {
  const out = new Map<string, Case>();
  const ops: [string, string][] = [['gt', '>'], ['lt', '<'], ['ge', '>='], ['le', '<=']];
  for (const [opName, op] of ops) {
    for (const left of ['pkt', 'end']) {
      for (const where of ['fall', 'target']) {
        const cond = left === 'pkt' ? `if r4 ${op} r3 goto l` : `if r3 ${op} r4 goto l`;
        const body = where === 'fall'
          ? `${cond}\nr0 = *(u64 *)(r2 +0)\nr0 = 1\nexit\nl:\nr0 = 2\nexit\n`
          : `${cond}\nr0 = 1\nexit\nl:\nr0 = *(u64 *)(r2 +0)\nr0 = 2\nexit\n`;
        const name = `cmp_${opName}_${left}_${where}`;
        out.set(name, { type: 'xdp', flags: 0, src: `r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\n${body}` });
        out.set(`meta_${name}`, { type: 'xdp', flags: 0, src: `r2 = *(u32 *)(r1 +8)\nr3 = *(u32 *)(r1 +0)\nr4 = r2\nr4 += 8\n${body}` });
        // then compare again: at/beyond pkt_end decides the second jump
        out.set(`twice_${name}`, {
          type: 'xdp', flags: 0,
          src: `r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\n${cond}\nif r4 > r3 goto m\nif r4 >= r3 goto m\n` +
            'r0 = 1\nexit\nl:\nif r4 > r3 goto m\nif r4 >= r3 goto m\nif r3 < r4 goto m\nif r3 <= r4 goto m\n' +
            'r0 = *(u8 *)(r4 -1)\nm:\nr0 = *(u8 *)(r4 +0)\nr0 = 2\nexit\n',
        });
      }
    }
  }
  return out;
}

const CASES = new Map([...readCases(), ...comparisonCases()]);
const model = (p: Program) => verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: liveProfile() });
const logLines = (log: string | undefined, p: Program): string[] =>
  normalizeMapLoads(log ?? '', p).split('\n').map((l) => l.trimEnd()).filter((l) => !l.startsWith('verification time'));
const run = (name: string) => {
  const c = CASES.get(name);
  if (!c) throw new Error(`no program ${name}`);
  const p = build(c.src, c.type, c.flags);
  return { p, m: model(p) };
};

describe('packet pointers and contexts without the kernel', () => {
  test('range markers print as the kernel prints them', () => {
    const r: BpfRegState = newRegState();
    r.type = RegType.PTR_TO_PACKET;
    r.off = 14;
    r.range = BEYOND_PKT_END;
    expect(formatRegState(r)).toBe('pkt(off=14,r=0xfffffffffffffffe)');
    r.range = AT_PKT_END;
    expect(formatRegState(r)).toBe('pkt(off=14,r=0xffffffffffffffff)');
    r.type = RegType.PTR_TO_PACKET_END;
    r.off = 0;
    expect(formatRegState(r)).toBe('pkt_end()');
  });

  test('xdp: ctx loads give packet pointers, a checked read widens the range', () => {
    const { m } = run('xdp_basic');
    expect(m.verdict).toBe('accept');
    expect(m.log).toContain('0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2=pkt(r=0)');
    expect(m.log).toContain('1: (61) r3 = *(u32 *)(r1 +4)          ; R1=ctx() R3=pkt_end()');
    expect(m.log).toContain('4: (2d) if r4 > r3 goto pc+1          ; R3=pkt_end() R4=pkt(off=14,r=14)');
    expect(m.log).toContain('from 4 to 6: R1=ctx() R2=pkt(r=0) R3=pkt_end() R4=pkt(off=14,r=0xfffffffffffffffe) R10=fp0');
  });

  test('packet bounds errors', () => {
    const oob = run('xdp_oob').m;
    expect(oob.log).toContain('invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\nR2 offset is outside of the packet\n');
    expect(oob.errno).toBe(13);
    // a pointer at/beyond pkt_end has no range at all: -EINVAL, no detail line
    const beyond = run('twice_cmp_gt_pkt_fall').m;
    expect(beyond.errno).toBe(22);
    expect(beyond.error).toBe('R4 offset is outside of the packet');
    expect(run('xdp_pkt_end_load').m.error).toBe("R3 invalid mem access 'pkt_end'");
  });

  test('6.18.y regsafe: an old BEYOND_PKT_END range does not cover a real range', () => {
    const log = run('patch060').m.log ?? '';
    expect(log).toContain('8: (71) r0 = *(u8 *)(r2 +7)');
    expect(log).not.toContain('7: safe');
  });

  test('kprobe and raw_tp contexts: reads only, inside the context', () => {
    expect(run('kp_offsets').m.verdict).toBe('accept');
    expect(run('kp_write').m.error).toBe('invalid bpf_context access off=80 size=8');
    expect(run('kp_dw164').m.error).toBe('invalid bpf_context access off=164 size=8');
    expect(run('raw_offsets').m.verdict).toBe('accept');
    expect(run('raw_off96').m.error).toBe('invalid bpf_context access off=96 size=1');
    expect(run('raw_write').m.error).toBe('invalid bpf_context access off=0 size=8');
  });

  test('the modelled helpers are available to every modelled program type', () => {
    for (const name of ['helpers_xdp', 'helpers_kprobe', 'helpers_raw_tp', 'helpers_socket', 'map_kprobe', 'map_raw_tp']) {
      const c = CASES.get(name);
      if (!c) continue;
      expect(run(name).m.verdict, name).toBe('accept');
    }
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`packets and contexts: model vs live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  for (const [name, c] of CASES) {
    test(name, () => {
      const p = build(c.src, c.type, c.flags);
      const k = loadInKernel(p, { logLevel: 2, keepLog: true });
      const m = model(p);
      expect({ verdict: m.verdict, errno: m.errno, error: m.error }).toEqual({ verdict: k.verdict, errno: k.errno, error: k.error });
      expect(logLines(m.log, p)).toEqual(logLines(k.log, p));
    });
  }
});
