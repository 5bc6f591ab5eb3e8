// Assembler for two syntaxes that share most forms:
//  - the kernel verifier log (`3: (07) r1 += -8`, `if r1 > 0x7 goto pc+2`),
//  - selftests / LLVM inline asm (`r1 += -8;`, `if r1 > 7 goto l0_%=;`).
// Plus `.insn code, dst, src, off, imm` for one raw slot (any field values).
// `rN = IMM` is mov64 when IMM fits s32 and ld_imm64 otherwise; `ll` (or the
// log's `(18)` prefix) forces ld_imm64. `call NAME#ID` is a helper when NAME
// is that helper's name (or `unknown`), else a kfunc with BTF id ID.
// `rN = func LABEL` is ld_imm64 BPF_PSEUDO_FUNC of a callback (verifier
// prints it as `rN = 0x<rel>`), `rN = map IDX` / `rN = map_value IDX + OFF`
// load a map (BPF_PSEUDO_MAP_IDX) or its value (BPF_PSEUDO_MAP_IDX_VALUE).
// Statements are separated by newlines or `;`. Comments: `//`, `/* */`, `#`
// at the start of a line or after a blank, and `;` as the first character
// of a line (so `; type: xdp` headers are comments).

import type { Insn } from './insn.js';
import { insn } from './insn.js';
import { IsaError, lineError } from './errors.js';
import { checkInsn } from './encode.js';
import { BPF_ADDR_PERCPU, BPF_ADDR_SPACE_CAST, BPF_LOAD_ACQ, BPF_NOSPEC, BPF_STORE_REL, helperId, helperName } from './disasm.js';
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG, BPF_DIV,
  BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_IMM, BPF_IND, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD,
  BPF_LDX, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_KFUNC_CALL, BPF_RSH, BPF_ST, BPF_STX, BPF_SUB, BPF_TO_BE, BPF_TO_LE, BPF_W, BPF_X, BPF_XCHG, BPF_XOR,
} from './opcode.js';

export interface AsmOptions {
  file?: string;
  /** Line number of the first line of `text` (default 1). */
  firstLine?: number;
}

interface Stmt {
  text: string;
  line: number;
}

/** A slot whose off or imm is a jump/call target to resolve after layout. */
interface Fixup {
  slot: number;
  field: 'off' | 'imm';
  label: string;
  line: number;
}

const ALU_OPS: Readonly<Record<string, [op: number, signed: boolean]>> = {
  '+': [BPF_ADD, false], '-': [BPF_SUB, false], '*': [BPF_MUL, false], '/': [BPF_DIV, false],
  '|': [BPF_OR, false], '&': [BPF_AND, false], '<<': [BPF_LSH, false], '>>': [BPF_RSH, false],
  '%': [BPF_MOD, false], '^': [BPF_XOR, false], 's>>': [BPF_ARSH, false], 's/': [BPF_DIV, true],
  's%': [BPF_MOD, true],
};
const JMP_OPS: Readonly<Record<string, number>> = {
  '==': BPF_JEQ, '!=': BPF_JNE, '>': BPF_JGT, '>=': BPF_JGE, '<': BPF_JLT, '<=': BPF_JLE, '&': BPF_JSET,
  's>': BPF_JSGT, 's>=': BPF_JSGE, 's<': BPF_JSLT, 's<=': BPF_JSLE,
};
const SIZES: Readonly<Record<string, [size: number, sx: boolean]>> = {
  u8: [BPF_B, false], u16: [BPF_H, false], u32: [BPF_W, false], u64: [BPF_DW, false],
  s8: [BPF_B, true], s16: [BPF_H, true], s32: [BPF_W, true],
};
const ATOMIC_FETCH: Readonly<Record<string, number>> = { add: BPF_ADD, and: BPF_AND, or: BPF_OR, xor: BPF_XOR };
const LOCK_OPS: Readonly<Record<string, number>> = { '+': BPF_ADD, '&': BPF_AND, '|': BPF_OR, '^': BPF_XOR };

const REG = String.raw`([rw])(\d+)`;
const NUM = String.raw`[+-]?\s*(?:0[xX][0-9a-fA-F]+|\d+)`;
// `*(u64 *)(r10 -8)` / `*(u64*)(r10 - 8)` / `(u8 *)(r1)`
const MEM = String.raw`\(\s*([us]\d+)\s*\*\s*\)\s*\(\s*${REG}\s*(?:([+-])\s*(0[xX][0-9a-fA-F]+|\d+))?\s*\)`;
const LABEL = String.raw`[A-Za-z_.$][\w.$%=]*`;

