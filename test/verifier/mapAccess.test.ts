// Maps in the model (ld_imm64 map loads, map helpers, null checks, map value
// access) against the live kernel: full level-2 logs must be identical once
// the map addresses the kernel prints are normalized.
import { describe, expect, test } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import type { Insn } from '../../src/isa/insn.js';
import { makeProgram, BPF_F_STRICT_ALIGNMENT, type MapSpec, type Program } from '../../src/isa/program.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';
import { loadInKernel } from '../../src/kernel/oracle.js';
import { CopyHistory } from '../../src/history/copy.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { normalizeMapLoads, resolvePseudoLdimm64 } from '../../src/verifier/check/mapAccess.js';
import { liveProfile } from '../liveProfile.js';

const MAPS: MapSpec[] = [
  { name: 'arr', type: 'array', keySize: 4, valueSize: 48, maxEntries: 4 },
  { name: 'h', type: 'hash', keySize: 8, valueSize: 16, maxEntries: 4 },
  { name: 'one', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
];
const MARK = 0x4d41505fn << 32n;

/** Assembles `text`; `rN = map[K]` loads map K (src_reg 5), `rN = mapval[K]+OFF` its value (src_reg 6). */
function build(text: string, flags = 0): Program {
  const loads: { src: number; idx: number; off: number }[] = [];
  const src = text.split('\n').map((l) => {
    const m = /^\s*(r\d+) = (map|mapval)\[(\d+)\](?:\+(\d+))?$/.exec(l);
    if (!m) return l;
    loads.push({ src: m[2] === 'map' ? 5 : 6, idx: Number(m[3]), off: Number(m[4] ?? 0) });
    return `${m[1]} = ${(MARK + BigInt(loads.length - 1)).toString()} ll`;
  }).join('\n');
  const insns: Insn[] = assemble(`${src}\n`);
  for (let i = 0; i + 1 < insns.length; i++) {
    const lo = insns[i]!;
    if (lo.code !== 0x18) continue;
    const k = Number(((BigInt(insns[i + 1]!.imm >>> 0) << 32n) | BigInt(lo.imm >>> 0)) - MARK);
    const l = loads[k];
    if (l) {
      insns[i] = { ...lo, src: l.src, imm: l.idx };
      insns[i + 1] = { ...insns[i + 1]!, imm: l.off };
    }
    i++;
  }
  return makeProgram(insns, { maps: MAPS, flags });
}

const model = (p: Program) => verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: liveProfile() });
const lines = (log: string | undefined, p: Program): string[] => normalizeMapLoads(log ?? '', p).split('\n').map((l) => l.trimEnd());

const LOOKUP = (k: number): string => `*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\nr1 = map[${k}]\ncall 1\n`;

