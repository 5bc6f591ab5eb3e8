import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { checkCfg, checkInsnEncoding, opcodeInInsnTable, runCfgPasses } from '../../src/verifier/cfg/cfg.js';
import { newInsnAux } from '../../src/verifier/state/insnAux.js';
import { checkSubprogs } from '../../src/verifier/state/subprogs.js';
import { I, encode, kernelError } from './cfgAsm.js';

const marks = (p: Insn[], key: 'prunePoint' | 'jmpPoint' | 'forceCheckpoint' | 'callsCallback'): number[] => {
  const r = runCfgPasses(p);
  if (!r.ok) throw new Error(r.error);
  return r.aux.flatMap((a, i) => (a[key] ? [i] : []));
};

const err = (p: Insn[], bpfCapable = true): string => {
  const r = runCfgPasses(p, { bpfCapable });
  return r.ok ? 'ok' : r.error;
};

describe('check_cfg marks', () => {
  it('conditional jump: prune point on the jump and its branch target, not the fallthrough', () => {
    // 0: if r1 == 0 goto 3; 1: r0 = 1; 2: goto 4; 3: r0 = 2; 4: exit
    const p = [I.jeqi(1, 0, 2), I.mov(0, 1), I.ja(1), I.mov(0, 2), I.exit()];
    expect(marks(p, 'prunePoint')).toEqual([0, 3, 4]);
    expect(marks(p, 'jmpPoint')).toEqual([3, 4]);
    expect(marks(p, 'forceCheckpoint')).toEqual([]);
  });

  it('may_goto forces a checkpoint on itself', () => {
    const p = [I.mov(0, 0), I.mayGoto(2), I.addi(0, 1), I.ja(-3), I.exit()];
    expect(marks(p, 'forceCheckpoint')).toEqual([1]);
    expect(marks(p, 'prunePoint')).toEqual([1, 4]);
    expect(marks(p, 'jmpPoint')).toEqual([1, 4]);
  });

  it('a jmp32 conditional is a prune point too; ja32 takes its offset from imm', () => {
    const p = [I.mov(0, 0), I.jlti32(0, 3, 1), I.ja32(1), I.addi(0, 1), I.exit()];
    expect(err(p)).toBe('ok');
    expect(marks(p, 'prunePoint')).toEqual([1, 3, 4]);
  });

  it('bpf-to-bpf call: call insn, return site and callee entry', () => {
    const p = [I.mov(1, 0), I.pcall(2), I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()];
    expect(marks(p, 'prunePoint')).toEqual([1, 2, 4]);
    expect(marks(p, 'jmpPoint')).toEqual([2, 4]);
  });

  it('helper call: only the return site', () => {
    const p = [I.call(7), I.exit()];
    expect(marks(p, 'prunePoint')).toEqual([1]);
    expect(marks(p, 'jmpPoint')).toEqual([1]);
  });

  it('bpf_loop with a pseudo-func callback', () => {
    // 0: r1 = 1; 1-2: r2 = cb (insn 8); 3: r3 = 0; 4: r4 = 0; 5: call bpf_loop; 6: r0 = 0; 7: exit; 8: r0 = 0; 9: exit
    const p = [I.mov(1, 1), ...I.ld64(2, 6, 4), I.mov(3, 0), I.mov(4, 0), I.call(181), I.mov(0, 0), I.exit(), I.mov(0, 0), I.exit()];
    expect(marks(p, 'callsCallback')).toEqual([5]);
    expect(marks(p, 'forceCheckpoint')).toEqual([5]);
    expect(marks(p, 'prunePoint')).toEqual([1, 3, 5, 6, 8]);
    expect(marks(p, 'jmpPoint')).toEqual([3, 5, 6, 8]);
  });

  it('timer_set_callback (async) marks only a prune point on the call', () => {
    const p = [I.call(170), I.exit()];
    expect(marks(p, 'prunePoint')).toEqual([0, 1]);
    expect(marks(p, 'callsCallback')).toEqual([]);
  });

  it('kfunc summaries come from the caller (iter_next forces a checkpoint)', () => {
    const p = [I.raw(0x85, 0, 2, 0, 1234), I.exit()];
    const aux = newInsnAux(p.length);
    const sp = checkSubprogs(p);
    if (!sp.ok) throw new Error(sp.error);
    expect(checkCfg(p, aux, sp.table, { kfunc: () => ({ isIterNext: true }) })).toEqual({ ok: true });
    expect(aux.map((a) => a.forceCheckpoint)).toEqual([true, false]);
    expect(aux.map((a) => a.prunePoint)).toEqual([true, true]);
  });

  it('helper summaries set changes_pkt_data / might_sleep and merge them into callers', () => {
    const p = [I.pcall(1), I.exit(), I.call(9), I.exit()];
    const aux = newInsnAux(p.length);
    const sp = checkSubprogs(p);
    if (!sp.ok) throw new Error(sp.error);
    checkCfg(p, aux, sp.table, { helper: (id) => (id === 9 ? { changesPktData: true } : undefined) });
    expect(sp.table.info.slice(0, 2).map((s) => s.changesPktData)).toEqual([true, true]);
    expect(sp.table.info[0]!.mightSleep).toBe(false);
  });
});

