// A small evaluator for C integer constant expressions, used for `#if`
// conditions and for `__imm_const(name, expr)` operands of the selftests.
// Arithmetic is on bigint (no C integer promotion/overflow); good enough for
// the shifts, masks and negations the corpus uses.

export class ConstExprError extends Error {}

/** Resolves identifiers and function-like forms (defined, offsetof, ...). */
export interface ExprEnv {
  /** Value of a bare identifier, or undefined when it is unknown. */
  ident(name: string): bigint | undefined;
  /** Value of `name(args...)` given the raw argument texts, or undefined. */
  call?(name: string, args: string[]): bigint | undefined;
  /** When true, unknown identifiers evaluate to 0 (the #if rule). */
  unknownIsZero?: boolean;
}

type Tok = { k: 'num'; v: bigint } | { k: 'id'; v: string } | { k: 'op'; v: string };

const OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', ',', '?', ':'];

function parseNumber(text: string): bigint {
  const t = text.replace(/[uUlL]+$/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^0[0-7]*$/.test(t)) return t.length > 1 ? BigInt('0o' + t.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(t)) return BigInt(t);
  throw new ConstExprError(`bad number '${text}'`);
}

/** Splits `a, b(c, d), e` at top-level commas. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

function tokenize(src: string, env: ExprEnv): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(src.slice(i));
    if (num) {
      toks.push({ k: 'num', v: parseNumber(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      const name = id[0];
      i += name.length;
      // Function-like forms are resolved here, from their raw argument text.
      let j = i;
      while (j < src.length && /\s/.test(src[j]!)) j++;
      if (name === 'defined') {
        const m = /^\s*(\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))/.exec(src.slice(i));
        if (!m) throw new ConstExprError('bad defined()');
        const target = m[2] ?? m[3] ?? '';
        toks.push({ k: 'num', v: env.ident(`defined:${target}`) ?? 0n });
        i += m[0].length;
        continue;
      }
      if (src[j] === '(' && env.call) {
        let depth = 0;
        let k = j;
        for (; k < src.length; k++) {
          if (src[k] === '(') depth++;
          else if (src[k] === ')' && --depth === 0) break;
        }
        if (k >= src.length) throw new ConstExprError(`unbalanced ( after ${name}`);
        const v = env.call(name, splitArgs(src.slice(j + 1, k)));
        if (v === undefined) throw new ConstExprError(`cannot evaluate ${name}(${src.slice(j + 1, k)})`);
        toks.push({ k: 'num', v });
        i = k + 1;
        continue;
      }
      toks.push({ k: 'id', v: name });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ConstExprError(`unexpected '${ch}'`);
    toks.push({ k: 'op', v: op });
    i += op.length;
  }
  return toks;
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const b = (x: boolean): bigint => (x ? 1n : 0n);

function applyBinary(op: string, l: bigint, r: bigint): bigint {
  switch (op) {
    case '||': return b(l !== 0n || r !== 0n);
    case '&&': return b(l !== 0n && r !== 0n);
    case '|': return l | r;
    case '^': return l ^ r;
    case '&': return l & r;
    case '==': return b(l === r);
    case '!=': return b(l !== r);
    case '<': return b(l < r);
    case '>': return b(l > r);
    case '<=': return b(l <= r);
    case '>=': return b(l >= r);
    case '<<': return l << r;
    case '>>': return l >> r;
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': if (r === 0n) throw new ConstExprError('division by zero'); return l / r;
    case '%': if (r === 0n) throw new ConstExprError('division by zero'); return l % r;
    default: throw new ConstExprError(`bad operator ${op}`);
  }
}

/** Evaluates a C constant expression; throws ConstExprError when it cannot. */
export function evalConstExpr(src: string, env: ExprEnv): bigint {
  const toks = tokenize(src, env);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (t: Tok | undefined, v: string): boolean => t !== undefined && t.k === 'op' && t.v === v;

  const primary = (): bigint => {
    const t = toks[pos++];
    if (!t) throw new ConstExprError('unexpected end of expression');
    if (t.k === 'num') return t.v;
    if (t.k === 'id') {
      const v = env.ident(t.v);
      if (v !== undefined) return v;
      if (env.unknownIsZero) return 0n;
      throw new ConstExprError(`unknown identifier '${t.v}'`);
    }
    switch (t.v) {
      case '(': {
        const v = ternary();
        if (!isOp(toks[pos++], ')')) throw new ConstExprError("expected ')'");
        return v;
      }
      case '-': return -primary();
      case '+': return primary();
      case '~': return -primary() - 1n;
      case '!': return b(primary() === 0n);
      default: throw new ConstExprError(`unexpected '${t.v}'`);
    }
  };
  const binary = (minPrec: number): bigint => {
    let lhs = primary();
    for (;;) {
      const t = peek();
      if (!t || t.k !== 'op') break;
      const prec = BINARY[t.v];
      if (prec === undefined || prec < minPrec) break;
      pos++;
      const rhs = binary(prec + 1);
      lhs = applyBinary(t.v, lhs, rhs);
    }
    return lhs;
  };
  const ternary = (): bigint => {
    const c = binary(1);
    if (!isOp(peek(), '?')) return c;
    pos++;
    const a = ternary();
    if (!isOp(toks[pos++], ':')) throw new ConstExprError("expected ':'");
    const e = ternary();
    return c !== 0n ? a : e;
  };
  const v = ternary();
  if (pos !== toks.length) throw new ConstExprError('trailing tokens in expression');
  return v;
}