const re = (s: string): RegExp => new RegExp(`^${s}$`);
const P = {
  raw: re(String.raw`\.insn\s+(\S+)\s*,\s*(\S+)\s*,\s*(\S+)\s*,\s*(\S+)\s*,\s*(\S+)`),
  goto: re(String.raw`(goto|gotol|may_goto)\s+(.+)`),
  cond: re(String.raw`if\s+${REG}\s*(==|!=|s>=|s<=|s>|s<|>=|<=|>|<|&)\s*(${REG}|${NUM})\s+goto\s+(.+)`),
  call: re(String.raw`call\s+(.+)`),
  lock: re(String.raw`lock\s+\*${MEM}\s*(\+|&|\||\^)=\s*${REG}`),
  store: re(String.raw`\*${MEM}\s*=\s*(?:${REG}|(${NUM}))`),
  storeRel: re(String.raw`store_release\(\s*${MEM}\s*,\s*${REG}\s*\)`),
  aluOp: re(String.raw`${REG}\s*(s>>|s\/|s%|<<|>>|\+|-|\*|\/|\||&|%|\^)=\s*(?:${REG}|(${NUM}))`),
  assign: re(String.raw`${REG}\s*=\s*(.+)`),
};
const RHS = {
  load: re(String.raw`\*${MEM}`),
  skb: re(String.raw`\*\(\s*(u\d+)\s*\*\s*\)\s*skb\[\s*(?:${REG}\s*\+\s*)?(${NUM})\s*\]`),
  fetch: re(String.raw`atomic(64)?_fetch_(add|and|or|xor)\(\s*${MEM}\s*,\s*${REG}\s*\)`),
  xchg: re(String.raw`atomic(64)?_xchg\(\s*${MEM}\s*,\s*${REG}\s*\)`),
  cmpxchg: re(String.raw`atomic(64)?_cmpxchg\(\s*${MEM}\s*,\s*[rw]0\s*,\s*${REG}\s*\)`),
  loadAcq: re(String.raw`load_acquire\(\s*${MEM}\s*\)`),
  neg: re(String.raw`-\s*${REG}`),
  end: re(String.raw`(be|le|bswap)(16|32|64)\s+${REG}`),
  asCast: re(String.raw`addr_space_cast\(\s*${REG}\s*,\s*(${NUM})\s*,\s*(${NUM})\s*\)`),
  percpu: re(String.raw`&\(\s*void\s+__percpu\s*\*\s*\)\s*\(\s*${REG}\s*\)`),
  movsx: re(String.raw`\(\s*(s8|s16|s32)\s*\)\s*${REG}`),
  reg: re(REG),
  imm: re(String.raw`(${NUM})(\s+ll)?`),
};

class Asm {
  readonly out: Insn[] = [];
  readonly labels = new Map<string, number>();
  readonly fixups: Fixup[] = [];
  line = 0;
  /** Set for `(18) rN = V`: the log prints ld_imm64 and mov alike. */
  forceLd = false;

  constructor(readonly file: string | undefined) {}

  err(msg: string): IsaError {
    return lineError(this.file, this.line, msg);
  }

