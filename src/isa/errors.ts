// Errors raised while decoding, assembling or reading programs. The message
// always names where: `file:line: ...`, `file: insn N: ...` or a byte offset.

export class IsaError extends Error {
  override readonly name = 'IsaError';
  constructor(message: string) {
    super(message);
  }
}

/** `file:line: msg` (or `line N: msg` without a file name). */
export const lineError = (file: string | undefined, line: number, msg: string): IsaError =>
  new IsaError(file !== undefined ? `${file}:${line}: ${msg}` : `line ${line}: ${msg}`);

/** `file: insn N: msg` (or `insn N: msg` without a file name). */
export const insnError = (file: string | undefined, idx: number, msg: string): IsaError =>
  new IsaError(file !== undefined ? `${file}: insn ${idx}: ${msg}` : `insn ${idx}: ${msg}`);
