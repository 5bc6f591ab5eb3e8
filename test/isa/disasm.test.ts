import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disasmInsn, disasmProgram, helperId, helperName, HELPER_NAMES } from '../../src/isa/disasm.js';
import { encodeProgram } from '../../src/isa/encode.js';
import { insn, type Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfMapCreate, bpfProgLoad, closeFd } from '../../src/kernel/syscall.js';
import { COND_JMP_CODES, PLAIN_CODES, prng, randomProgram } from './kernelCorpus.js';

const d = (...is: Insn[]): string => disasmInsn(is, 0);

describe('disasmInsn (kernel print_bpf_insn format)', () => {
  it('prints ALU forms', () => {
    expect(d(insn(0xb7, 0, 0, 0, 0))).toBe('(b7) r0 = 0');
    expect(d(insn(0xbf, 1, 10, 0, 0))).toBe('(bf) r1 = r10');
    expect(d(insn(0x07, 1, 0, 0, -8))).toBe('(07) r1 += -8');
    expect(d(insn(0xbc, 1, 2, 0, 0))).toBe('(bc) w1 = w2');
    expect(d(insn(0xbf, 1, 2, 8, 0))).toBe('(bf) r1 = (s8)r2');
    expect(d(insn(0xbc, 1, 2, 16, 0))).toBe('(bc) w1 = (s16)w2');
    expect(d(insn(0xbf, 1, 2, 32, 0))).toBe('(bf) r1 = (s32)r2');
    expect(d(insn(0x3f, 1, 2, 1, 0))).toBe('(3f) r1 s/= r2');
    expect(d(insn(0x94, 1, 0, 1, 3))).toBe('(94) w1 s%= 3');
    expect(d(insn(0x87, 3, 0, 0, 0))).toBe('(87) r3 = -r3');
    expect(d(insn(0x84, 3, 0, 0, 0))).toBe('(84) w3 = -w3');
    expect(d(insn(0xdc, 1, 0, 0, 16))).toBe('(dc) r1 = be16 r1');
    expect(d(insn(0xd4, 1, 0, 0, 64))).toBe('(d4) r1 = le64 r1');
    expect(d(insn(0xd7, 1, 0, 0, 16))).toBe('(d7) r1 = bswap16 r1');
    expect(d(insn(0xbf, 1, 2, 1, 0x10002))).toBe('(bf) r1 = addr_space_cast(r2, 1, 2)');
    expect(d(insn(0xcf, 1, 2, 0, 0))).toBe('(cf) r1 s>>= r2');
    expect(d(insn(0xbf, 2, 0, -1, 0))).toBe('(bf) r2 = &(void __percpu *)(r0)');
  });

  it('prints memory and atomic forms', () => {
    expect(d(insn(0x7b, 10, 1, -8, 0))).toBe('(7b) *(u64 *)(r10 -8) = r1');
    expect(d(insn(0x62, 10, 0, -4, 0))).toBe('(62) *(u32 *)(r10 -4) = 0');
    expect(d(insn(0x71, 1, 1, 0, 0))).toBe('(71) r1 = *(u8 *)(r1 +0)');
    expect(d(insn(0x91, 0, 1, 0, 0))).toBe('(91) r0 = *(s8 *)(r1 +0)');
    expect(d(insn(0x99, 0, 1, 0, 0))).toBe('(99) r0 = *((null) *)(r1 +0)');
    expect(d(insn(0xdb, 10, 1, -8, 0))).toBe('(db) lock *(u64 *)(r10 -8) += r1');
    expect(d(insn(0xc3, 10, 1, -8, 0xa0))).toBe('(c3) lock *(u32 *)(r10 -8) ^= r1');
    expect(d(insn(0xdb, 10, 0, -8, 0x01))).toBe('(db) r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)');
    expect(d(insn(0xc3, 10, 2, -8, 0x51))).toBe('(c3) r2 = atomic_fetch_and((u32 *)(r10 -8), r2)');
    expect(d(insn(0xdb, 10, 1, -8, 0xf1))).toBe('(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)');
    expect(d(insn(0xdb, 10, 1, -8, 0xe1))).toBe('(db) r1 = atomic64_xchg((u64 *)(r10 -8), r1)');
    expect(d(insn(0xd3, 0, 1, 4, 0x100))).toBe('(d3) r0 = load_acquire((u8 *)(r1 +4))');
    expect(d(insn(0xcb, 1, 2, 0, 0x110))).toBe('(cb) store_release((u16 *)(r1 +0), r2)');
    expect(d(insn(0xdb, 1, 2, 0, 0x22))).toBe('BUG_db');
    expect(d(insn(0x20, 0, 0, 0, 5))).toBe('(20) r0 = *(u32 *)skb[5]');
    expect(d(insn(0x50, 0, 3, 0, 7))).toBe('(50) r0 = *(u8 *)skb[r3 + 7]');
  });

  it('prints ld_imm64 from both slots', () => {
    expect(disasmInsn([insn(0x18, 1, 0, 0, -1), insn(0, 0, 0, 0, 0x12)], 0)).toBe('(18) r1 = 0x12ffffffff');
    expect(disasmInsn([insn(0x18, 1, 0, 0, 0), insn(0, 0, 0, 0, 0)], 0)).toBe('(18) r1 = 0x0');
    expect(disasmInsn([insn(0x18, 1, 0, 0, 5)], 0)).toBe('(18) r1 = 0x5');
  });

  it('prints jumps and calls', () => {
    expect(d(insn(0xe5, 0, 0, 3, 0))).toBe('(e5) may_goto pc+3');
    expect(d(insn(0x05, 0, 0, -4, 0))).toBe('(05) goto pc-4');
    expect(d(insn(0x06, 0, 0, 0, 70000))).toBe('(06) gotol pc+70000');
    expect(d(insn(0x25, 1, 0, 2, 7))).toBe('(25) if r1 > 0x7 goto pc+2');
    expect(d(insn(0x15, 1, 0, 0, -1))).toBe('(15) if r1 == 0xffffffff goto pc+0');
    expect(d(insn(0x6e, 1, 2, 1, 0))).toBe('(6e) if w1 s> w2 goto pc+1');
    expect(d(insn(0x85, 0, 0, 0, 7))).toBe('(85) call bpf_get_prandom_u32#7');
    expect(d(insn(0x85, 0, 0, 0, 0))).toBe('(85) call bpf_unspec#0');
    expect(d(insn(0x85, 0, 0, 0, 211))).toBe('(85) call bpf_cgrp_storage_delete#211');
    expect(d(insn(0x85, 0, 0, 0, 212))).toBe('(85) call unknown#212');
    expect(d(insn(0x85, 0, 1, 0, 5))).toBe('(85) call pc+5');
    expect(d(insn(0x85, 0, 1, 0, -3))).toBe('(85) call pc-3');
    expect(d(insn(0x85, 0, 2, 0, 1234))).toBe('(85) call kernel-function#1234');
    expect(disasmInsn([insn(0x85, 0, 2, 0, 1234)], 0, { kfuncName: () => 'bpf_iter_num_new' }))
      .toBe('(85) call bpf_iter_num_new#1234');
    expect(d(insn(0x95, 0, 0, 0, 0))).toBe('(95) exit');
  });

  it('has helper names through id 211', () => {
    expect(HELPER_NAMES).toHaveLength(212);
    expect(helperName(1)).toBe('bpf_map_lookup_elem');
    expect(helperName(209)).toBe('bpf_user_ringbuf_drain');
    expect(helperId('bpf_get_prandom_u32')).toBe(7);
    expect(helperId('ktime_get_ns')).toBe(5);
  });

  it('disasmProgram skips the second ld_imm64 slot', () => {
    const p = [insn(0x18, 1, 0, 0, 1), insn(0, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)];
    expect(disasmProgram(p)).toEqual(['0: (18) r1 = 0x1', '2: (b7) r0 = 0', '3: (95) exit']);
  });
});