  num(text: string, what: string): bigint {
    const t = text.replace(/\s+/g, '');
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|\d+)$/.exec(t);
    if (!m) throw this.err(`bad ${what} '${text}'`);
    const v = BigInt(m[2]!);
    return m[1] === '-' ? -v : v;
  }

  /** 32-bit immediate: accepts s32 and u32 (hex as printed by the kernel), stores s32. */
  imm32(text: string, what = 'immediate'): number {
    const v = this.num(text, what);
    if (v < -0x80000000n || v > 0xffffffffn) throw this.err(`${what} ${text.trim()} out of 32-bit range`);
    return Number(BigInt.asIntN(32, v));
  }

  off16(sign: string | undefined, text: string | undefined): number {
    if (text === undefined) return 0;
    const v = this.num(`${sign ?? '+'}${text}`, 'offset');
    if (v < -0x8000n || v > 0x7fffn) throw this.err(`offset ${sign ?? ''}${text} out of 16-bit range`);
    return Number(v);
  }

  reg(letter: string, n: string): { reg: number; w: boolean } {
    const reg = Number(n);
    if (reg > 15) throw this.err(`register ${letter}${n} out of range`);
    return { reg, w: letter === 'w' };
  }

  emit(i: Insn): number {
    this.out.push(i);
    return this.out.length - 1;
  }

  /** A jump target: `pc+N`, `+N`, `-N`, `N` (relative), or a label. */
  target(slot: number, field: 'off' | 'imm', text: string): void {
    const t = text.trim();
    const rel = /^(?:pc)?([+-]?\s*\d+)$/.exec(t);
    if (rel) {
      const v = Number(this.num(rel[1]!, 'jump offset'));
      this.setRel(slot, field, v);
      return;
    }
    if (!new RegExp(`^${LABEL}$`).test(t)) throw this.err(`bad jump target '${t}'`);
    this.fixups.push({ slot, field, label: t, line: this.line });
  }

  setRel(slot: number, field: 'off' | 'imm', v: number): void {
    const lim = field === 'off' ? 0x8000 : 0x80000000;
    if (v < -lim || v >= lim) throw this.err(`jump offset ${v} out of range`);
    const i = this.out[slot]!;
    this.out[slot] = field === 'off' ? { ...i, off: v } : { ...i, imm: v };
  }

  memArgs(m: RegExpExecArray, at: number): { size: number; sx: boolean; reg: number; off: number } {
    const sz = SIZES[m[at]!];
    if (!sz) throw this.err(`bad access size '${m[at]}'`);
    const r = this.reg(m[at + 1]!, m[at + 2]!);
    return { size: sz[0], sx: sz[1], reg: r.reg, off: this.off16(m[at + 3], m[at + 4]) };
  }

  stmt(text: string): void {
    let m: RegExpExecArray | null;
    if (text === 'exit') { this.emit(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)); return; }
    if (text === 'nospec') { this.emit(insn(BPF_ST | BPF_NOSPEC, 0, 0, 0, 0)); return; }
    if ((m = P.raw.exec(text))) {
      const f = [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!].map((s) => Number(this.num(s, '.insn field')));
      const i = insn(f[0]!, f[1]!, f[2]!, f[3]!, f[4]!);
      try { checkInsn(i); } catch (e) { throw this.err(e instanceof Error ? e.message.replace(/^insn 0: /, '') : String(e)); }
      this.emit(i);
      return;
    }
    if ((m = P.goto.exec(text))) {
      const kind = m[1]!;
      const code = kind === 'goto' ? BPF_JMP | BPF_JA : kind === 'gotol' ? BPF_JMP32 | BPF_JA : BPF_JMP | BPF_JCOND;
      const slot = this.emit(insn(code, 0, 0, 0, 0));
      this.target(slot, kind === 'gotol' ? 'imm' : 'off', m[2]!);
      return;
    }
    if ((m = P.cond.exec(text))) {
      const dst = this.reg(m[1]!, m[2]!);
      const op = JMP_OPS[m[3]!]!;
      const cls = dst.w ? BPF_JMP32 : BPF_JMP;
      let slot: number;
      if (m[5] !== undefined) {
        const src = this.reg(m[5], m[6]!);
        if (src.w !== dst.w) throw this.err(`mixed r/w registers in '${text}'`);
        slot = this.emit(insn(cls | op | BPF_X, dst.reg, src.reg, 0, 0));
      } else {
        slot = this.emit(insn(cls | op | BPF_K, dst.reg, 0, 0, this.imm32(m[4]!)));
      }
      this.target(slot, 'off', m[7]!);
      return;
    }
    if ((m = P.call.exec(text))) { this.call(m[1]!.trim()); return; }
    if ((m = P.lock.exec(text))) {
      const a = this.memArgs(m, 1);
      const src = this.reg(m[7]!, m[8]!);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, a.reg, src.reg, a.off, LOCK_OPS[m[6]!]!));
      return;
    }
    if ((m = P.store.exec(text))) {
      const a = this.memArgs(m, 1);
      if (a.sx) throw this.err(`cannot store through signed type '${m[1]}'`);
      if (m[6] !== undefined) {
        this.emit(insn(BPF_STX | BPF_MEM | a.size, a.reg, this.reg(m[6], m[7]!).reg, a.off, 0));
      } else {
        this.emit(insn(BPF_ST | BPF_MEM | a.size, a.reg, 0, a.off, this.imm32(m[8]!)));
      }
      return;
    }
    if ((m = P.storeRel.exec(text))) {
      const a = this.memArgs(m, 1);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, a.reg, this.reg(m[6]!, m[7]!).reg, a.off, BPF_STORE_REL));
      return;
    }
    if ((m = P.aluOp.exec(text))) {
      const dst = this.reg(m[1]!, m[2]!);
      const [op, signed] = ALU_OPS[m[3]!]!;
      const cls = dst.w ? BPF_ALU : BPF_ALU64;
      const off = signed ? 1 : 0;
      if (m[4] !== undefined) {
        const src = this.reg(m[4], m[5]!);
        if (src.w !== dst.w) throw this.err(`mixed r/w registers in '${text}'`);
        this.emit(insn(cls | op | BPF_X, dst.reg, src.reg, off, 0));
      } else {
        this.emit(insn(cls | op | BPF_K, dst.reg, 0, off, this.imm32(m[6]!)));
      }
      return;
    }
    if ((m = P.assign.exec(text))) { this.assign(this.reg(m[1]!, m[2]!), m[3]!.trim(), text); return; }
    const word = /^[^\s(*=;]+/.exec(text)?.[0] ?? text;
    const known = /^([rw]\d+|if|goto|gotol|may_goto|call|lock|exit|store_release|\*.*|\.insn)$/.test(word);
    throw this.err(known ? `cannot parse '${text}'` : `unknown mnemonic '${word}'`);
  }

  call(t: string): void {
    const code = BPF_JMP | BPF_CALL;
    let m: RegExpExecArray | null;
    if ((m = /^pc\s*([+-]\s*\d+)$/.exec(t))) {
      this.emit(insn(code, 0, BPF_PSEUDO_CALL, 0, this.imm32(m[1]!)));
      return;
    }
    if ((m = /^([\w.$-]+)#(-?\d+)$/.exec(t))) {
      // kernel log form NAME#ID: helper, unknown helper, or a kfunc (BTF id)
      const id = this.imm32(m[2]!);
      const name = m[1]!;
      const helper = name === 'unknown' || helperName(id) === name;
      this.emit(insn(code, 0, helper ? 0 : BPF_PSEUDO_KFUNC_CALL, 0, id));
      return;
    }
    if ((m = /^(-?(?:0[xX][0-9a-fA-F]+|\d+))$/.exec(t))) {
      this.emit(insn(code, 0, 0, 0, this.imm32(m[1]!)));
      return;
    }
    const sub = /^%\[\s*(\w+)\s*\]$/.exec(t)?.[1];
    const name = sub ?? t;
    const id = helperId(name);
    if (id !== undefined && /^[\w]+$/.test(name)) {
      this.emit(insn(code, 0, 0, 0, id));
      return;
    }
    if (sub !== undefined) throw this.err(`unknown helper '${sub}' (a kfunc needs its BTF id: call ${sub}#ID)`);
    if (!new RegExp(`^${LABEL}$`).test(name)) throw this.err(`bad call target '${t}'`);
    // otherwise a subprogram label: pc-relative pseudo call
    const slot = this.emit(insn(code, 0, BPF_PSEUDO_CALL, 0, 0));
    this.fixups.push({ slot, field: 'imm', label: name, line: this.line });
  }

  assign(dst: { reg: number; w: boolean }, rhs: string, text: string): void {
    const cls = dst.w ? BPF_ALU : BPF_ALU64;
    const d = dst.reg;
    let m: RegExpExecArray | null;
    if ((m = /^func\s+([A-Za-z_.$][\w.$]*)$/.exec(rhs))) {
      const slot = this.emit(insn(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, 0));
      this.emit(insn(0, 0, 0, 0, 0));
      this.fixups.push({ slot, field: 'imm', label: m[1]!, line: this.line });
      return;
    }
    if ((m = /^map(_value)?\s+(\d+)(?:\s*\+\s*(\d+))?$/.exec(rhs))) {
      const value = m[1] !== undefined;
      if (!value && m[3] !== undefined) throw this.err(`a map load takes no offset: '${text}'`);
      this.emit(insn(BPF_LD | BPF_DW | BPF_IMM, d, value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX, 0, this.imm32(m[2]!)));
      this.emit(insn(0, 0, 0, 0, value ? this.imm32(m[3] ?? '0') : 0));
      return;
    }
    if ((m = RHS.load.exec(rhs))) {
      const a = this.memArgs(m, 1);
      this.emit(insn(BPF_LDX | (a.sx ? BPF_MEMSX : BPF_MEM) | a.size, d, a.reg, a.off, 0));
    } else if ((m = RHS.skb.exec(rhs))) {
      const sz = SIZES[m[1]!];
      if (!sz || sz[1]) throw this.err(`bad access size '${m[1]}'`);
      if (d !== 0) throw this.err(`packet loads write r0, not r${d}`);
      const ind = m[2] !== undefined;
      const src = ind ? this.reg(m[2]!, m[3]!).reg : 0;
      this.emit(insn(BPF_LD | (ind ? BPF_IND : BPF_ABS) | sz[0], 0, src, 0, this.imm32(m[4]!)));
    } else if ((m = RHS.fetch.exec(rhs))) {
      const a = this.memArgs(m, 3);
      const src = this.reg(m[8]!, m[9]!);
      if (src.reg !== d) throw this.err(`atomic fetch must write its source register in '${text}'`);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, a.reg, src.reg, a.off, ATOMIC_FETCH[m[2]!]! | BPF_FETCH));
    } else if ((m = RHS.xchg.exec(rhs))) {
      const a = this.memArgs(m, 2);
      const src = this.reg(m[7]!, m[8]!);
      if (src.reg !== d) throw this.err(`atomic xchg must write its source register in '${text}'`);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, a.reg, src.reg, a.off, BPF_XCHG));
    } else if ((m = RHS.cmpxchg.exec(rhs))) {
      const a = this.memArgs(m, 2);
      if (d !== 0) throw this.err(`cmpxchg writes r0, not r${d}`);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, a.reg, this.reg(m[7]!, m[8]!).reg, a.off, BPF_CMPXCHG));
    } else if ((m = RHS.loadAcq.exec(rhs))) {
      const a = this.memArgs(m, 1);
      this.emit(insn(BPF_STX | BPF_ATOMIC | a.size, d, a.reg, a.off, BPF_LOAD_ACQ));
    } else if ((m = RHS.neg.exec(rhs))) {
      if (this.reg(m[1]!, m[2]!).reg !== d) throw this.err(`negation must be in place in '${text}'`);
      this.emit(insn(cls | BPF_NEG | BPF_K, d, 0, 0, 0));
    } else if ((m = RHS.end.exec(rhs))) {
      if (this.reg(m[3]!, m[4]!).reg !== d) throw this.err(`byte swap must be in place in '${text}'`);
      const kind = m[1]!;
      const code = kind === 'bswap' ? BPF_ALU64 | BPF_END | BPF_TO_LE : BPF_ALU | BPF_END | (kind === 'be' ? BPF_TO_BE : BPF_TO_LE);
      this.emit(insn(code, d, 0, 0, Number(m[2])));
    } else if ((m = RHS.asCast.exec(rhs))) {
      const src = this.reg(m[1]!, m[2]!).reg;
      const hi = Number(this.num(m[3]!, 'address space'));
      const lo = Number(this.num(m[4]!, 'address space'));
      if (hi < 0 || hi > 0xffff || lo < 0 || lo > 0xffff) throw this.err(`address space out of range in '${text}'`);
      this.emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, d, src, BPF_ADDR_SPACE_CAST, ((hi << 16) | lo) | 0));
    } else if ((m = RHS.percpu.exec(rhs))) {
      this.emit(insn(BPF_ALU64 | BPF_MOV | BPF_X, d, this.reg(m[1]!, m[2]!).reg, BPF_ADDR_PERCPU, 0));
    } else if ((m = RHS.movsx.exec(rhs))) {
      const src = this.reg(m[2]!, m[3]!);
      this.emit(insn(cls | BPF_MOV | BPF_X, d, src.reg, Number(m[1]!.slice(1)), 0));
    } else if ((m = RHS.reg.exec(rhs))) {
      const src = this.reg(m[1]!, m[2]!);
      if (src.w !== dst.w) throw this.err(`mixed r/w registers in '${text}'`);
      this.emit(insn(cls | BPF_MOV | BPF_X, d, src.reg, 0, 0));
    } else if ((m = RHS.imm.exec(rhs))) {
      const v = this.num(m[1]!, 'immediate');
      const fits = v >= -0x80000000n && v <= 0x7fffffffn;
      if (m[2] !== undefined || this.forceLd || (!dst.w && !fits)) this.ldImm64(d, v);
      else this.emit(insn(cls | BPF_MOV | BPF_K, d, 0, 0, this.imm32(m[1]!)));
    } else {
      throw this.err(`cannot parse '${text}'`);
    }
  }

  ldImm64(d: number, v: bigint): void {
    if (v < -(1n << 63n) || v >= 1n << 64n) throw this.err(`immediate ${v} out of 64-bit range`);
    const u = BigInt.asUintN(64, v);
    this.emit(insn(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, Number(BigInt.asIntN(32, u))));
    this.emit(insn(0, 0, 0, 0, Number(BigInt.asIntN(32, u >> 32n))));
  }

  resolve(): void {
    for (const f of this.fixups) {
      const t = this.labels.get(f.label);
      this.line = f.line;
      if (t === undefined) throw this.err(`undefined label '${f.label}'`);
      this.setRel(f.slot, f.field, t - f.slot - 1);
    }
  }
}

