// BPF opcode constants and typed accessors. No other module should do bit
// twiddling on an opcode byte.

export const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03;
export const BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_JMP32 = 0x06, BPF_ALU64 = 0x07;

export const BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10, BPF_DW = 0x18;

export const BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80, BPF_ATOMIC = 0xc0;

export const BPF_K = 0x00, BPF_X = 0x08;
// For BPF_END: BPF_TO_LE == BPF_K, BPF_TO_BE == BPF_X.
export const BPF_TO_LE = 0x00, BPF_TO_BE = 0x08;

export const BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30;
export const BPF_OR = 0x40, BPF_AND = 0x50, BPF_LSH = 0x60, BPF_RSH = 0x70;
export const BPF_NEG = 0x80, BPF_MOD = 0x90, BPF_XOR = 0xa0, BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0, BPF_END = 0xd0;

export const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30;
export const BPF_JSET = 0x40, BPF_JNE = 0x50, BPF_JSGT = 0x60, BPF_JSGE = 0x70;
export const BPF_CALL = 0x80, BPF_EXIT = 0x90, BPF_JLT = 0xa0, BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0, BPF_JSLE = 0xd0, BPF_JCOND = 0xe0;

// BPF_JCOND src_reg value for may_goto.
export const BPF_MAY_GOTO = 0;

// Atomic imm values.
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// ld_imm64 src_reg pseudo values.
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// call src_reg values.
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const MAX_BPF_REG = 11;
export const BPF_REG_FP = 10;

export const opClass = (code: number): number => code & 0x07;
export const opSize = (code: number): number => code & 0x18;
export const opMode = (code: number): number => code & 0xe0;
export const opSrc = (code: number): number => code & 0x08;
export const opAlu = (code: number): number => code & 0xf0;
export const opJmp = (code: number): number => code & 0xf0;

export const isAluClass = (code: number): boolean => {
  const c = opClass(code);
  return c === BPF_ALU || c === BPF_ALU64;
};
export const isJmpClass = (code: number): boolean => {
  const c = opClass(code);
  return c === BPF_JMP || c === BPF_JMP32;
};

/** Size in bytes for a BPF_SIZE field. */
export const sizeBytes = (code: number): number => {
  switch (opSize(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
  }
};

export const isLdImm64 = (code: number): boolean => code === (BPF_LD | BPF_DW | BPF_IMM);
