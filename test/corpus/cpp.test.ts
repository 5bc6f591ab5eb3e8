import { describe, expect, test } from 'vitest';
import { preprocess } from '../../src/corpus/cpp.js';
import { evalConstExpr } from '../../src/corpus/constExpr.js';
import { resolveOperands } from '../../src/corpus/operands.js';

describe('preprocess', () => {
  test('keeps line numbers and takes the x86/clang>=18 branches', () => {
    const src = ['#if defined(__TARGET_ARCH_x86) && __clang_major__ >= 18', 'A', '#else', 'B', '#endif',
      '#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__', 'LE', '#else', 'BE', '#endif',
      '#ifdef CAN_USE_LOAD_ACQ_STORE_REL', 'ACQ', '#endif', '#if (defined(X) || \\', '  defined(__x86_64__))', 'M', '#endif',
      '#define MAX_ENTRIES 11'].join('\n');
    const p = preprocess(src);
    expect(p.text.split('\n')).toEqual(['', 'A', '', '', '', '', 'LE', '', '', '', '', '', '', '', '', 'M', '', '']);
    expect(p.defines.get('MAX_ENTRIES')).toBe('11');
  });
});

describe('constant expressions', () => {
  const env = { ident: () => undefined };
  test('C operators', () => {
    expect(evalConstExpr('~0', env)).toBe(-1n);
    expect(evalConstExpr('0xffffff80 >> 1', env)).toBe(0x7fffffc0n);
    expect(evalConstExpr('-((1 << 29) - 1)', env)).toBe(-536870911n);
    expect(evalConstExpr('1024 * 1024 * 1024', env)).toBe(1073741824n);
    expect(evalConstExpr('1 ? 2 : 3', env)).toBe(2n);
  });
  test('operands', () => {
    const sym = { maps: new Set(['m']), data: new Set(['vals']), functions: new Set(['cb']), defines: new Map([['MAX_ENTRIES', '11']]) };
    const ops = resolveOperands(
      '__imm(bpf_get_prandom_u32), __imm_const(off, offsetof(struct __sk_buff, mark)), __imm_const(x, MAX_ENTRIES), [s32_min]"i"(INT_MIN), __imm_addr(m), __imm_ptr(vals), __imm_ptr(cb), __imm_const(y, sizeof(struct foo))',
      sym);
    expect(ops.map((o) => (o.kind === 'text' ? o.text : o.kind === 'skip' ? o.reason : 'insn'))).toEqual([
      'bpf_get_prandom_u32', '8', '11', '-2147483648', 'needs map (m)', 'needs global data (vals)', 'needs BTF (callback cb)',
      expect.stringContaining('cannot evaluate operand y'),
    ]);
    const raw = resolveOperands('__imm_insn(g, BPF_RAW_INSN(BPF_JMP | BPF_JCOND, 0, 0, 2 /* off */, 0))', sym)[0]!;
    expect(raw).toEqual({ name: 'g', kind: 'insn', insn: { code: 0xe5, dst: 0, src: 0, off: 2, imm: 0 } });
  });
});