/** Remove comments, keeping newlines so line numbers stay right. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const body = end < 0 ? text.slice(i) : text.slice(i, end + 2);
      out += body.replace(/[^\n]/g, ' ');
      i += body.length;
      continue;
    }
    const prev = out[out.length - 1];
    const afterBlank = prev === undefined || prev === ' ' || prev === '\t' || prev === '\n';
    if ((c === '/' && text[i + 1] === '/') || (c === '#' && afterBlank) || (c === ';' && lineStart)) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') lineStart = true;
    else if (c !== ' ' && c !== '\t') lineStart = false;
    out += c;
    i++;
  }
  return out;
}

/** Split one source line into statements (and labels). */
function splitLine(raw: string, line: number): Stmt[] {
  let s = raw.trim();
  // selftests C string literals: "r0 = 0;" / "r0 = 0;\n"
  const q = /^"(.*?)(?:\\n)?"\s*$/.exec(s);
  if (q) s = q[1]!.replace(/\\t/g, ' ').trim();
  // kernel log lines: `N: (xx) text   ; state` -- the state annotation is not code
  const log = /^(?:\d+:\s*)?(\([0-9a-fA-F]{2}\)\s.*?)(?:\s+;(?:\s.*)?)?$/.exec(s);
  if (log && /^\d+:|^\(/.test(s)) return [{ text: log[1]!.trim(), line }];
  const out: Stmt[] = [];
  for (const part of s.split(';')) {
    let t = part.trim();
    for (;;) {
      const lab = new RegExp(`^(${LABEL})\\s*:(?!=)\\s*`).exec(t);
      if (!lab || /^\d/.test(lab[1]!)) break;
      out.push({ text: `${lab[1]}:`, line });
      t = t.slice(lab[0].length);
    }
    t = t.replace(/^\d+:\s*/, ''); // bare index prefix
    if (t !== '') out.push({ text: t, line });
  }
  return out;
}

/** Assemble program text into instruction slots (ld_imm64 = 2 slots). */
export function assemble(text: string, opts: AsmOptions | string = {}): Insn[] {
  const o: AsmOptions = typeof opts === 'string' ? { file: opts } : opts;
  const first = o.firstLine ?? 1;
  const a = new Asm(o.file);
  const lines = stripComments(text).split('\n');
  lines.forEach((raw, k) => {
    for (const st of splitLine(raw, first + k)) {
      a.line = st.line;
      if (st.text.endsWith(':')) {
        const name = st.text.slice(0, -1);
        if (a.labels.has(name)) throw a.err(`duplicate label '${name}'`);
        a.labels.set(name, a.out.length);
        continue;
      }
      let t = st.text;
      let want: number | undefined;
      const pre = /^\(([0-9a-fA-F]{2})\)\s+(.*)$/.exec(t);
      if (pre) {
        want = parseInt(pre[1]!, 16);
        t = pre[2]!;
      }
      const before = a.out.length;
      a.forceLd = want === 0x18;
      a.stmt(t.replace(/\s+/g, ' ').trim());
      const got = a.out[before]!.code;
      if (want !== undefined && got !== want) {
        throw a.err(`opcode prefix (${pre![1]}) does not match '${t}', which assembles to (${got.toString(16).padStart(2, '0')})`);
      }
    }
  });
  a.resolve();
  return a.out;
}