const PROGRAMS: Record<string, string | [string, number]> = {
  const_key_elided: '*(u32 *)(r10 -8) = 1\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr1 = *(u64 *)(r0 +0)\nr0 = 0\nexit',
  zero_key_elided: '*(u32 *)(r10 -4) = 0\nr2 = r10\nr2 += -4\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
  key_out_of_range: '*(u32 *)(r10 -8) = 4\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
  key_negative: 'r1 = -1\n*(u32 *)(r10 -8) = r1\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
  key_unknown: 'call 7\nr0 &= 3\n*(u32 *)(r10 -8) = r0\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
  key_const_reg: 'r6 = 2\n*(u32 *)(r10 -8) = r6\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr0 = *(u32 *)(r0 +44)\nr0 = 0\nexit',
  key_spill_too_wide: '*(u64 *)(r10 -8) = 1\nr2 = r10\nr2 += -8\nr1 = map[0]\ncall 1\nr0 = 0\nexit',
  value_oob: `${LOOKUP(1)}if r0 == 0 goto l\nr1 = *(u64 *)(r0 +12)\nl:\nr0 = 0\nexit`,
  key_uninit_stack: 'r2 = r10\nr2 += -8\nr1 = map[1]\ncall 1\nr0 = 0\nexit',
  direct_value: 'r1 = mapval[2]+0\nr0 = *(u64 *)(r1 +0)\nr1 += 4\nr0 = *(u32 *)(r1 +0)\nr0 = *(u32 *)(r1 +4)\nexit',
  direct_value_multi_entry: 'r1 = mapval[0]+4\nr0 = 0\nexit',
  direct_value_hash: 'r1 = mapval[1]+0\nr0 = 0\nexit',
  direct_value_oob: 'r1 = mapval[2]+8\nr0 = 0\nexit',
  var_off_max_oob: `${LOOKUP(1)}if r0 != 0 goto l\nexit\nl:\nr6 = r0\ncall 7\nr0 &= 7\nr6 += r0\nr1 = *(u64 *)(r6 +8)\nr0 = 0\nexit`,
  var_off_unbounded_min: `${LOOKUP(1)}if r0 != 0 goto l\nexit\nl:\nr6 = r0\ncall 7\nr6 += r0\nr0 = 0\nexit`,
  var_off_negative: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\ncall 7\nr0 s>>= 60\nr6 += r0\nr1 = *(u8 *)(r6 +0)\nl:\nr0 = 0\nexit`,
  var_off_no_min_check: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\ncall 7\nif r0 s< 0 goto l\nr6 += r0\nr0 = *(u8 *)(r6 +0)\nl:\nr0 = 0\nexit`,
  var_off_big_umax: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\ncall 7\nr0 &= 0x3fffffff\nr6 += r0\nr0 = *(u8 *)(r6 +0)\nl:\nr0 = 0\nexit`,
  null_check_copies_and_spills: `${LOOKUP(1)}r7 = r0\n*(u64 *)(r10 -16) = r0\nif r7 == 0 goto l\nr1 = *(u64 *)(r10 -16)\n*(u64 *)(r1 +0) = 1\nr0 = *(u64 *)(r0 +8)\nl:\nr0 = 0\nexit`,
  null_check_twice: `${LOOKUP(1)}if r0 != 0 goto l\nif r0 == 0 goto m\nm:\nr0 = 1\nexit\nl:\nif r0 == 0 goto m\nr0 = 0\nexit`,
  null_check_jmp32: `${LOOKUP(1)}if w0 == 0 goto l\nr0 = *(u64 *)(r0 +0)\nl:\nr0 = 0\nexit`,
  jne_ptr_ptr: `${LOOKUP(1)}r6 = r0\n${LOOKUP(1)}if r6 == 0 goto l\nif r0 != r6 goto l\nr0 = *(u64 *)(r0 +0)\nl:\nr0 = 0\nexit`,
  jeq_ptr_ptr: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\n${LOOKUP(1)}if r0 == r6 goto m\nr0 = 0\nexit\nm:\nr0 = *(u64 *)(r0 +0)\nl:\nr0 = 0\nexit`,
  deref_maybe_null: 'r2 = r10\nr2 += -8\nr1 = map[1]\ncall 1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit',
  arith_maybe_null: 'r2 = r10\nr2 += -8\nr1 = map[1]\ncall 1\nr0 += 8\nr0 = 0\nexit',
  prune_fixed_offsets: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\ncall 7\nif r0 > 5 goto a\nr6 += 4\ngoto b\na:\nr6 += 8\nb:\nr0 = *(u32 *)(r6 +0)\nl:\nr0 = 0\nexit`,
  prune_var_offsets: `${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\ncall 7\nr0 &= 4\nif r0 > 2 goto a\nr6 += r0\ngoto b\na:\nr6 += r0\nb:\nr0 = *(u32 *)(r6 +0)\nl:\nr0 = 0\nexit`,
  spill_map_ptr: 'r1 = map[1]\n*(u64 *)(r10 -16) = r1\n*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\nr1 = *(u64 *)(r10 -16)\ncall 1\nr0 = 0\nexit',
  map_ptr_add_zero: 'r1 = map[1]\nr1 += 0\n*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\ncall 3\nr0 = 0\nexit',
  map_ptr_add_eight: 'r1 = map[1]\nr1 += 8\nr0 = 0\nexit',
  store_pointers_in_value: `${LOOKUP(1)}if r0 == 0 goto l\nr1 = map[1]\n*(u64 *)(r0 +8) = r1\n*(u64 *)(r0 +0) = r10\nl:\nr0 = 0\nexit`,
  strict_alignment: [`${LOOKUP(1)}if r0 == 0 goto l\nr0 = *(u32 *)(r0 +2)\nl:\nr0 = 0\nexit`, BPF_F_STRICT_ALIGNMENT],
  lookup_in_subprog: '*(u64 *)(r10 -8) = 0\nr1 = r10\nr1 += -8\ncall f\nexit\nf:\nr2 = r1\nr1 = map[1]\ncall 1\nif r0 == 0 goto l\nr0 = *(u64 *)(r0 +0)\nl:\nr0 = 0\nexit',
  null_check_in_subprog: '*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\nr1 = map[1]\ncall 1\nr1 = r0\ncall f\nr0 = 0\nexit\nf:\nif r1 == 0 goto l\nr0 = *(u64 *)(r1 +8)\nl:\nr0 = 0\nexit',
  update: '*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -24\nr1 = map[1]\nr4 = 0\ncall 2\nr0 = 0\nexit',
  update_value_past_stack: '*(u64 *)(r10 -8) = 0\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -12\nr1 = map[1]\nr4 = 0\ncall 2\nr0 = 0\nexit',
  update_value_from_map: `${LOOKUP(1)}if r0 == 0 goto l\nr3 = r0\nr2 = r10\nr2 += -8\nr1 = map[1]\nr4 = 0\ncall 2\nl:\nr0 = 0\nexit`,
  update_pointer_flags: '*(u64 *)(r10 -8) = 0\n*(u64 *)(r10 -16) = 0\n*(u64 *)(r10 -24) = 0\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -24\nr4 = r10\nr1 = map[1]\ncall 2\nr0 = 0\nexit',
  delete_array: '*(u32 *)(r10 -4) = 0\nr2 = r10\nr2 += -4\nr1 = map[0]\ncall 3\nexit',
  delete_not_a_map: 'r2 = r10\nr2 += -8\nr1 = r10\ncall 3\nr0 = 0\nexit',
  key_scalar: 'r2 = 0\nr1 = map[1]\ncall 1\nr0 = 0\nexit',
  key_maybe_null: `${LOOKUP(1)}r2 = r0\nr1 = map[1]\ncall 3\nr0 = 0\nexit`,
  key_in_map_value_oob: `${LOOKUP(1)}if r0 == 0 goto l\nr2 = r0\nr2 += 12\nr1 = map[1]\ncall 3\nl:\nr0 = 0\nexit`,
  key_var_offset: '*(u64 *)(r10 -16) = 0\n*(u64 *)(r10 -8) = 0\ncall 7\nr0 &= 8\nr2 = r10\nr2 += -16\nr2 += r0\nr1 = map[1]\ncall 1\nr0 = 0\nexit',
  r1_not_init: 'r2 = r10\ncall 1\nexit',
  return_map_value: `${LOOKUP(1)}if r0 == 0 goto l\nexit\nl:\nr0 = 0\nexit`,
  ctx_and_map_value_one_insn: `r6 = r1\n${LOOKUP(1)}if r0 == 0 goto l\nr6 = r0\nl:\nr0 = *(u32 *)(r6 +0)\nr0 = 0\nexit`,
};

describe('maps without the kernel', () => {
  test('resolve_pseudo_ldimm64 errors for direct value loads', () => {
    expect(resolvePseudoLdimm64(build(PROGRAMS['direct_value_multi_entry'] as string))).toEqual({
      errno: 524, msg: 'invalid access to map value pointer, value_size=48 off=4',
    });
    expect(resolvePseudoLdimm64(build(PROGRAMS['direct_value_hash'] as string))?.msg).toBe('no direct value access support for this map type');
    expect(resolvePseudoLdimm64(build(PROGRAMS['direct_value'] as string))).toBeNull();
  });

  test('lookup, null check and access print as the kernel does', () => {
    const p = build(PROGRAMS['null_check_copies_and_spills'] as string);
    const r = model(p);
    expect(r.verdict).toBe('accept');
    const log = lines(r.log, p);
    expect(log).toContain('3: (18) r1 = map ; R1=map_ptr(ks=8,vs=16)');
    expect(log).toContain('5: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,ks=8,vs=16)');
    expect(log).toContain('7: (7b) *(u64 *)(r10 -16) = r0        ; R0=map_value_or_null(id=1,ks=8,vs=16) R10=fp0 fp-16=map_value_or_null(id=1,ks=8,vs=16)');
    expect(log).toContain('8: (15) if r7 == 0x0 goto pc+3        ; R7=map_value(ks=8,vs=16)');
    expect(log).toContain('9: (79) r1 = *(u64 *)(r10 -16)        ; R1=map_value(ks=8,vs=16) R10=fp0 fp-16=map_value(ks=8,vs=16)');
  });

  test('array lookup with a constant in-range key is not nullable (key marked precise)', () => {
    const p = build(PROGRAMS['const_key_elided'] as string);
    const log = lines(model(p).log, p);
    expect(log).toContain('mark_precise: frame0: regs= stack=-8 before 0: (62) *(u32 *)(r10 -8) = 1');
    expect(log).toContain('6: R0=map_value(ks=4,vs=48)');
  });

  test('map value bounds errors', () => {
    const r = model(build(PROGRAMS['value_oob'] as string));
    expect(r.verdict).toBe('reject');
    expect(r.log).toContain('invalid access to map value, value_size=16 off=12 size=8\nR0 min value is outside of the allowed memory range\n');
    const u = model(build(PROGRAMS['var_off_big_umax'] as string));
    expect(u.error).toBe('R6 unbounded memory access, make sure to bounds check any such access');
  });
});

const avail = bpfAvailable();
describe.skipIf(!avail.ok)(`maps: model vs live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  for (const [name, def] of Object.entries(PROGRAMS)) {
    test(name, () => {
      const p = typeof def === 'string' ? build(def) : build(def[0], def[1]);
      const k = loadInKernel(p, { logLevel: 2, keepLog: true });
      const m = model(p);
      expect({ verdict: m.verdict, errno: m.errno, error: m.error }).toEqual({ verdict: k.verdict, errno: k.errno, error: k.error });
      expect(lines(m.log, p)).toEqual(lines(k.log, p));
    });
  }

  test('map_ptr field loads need BTF: unsupported in the model', () => {
    const r = model(build('r1 = map[1]\nr0 = *(u32 *)(r1 +0)\nr0 = 0\nexit'));
    expect(r.verdict).toBe('unsupported');
  });
});
