import { describe, expect, it } from 'vitest';
import { RegType, PTR_MAYBE_NULL } from '../../src/verifier/state/reg.js';
import { makeScalarUnknown, makeScalarConst, markRegKnown, regBoundsSync, BPF_ADD_CONST64 } from '../../src/verifier/state/index.js';
import { formatRegState, formatRegs, tnumStrn, printScalarRanges, regTypeStr, fmtSnum, fmtUnum } from '../../src/verifier/log/regfmt.js';
import type { BpfRegState } from '../../src/verifier/state/reg.js';

const ptr = (type: RegType, off = 0): BpfRegState => {
  const r = makeScalarUnknown();
  r.type = type;
  markRegKnown(r, 0n);
  r.off = off;
  return r;
};

describe('log.c number and tnum formats', () => {
  it('decimal within 16 bits, %#llx beyond', () => {
    expect(fmtSnum(-8n)).toBe('-8');
    expect(fmtSnum(32767n)).toBe('32767');
    expect(fmtSnum(32768n)).toBe('0x8000');
    expect(fmtSnum(-32769n)).toBe('0xffffffffffff7fff');
    expect(fmtUnum(65535n)).toBe('65535');
    expect(fmtUnum(65536n)).toBe('0x10000');
    expect(tnumStrn({ value: 0n, mask: 0xffn })).toBe('(0x0; 0xff)');
    expect(tnumStrn({ value: 7n, mask: 0n })).toBe('7');
  });
});

describe('print_reg_state', () => {
  it('scalars: constants (as the kernel printed them), precise marks, ids', () => {
    expect(formatRegState(makeScalarConst(-8n))).toBe('-8');
    expect(formatRegState(makeScalarConst(65535n))).toBe('0xffff');
    expect(formatRegState(makeScalarConst(-0x80000000n))).toBe('0xffffffff80000000');
    expect(formatRegState(makeScalarConst(0x7fffffffffffffffn))).toBe('0x7fffffffffffffff');
    const p = makeScalarConst(5n);
    p.precise = true;
    expect(formatRegState(p)).toBe('P5');
    const u = makeScalarUnknown();
    u.precise = true;
    u.id = 2;
    expect(formatRegState(u)).toBe('Pscalar(id=2)');
    const d = makeScalarUnknown();
    d.umax = 255n;
    regBoundsSync(d);
    d.id = (1 | BPF_ADD_CONST64) >>> 0;
    d.off = -3;
    expect(formatRegState(d)).toBe('scalar(id=1-3,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
  });
  it('merges equal bounds but never a negative with a positive', () => {
    const r = makeScalarUnknown();
    r.smin = -1n; r.smax = 0n;
    regBoundsSync(r);
    expect(printScalarRanges(r)).toBe('smin=smin32=-1,smax=smax32=0');
    const w = makeScalarUnknown();
    w.umax = 0xffffffffn;
    w.s32Min = -1; w.s32Max = 0;
    regBoundsSync(w);
    expect(formatRegState(w)).toBe('scalar(smin=0,smax=umax=0xffffffff,smin32=-1,smax32=0,var_off=(0x0; 0xffffffff))');
  });
  it('pointers', () => {
    expect(formatRegState(ptr(RegType.PTR_TO_CTX))).toBe('ctx()');
    expect(formatRegState(ptr(RegType.PTR_TO_STACK))).toBe('fp0');
    expect(formatRegState(ptr(RegType.PTR_TO_STACK, -8))).toBe('fp-8');
    const other = ptr(RegType.PTR_TO_STACK, -16);
    other.frameno = 1;
    expect(formatRegState(other, { stateFrameno: 2 })).toBe('fp[1]-16');
    const mv = ptr(RegType.PTR_TO_MAP_VALUE, 4);
    mv.mapIndex = 0;
    mv.typeFlags = PTR_MAYBE_NULL;
    mv.id = 3;
    expect(formatRegState(mv, { mapInfo: () => ({ name: 'm', keySize: 4, valueSize: 8 }) }))
      .toBe('map_value_or_null(id=3,map=m,ks=4,vs=8,off=4)');
    const pkt = ptr(RegType.PTR_TO_PACKET);
    pkt.range = 14;
    expect(formatRegState(pkt)).toBe('pkt(r=14)');
    const vpkt = ptr(RegType.PTR_TO_PACKET);
    vpkt.varOff = { value: 0n, mask: 0xffn };
    vpkt.umax = 255n; vpkt.smax = 255n; vpkt.smin = 0n; vpkt.umin = 0n;
    vpkt.s32Min = 0; vpkt.s32Max = 255; vpkt.u32Min = 0; vpkt.u32Max = 255;
    vpkt.id = 2;
    expect(formatRegState(vpkt)).toBe('pkt(id=2,r=0,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    expect(regTypeStr(RegType.PTR_TO_BTF_ID, PTR_MAYBE_NULL)).toBe('ptr_or_null_');
  });
  it('register lists skip NOT_INIT', () => {
    const regs = Array.from({ length: 11 }, () => {
      const r = makeScalarUnknown();
      r.type = RegType.NOT_INIT;
      return r;
    });
    regs[1] = ptr(RegType.PTR_TO_CTX);
    regs[10] = ptr(RegType.PTR_TO_STACK);
    expect(formatRegs(regs, 0)).toBe(' R1=ctx() R10=fp0');
  });
});