describe('check_cfg errors', () => {
  it('reports the first unreachable insn', () => {
    expect(err([I.mov(0, 0), I.ja(1), I.mov(0, 0), I.exit()])).toBe('unreachable insn 2');
    expect(err([I.mov(0, 0), I.exit(), I.ja(-2)])).toBe('unreachable insn 2');
  });

  it('rejects a jump into the second half of ld_imm64', () => {
    expect(err([I.jeqi(1, 0, 1), ...I.ld64(0, 1), I.exit()])).toBe('jump into the middle of ldimm64 insn 1');
  });

  it('loops are back-edges only for unprivileged loaders', () => {
    const loop = [I.mov(0, 0), I.addi(0, 1), I.jlti32(0, 10, -2), I.exit()];
    expect(err(loop)).toBe('ok');
    expect(err(loop, false)).toBe('back-edge from insn 2 to 1');
    expect(err([I.mov(0, 0), I.ja(-1), I.exit()], false)).toBe('back-edge from insn 1 to 1');
  });

  it('unprivileged loaders cannot use subprogs', () => {
    expect(runCfgPasses([I.pcall(1), I.exit(), I.mov(0, 0), I.exit()], { bpfCapable: false })).toMatchObject({
      ok: false, errno: 1,
      error: 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN',
    });
  });

  it('ja with BPF_X fails silently with -EINVAL in check_cfg (unknown opcode earlier in the pipeline)', () => {
    const p = [I.raw(0x0d), I.mov(0, 0), I.exit()];
    const aux = newInsnAux(p.length);
    const sp = checkSubprogs(p);
    if (!sp.ok) throw new Error(sp.error);
    expect(checkCfg(p, aux, sp.table)).toEqual({ ok: false, error: '', errno: 22 });
    expect(err(p)).toBe('unknown opcode 0d');
  });
});

describe('resolve_pseudo_ldimm64 structural checks', () => {
  it('follows the kernel order and texts', () => {
    expect(checkInsnEncoding([I.raw(0x79, 0, 1, 0, 1), I.exit()])).toMatchObject({ error: 'BPF_LDX uses reserved fields' });
    expect(checkInsnEncoding([I.raw(0x18), I.mov(0, 0), I.exit()])).toMatchObject({ error: 'invalid bpf_ld_imm64 insn' });
    expect(checkInsnEncoding([...I.ld64(0, 0, 7), I.exit()])).toMatchObject({ error: 'unrecognized bpf_ld_imm64 insn' });
    expect(checkInsnEncoding([...I.ld64(0, 0, 1).map((x, i) => (i ? { ...x, imm: 1 } : x)), I.exit()]))
      .toMatchObject({ error: 'unrecognized bpf_ld_imm64 insn' });
    expect(checkInsnEncoding([I.raw(0x00), I.exit()])).toMatchObject({ error: 'unknown opcode 00' });
    expect(checkInsnEncoding([...I.ld64(0, 5), I.exit()])).toEqual({ ok: true });
  });

  it('knows the 6.18 opcode table edges', () => {
    expect(opcodeInInsnTable(0xe5)).toBe(true); // may_goto
    expect(opcodeInInsnTable(0xe6)).toBe(false); // jmp32 jcond
    expect(opcodeInInsnTable(0x86)).toBe(false); // jmp32 call
    expect(opcodeInInsnTable(0x0d)).toBe(false); // gotox is 6.19+
    expect(opcodeInInsnTable(0xd7)).toBe(true); // bswap
    expect(opcodeInInsnTable(0x99)).toBe(false); // ldx memsx dw
  });
});

const avail = bpfAvailable();

