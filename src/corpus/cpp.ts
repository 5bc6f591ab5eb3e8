// Just enough of the C preprocessor for the selftests: conditional blocks
// (#if/#ifdef/#ifndef/#elif/#else/#endif) and object-like #defines.
// Directive lines and inactive lines become empty lines, so line numbers of
// the output are those of the .c file.

import { evalConstExpr, ConstExprError } from './constExpr.js';

/**
 * The configuration the corpus is "compiled" for: clang >= 18 targeting BPF
 * on an x86_64 host, little endian, with may_goto support. Macros bpf_misc.h
 * derives from those (CAN_USE_GOTOL, CAN_USE_BPF_ST, SPEC_V1, SPEC_V4) are
 * defined too; CAN_USE_LOAD_ACQ_STORE_REL is not (needs ENABLE_ATOMICS_TESTS).
 */
export const TARGET_DEFINES: ReadonlyMap<string, string> = new Map([
  ['__TARGET_ARCH_x86', '1'],
  ['__x86_64__', '1'],
  ['__bpf__', '1'],
  ['__clang_major__', '19'],
  ['__BYTE_ORDER__', '1234'],
  ['__ORDER_LITTLE_ENDIAN__', '1234'],
  ['__ORDER_BIG_ENDIAN__', '4321'],
  ['__BPF_FEATURE_MAY_GOTO', '1'],
  ['CAN_USE_GOTOL', '1'],
  ['CAN_USE_BPF_ST', '1'],
  ['SPEC_V1', '1'],
  ['SPEC_V4', '1'],
]);

export class CppError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

export interface Preprocessed {
  /** Same number of lines as the input; inactive code blanked. */
  text: string;
  /** Object-like macros defined by the file (name -> replacement text). */
  defines: Map<string, string>;
}

interface Frame {
  /** Whether the enclosing context is active. */
  parentActive: boolean;
  /** Whether some branch of this #if was already taken. */
  taken: boolean;
  active: boolean;
}

export function preprocess(source: string, base: ReadonlyMap<string, string> = TARGET_DEFINES): Preprocessed {
  const lines = source.split('\n');
  const defines = new Map<string, string>();
  const isDefined = (n: string): boolean => defines.has(n) || base.has(n);
  const valueOf = (n: string): string | undefined => defines.get(n) ?? base.get(n);
  const out: string[] = [];
  const stack: Frame[] = [];
  const active = (): boolean => stack.length === 0 || stack[stack.length - 1]!.active;

  const cond = (expr: string, lineNo: number): boolean => {
    const env = {
      unknownIsZero: true,
      ident: (name: string): bigint | undefined => {
        if (name.startsWith('defined:')) return isDefined(name.slice(8)) ? 1n : 0n;
        const v = valueOf(name);
        if (v === undefined) return undefined;
        try {
          return evalConstExpr(v, { ident: () => undefined, unknownIsZero: true });
        } catch {
          return undefined;
        }
      },
    };
    try {
      return evalConstExpr(expr, env) !== 0n;
    } catch (e) {
      throw new CppError(lineNo, `cannot evaluate #if ${expr.trim()}: ${e instanceof ConstExprError ? e.message : String(e)}`);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const lineNo = i + 1;
    if (!/^\s*#/.test(line)) {
      out.push(active() ? line : '');
      continue;
    }
    // Gather continuation lines of the directive; each becomes an empty line.
    let directive = line;
    let extra = 0;
    while (directive.endsWith('\\') && i + 1 < lines.length) {
      directive = directive.slice(0, -1) + ' ' + lines[++i]!;
      extra++;
    }
    directive = directive.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '');
    const m = /^\s*#\s*(\w+)\s*(.*)$/.exec(directive);
    const kw = m?.[1] ?? '';
    const rest = (m?.[2] ?? '').trim();
    line = '';
    switch (kw) {
      case 'if': {
        const pa = active();
        const v = pa && cond(rest, lineNo);
        stack.push({ parentActive: pa, taken: v, active: v });
        break;
      }
      case 'ifdef':
      case 'ifndef': {
        const pa = active();
        const d = isDefined(rest.split(/\s+/)[0] ?? '');
        const v = pa && (kw === 'ifdef' ? d : !d);
        stack.push({ parentActive: pa, taken: v, active: v });
        break;
      }
      case 'elif': {
        const f = stack[stack.length - 1];
        if (!f) throw new CppError(lineNo, '#elif without #if');
        const v = f.parentActive && !f.taken && cond(rest, lineNo);
        f.active = v;
        f.taken ||= v;
        break;
      }
      case 'else': {
        const f = stack[stack.length - 1];
        if (!f) throw new CppError(lineNo, '#else without #if');
        f.active = f.parentActive && !f.taken;
        f.taken = true;
        break;
      }
      case 'endif':
        if (!stack.pop()) throw new CppError(lineNo, '#endif without #if');
        break;
      case 'define': {
        if (!active()) break;
        const dm = /^([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/.exec(rest);
        // Function-like macros are not expanded; remember that they exist.
        if (dm) defines.set(dm[1]!, dm[2] ? `__function_like_macro__` : dm[3]!.trim());
        break;
      }
      case 'undef':
        if (active()) defines.delete(rest);
        break;
      default:
        // #include, #pragma, #error in inactive code, ...: dropped.
        break;
    }
    out.push(line);
    for (let k = 0; k < extra; k++) out.push('');
  }
  if (stack.length > 0) throw new CppError(lines.length, 'unterminated #if');
  return { text: out.join('\n'), defines };
}
