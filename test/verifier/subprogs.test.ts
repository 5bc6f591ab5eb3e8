import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { bpfAvailable, bpfProgLoad } from '../../src/kernel/syscall.js';
import { runCfgPasses } from '../../src/verifier/cfg/cfg.js';
import { checkSubprogs, findContainingSubprog, findSubprog } from '../../src/verifier/state/subprogs.js';
import { I, encode, kernelError } from './cfgAsm.js';

/** main calls n subprogs, each `r0 = 0; exit`. */
const manySubprogs = (n: number): Insn[] => {
  const main: Insn[] = [];
  for (let k = 0; k < n; k++) main.push(I.pcall(0)); // patched below
  main.push(I.mov(0, 0), I.exit());
  const out = [...main];
  for (let k = 0; k < n; k++) {
    const start = out.length;
    out.push(I.mov(0, 0), I.exit());
    out[k] = I.pcall(start - k - 1);
  }
  return out;
};

describe('subprogram table', () => {
  it('finds starts from pseudo calls and pseudo funcs, sorted, with a fake exit entry', () => {
    // 0: call 7; 1-2: r2 = func@5; 3: r0 = 0; 4: exit; 5: r0 = 2; 6: exit; 7: r0 = 1; 8: exit
    const p = [I.pcall(6), ...I.ld64(2, 3, 4), I.mov(0, 0), I.exit(), I.mov(0, 2), I.exit(), I.mov(0, 1), I.exit()];
    const r = checkSubprogs(p, { logLevel: 2 });
    if (!r.ok) throw new Error(r.error);
    expect(r.table.count).toBe(3);
    expect(r.table.info.map((s) => s.start)).toEqual([0, 5, 7, 9]);
    expect(r.log).toEqual(['func#0 @0', 'func#1 @5', 'func#2 @7']);
    expect([0, 4, 5, 6, 7, 8, 9, -1].map((o) => findContainingSubprog(r.table, o, p.length))).toEqual([0, 0, 1, 1, 2, 2, -1, -1]);
    expect(findSubprog(r.table, 7, p.length)).toBe(2);
    expect(findSubprog(r.table, 8, p.length)).toBe(-1);
  });

  it('does not print func# lines below log level 2', () => {
    const r = checkSubprogs([I.mov(0, 0), I.exit()], { logLevel: 1 });
    expect(r.log).toEqual([]);
  });

  it('records tail calls and LD_ABS per subprog', () => {
    const r = checkSubprogs([I.call(12), I.raw(0x20), I.mov(0, 0), I.exit()]);
    if (!r.ok) throw new Error(r.error);
    expect(r.table.info[0]).toMatchObject({ hasTailCall: true, tailCallReachable: true, hasLdAbs: true });
  });

  it('limits the number of subprogs to 256', () => {
    expect(checkSubprogs(manySubprogs(255)).ok).toBe(true);
    expect(checkSubprogs(manySubprogs(256))).toMatchObject({ ok: false, error: 'too many subprograms', errno: 7 });
  });

  it('kfunc calls are not subprogs', () => {
    const r = checkSubprogs([I.raw(0x85, 0, 2, 0, 5), I.exit()]);
    expect(r.ok && r.table.count).toBe(1);
  });
});

const avail = bpfAvailable();

describe.skipIf(!avail.ok)(`kernel agreement on subprogs ${avail.ok ? '' : avail.reason}`, () => {
  it('too many subprograms', () => {
    const p = manySubprogs(256);
    const k = bpfProgLoad(encode(p), 'socket', 0, 2);
    const m = runCfgPasses(p);
    expect(m.ok).toBe(false);
    if (!m.ok) expect({ error: m.error, errno: m.errno }).toEqual({ error: kernelError(k.log), errno: k.errno });
  });

  it('func# lines', () => {
    const p = manySubprogs(3);
    const k = bpfProgLoad(encode(p), 'socket', 0, 2);
    const m = runCfgPasses(p, { logLevel: 2 });
    if (!m.ok) throw new Error(m.error);
    expect(k.log.startsWith(`${m.log.join('\n')}\nLive regs before insn:\n`)).toBe(true);
  });
});