/** Bad programs whose rejection comes from the passes modelled here. */
const BAD: Array<[string, Insn[]]> = [
  ['unreachable', [I.mov(0, 0), I.ja(1), I.mov(0, 0), I.exit()]],
  ['unreachable after exit', [I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()]],
  ['jump past end', [I.jeqi(1, 0, 5), I.mov(0, 0), I.exit()]],
  ['jump before start', [I.mov(0, 0), I.ja(-3), I.exit()]],
  ['ja32 out of range', [I.mov(0, 0), I.ja32(5), I.exit()]],
  ['last insn not exit', [I.mov(0, 0), I.addi(0, 1)]],
  ['last insn conditional', [I.mov(0, 0), I.jeqi(0, 0, -2)]],
  ['call to invalid destination', [I.pcall(100), I.exit()]],
  ['call to negative destination', [I.mov(0, 0), I.pcall(-5), I.exit()]],
  ['pseudo func to invalid destination', [...I.ld64(1, 50, 4), I.mov(0, 0), I.exit()]],
  ['subprog fall-through', [I.pcall(1), I.mov(0, 0), I.mov(0, 1), I.exit()]],
  ['jump across subprogs', [I.pcall(2), I.jeqi(1, 0, 1), I.exit(), I.mov(0, 0), I.exit()]],
  ['jump into the middle of ldimm64', [I.jeqi(1, 0, 1), ...I.ld64(0, 1), I.exit()]],
  ['invalid ld_imm64', [I.raw(0x18), I.mov(0, 0), I.exit()]],
  ['unrecognized ld_imm64', [...I.ld64(0, 0, 9), I.mov(0, 0), I.exit()]],
  ['ldx reserved', [I.raw(0x79, 0, 1, 0, 4), I.exit()]],
  ['unknown opcode', [I.raw(0x8e), I.mov(0, 0), I.exit()]],
  ['gotox not in 6.18', [I.raw(0x0d), I.mov(0, 0), I.exit()]],
  ['tail_call in subprog', [I.pcall(1), I.exit(), I.call(12), I.exit()]],
  ['LD_ABS in subprog', [I.pcall(1), I.exit(), I.raw(0x20), I.exit()]],
  ['unreachable call', [I.mov(0, 0), I.exit(), I.pcall(1), I.exit(), I.mov(0, 1), I.exit()]],
  ['unreachable insn in subprog', [I.pcall(1), I.exit(), I.ja(1), I.mov(0, 0), I.exit()]],
];

describe.skipIf(!avail.ok)(`kernel agreement on cfg errors ${avail.ok ? '' : avail.reason}`, () => {
  for (const [name, p] of BAD) {
    it(name, () => {
      const model = runCfgPasses(p, { logLevel: 2 });
      const k = bpfProgLoad(encode(p), 'socket', 0, 2);
      expect(model.ok, 'model rejects').toBe(false);
      if (model.ok) return;
      expect({ error: model.error, errno: model.errno }).toEqual({ error: kernelError(k.log), errno: k.errno });
      // The func#N @S lines precede the error in the kernel log.
      for (const line of model.log) expect(k.log).toContain(`${line}\n`);
    });
  }
});

// With BPF_F_TEST_STATE_FREQ every visit of a prune point adds a state, so on a
// single-path program total_states counts the prune points along the path.
const PATHS: Array<[string, Insn[], number[]]> = [
  ['helper return sites', [I.call(7), I.call(7), I.call(5), I.mov(0, 0), I.exit()], [0, 1, 2, 3, 4]],
  ['ja targets', [I.ja(0), I.ja(1), I.exit(), I.mov(0, 0), I.ja(-3)], [0, 1, 3, 4, 2]],
  ['bpf-to-bpf call', [I.mov(1, 0), I.pcall(2), I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()], [0, 1, 4, 5, 2, 3]],
  ['known-taken branch', [I.mov(0, 0), I.jeqi(0, 0, 1), I.mov(0, 1), I.exit()], [0, 1, 3]],
  ['known-not-taken branch', [I.mov(0, 1), I.jeqi(0, 0, 1), I.mov(0, 1), I.exit()], [0, 1, 2, 3]],
  // Without BTF do_check stops at the load ("missing btf func_info") after its checkpoint.
  ['pseudo func load', [...I.ld64(2, 3, 4), I.mov(0, 0), I.exit(), I.mov(0, 0), I.exit()], [0]],
];

describe.skipIf(!avail.ok)(`kernel agreement on prune points ${avail.ok ? '' : avail.reason}`, () => {
  for (const [name, p, path] of PATHS) {
    it(name, () => {
      const r = runCfgPasses(p);
      if (!r.ok) throw new Error(r.error);
      const want = path.filter((i) => r.aux[i]!.prunePoint).length;
      const k = bpfProgLoad(encode(p), 'socket', 8 /* BPF_F_TEST_STATE_FREQ */, 2);
      expect(k.log).toContain(`processed ${path.length} insns`);
      expect(k.log).toMatch(new RegExp(`total_states ${want} `));
    });
  }
});