// --- live kernel comparison -------------------------------------------------

import { logInsnLines } from './logLines.js';

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`disasm vs live 6.18 kernel log${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  const compare = (prog: Insn[], seen: Set<string>, mismatches: string[], mapFds?: number[], maskImm = false): number => {
    const r = bpfProgLoad(encodeProgram(prog), 'socket', 0, 2, mapFds ? { mapFds } : {});
    const lines = logInsnLines(r.log);
    for (const { idx, text } of lines) {
      let mine = disasmInsn(prog, idx);
      let theirs = text;
      if (maskImm && prog[idx]!.code === 0x18) {
        mine = mine.replace(/0x[0-9a-f]+$/, '0xX');
        theirs = theirs.replace(/0x[0-9a-f]+$/, '0xX');
      }
      if (mine !== theirs) mismatches.push(`insn ${idx}: kernel '${theirs}' vs ours '${mine}'`);
      seen.add(theirs);
    }
    return lines.length;
  };

  it('random programs over every listed opcode: byte-exact', () => {
    const rnd = prng(0x5eed);
    const seen = new Set<string>();
    const mismatches: string[] = [];
    let unlisted = 0;
    for (let n = 0; n < 800; n++) {
      const prog = randomProgram(rnd, 40);
      const count = compare(prog, seen, mismatches);
      if (count < disasmProgram(prog).length) unlisted++;
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(unlisted).toBe(0);
    expect(seen.size).toBeGreaterThan(5000);
    // every opcode the generator can emit was printed by the kernel at least once
    const codes = new Set([...seen].map((t) => t.startsWith('(') ? parseInt(t.slice(1, 3), 16) : -1));
    for (const c of [...PLAIN_CODES, ...COND_JMP_CODES, 0x05, 0x06, 0x18, 0x85, 0x95]) expect(codes, c.toString(16)).toContain(c);
    const all = [...seen].join('\n');
    for (const form of ['load_acquire(', 'store_release(', 'atomic64_cmpxchg(', 'atomic_fetch_and(', 'atomic64_xchg(',
      'lock *(u64', 'addr_space_cast(', '&(void __percpu *)', 'skb[r', 'gotol pc', 'may_goto pc', '(s8)', '(s16)', '(s32)',
      ' s/= ', ' s%= ', ' s>>= ', 'bswap16', 'be32', 'le64', '= -w', '*(s8 *)', 'call unknown#', 'BUG_', 'goto pc-']) {
      expect(all, form).toContain(form);
    }
    console.log(`disasm: ${seen.size} distinct instruction lines identical to the kernel log`);
  });

  it('pseudo calls, map loads and helper names', () => {
    const seen = new Set<string>();
    const mismatches: string[] = [];
    // main: call pc+k to a subprog; both subprogs end in exit.
    for (const k of [1, 2, 5]) {
      const main = [insn(0x85, 0, 1, 0, k), ...Array.from({ length: k - 1 }, () => insn(0xb7, 0, 0, 0, 1)), insn(0x95, 0, 0, 0, 0)];
      compare([...main, insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)], seen, mismatches);
    }
    // every helper id, one call each (each is rejected or accepted after printing)
    for (let id = 0; id < 215; id++) {
      compare([insn(0x85, 0, 0, 0, id), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)], seen, mismatches);
    }
    const fd = bpfMapCreate('array', 4, 8, 1);
    try {
      for (const src of [5, 6]) {
        compare([insn(0x18, 1, src, 0, 0), insn(0, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)],
          seen, mismatches, [fd], true);
      }
    } finally {
      closeFd(fd);
    }
    expect(mismatches).toEqual([]);
    expect([...seen].filter((s) => s.startsWith('(85) call bpf_')).length).toBe(212);
    expect(seen).toContain('(85) call pc+1');
    expect(seen).toContain('(85) call unknown#212');
    console.log(`disasm: ${seen.size} more distinct lines (calls, helper names, map loads) identical to the kernel log`);
  });
});

/** FUNC type ids by name from vmlinux BTF (test-only, minimal reader). */
function vmlinuxFuncIds(names: string[]): Map<string, number> {
  const buf = readFileSync('/sys/kernel/btf/vmlinux');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hdrLen = dv.getUint32(4, true);
  const typeOff = hdrLen + dv.getUint32(8, true);
  const typeEnd = typeOff + dv.getUint32(12, true);
  const strOff = hdrLen + dv.getUint32(16, true);
  const str = (off: number): string => {
    const start = strOff + off;
    return buf.toString('latin1', start, buf.indexOf(0, start));
  };
  // extra bytes after the 12-byte header, by kind (vlen-scaled where noted)
  const fixed: Record<number, number> = { 1: 4, 3: 12, 14: 4, 17: 4 };
  const perVlen: Record<number, number> = { 4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12 };
  const want = new Set(names);
  const out = new Map<string, number>();
  let id = 1;
  for (let p = typeOff; p < typeEnd; id++) {
    const info = dv.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === 12) {
      const name = str(dv.getUint32(p, true));
      if (want.has(name)) out.set(name, id);
    }
    p += 12 + (fixed[kind] ?? 0) + (perVlen[kind] ?? 0) * vlen;
  }
  return out;
}

describe.skipIf(!avail.ok || !existsSync('/sys/kernel/btf/vmlinux'))('kfunc calls vs live kernel log', () => {
  it('prints the BTF name of the kfunc; disasm matches given the same name', () => {
    const names = ['bpf_iter_num_new', 'bpf_iter_num_next', 'bpf_iter_num_destroy', 'bpf_rcu_read_lock'];
    const ids = vmlinuxFuncIds(names);
    expect(ids.size).toBe(names.length);
    const byId = new Map([...ids].map(([n, i]) => [i, n]));
    const opts = { kfuncName: (i: Insn) => byId.get(i.imm) };
    for (const [name, id] of ids) {
      const prog = [insn(0xb7, 0, 0, 0, 0), insn(0x85, 0, 2, 0, id), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)];
      const r = bpfProgLoad(encodeProgram(prog), 'socket', 0, 2);
      const lines = logInsnLines(r.log).filter((l) => l.idx === 1);
      expect(lines.length, r.log).toBeGreaterThan(0);
      for (const l of lines) expect(l.text).toBe(disasmInsn(prog, 1, opts));
      expect(lines[0]!.text).toBe(`(85) call ${name}#${id}`);
    }
  });
});
