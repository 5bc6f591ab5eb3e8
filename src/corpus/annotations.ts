// The test annotations of bpf_misc.h (`__success`, `__msg(...)`, ...) read
// from a function's declaration head, as test_loader.c interprets them.

import type { ProgType } from '../isa/program.js';
import {
  BPF_F_ANY_ALIGNMENT, BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_RND_HI32,
  BPF_F_TEST_STATE_FREQ, BPF_F_XDP_HAS_FRAGS,
} from '../isa/program.js';
import { matchBracket, stringConcat } from './cScan.js';

export const BPF_F_TEST_REG_INVARIANTS = 1 << 7;

/** What one load mode (privileged or unprivileged) is expected to do. */
export interface ModeExpect {
  /** true: load must succeed; false: must fail; undefined: not tested in this mode. */
  success?: boolean;
  /** `__msg` patterns, in order; `{{...}}` parts are regexes. */
  msgs: string[];
  retval?: number;
}

export interface CorpusExpect {
  /** Privileged-mode verdict expectation (what we can check: we load as root). */
  success?: boolean;
  msgs: string[];
  logLevel?: number;
  retval?: number;
  /** Only unprivileged annotations: the privileged mode is not tested by the selftests. */
  unprivOnly: boolean;
  unpriv: ModeExpect;
  description?: string;
  /** `__xlated` lines (post-rewrite disassembly); kept, not checked. */
  xlated: string[];
  auxiliary: boolean;
  /** `__arch_*` / `__arch("X")` values; empty means any arch. */
  arch: string[];
  /** `__load_if_JITed` / `__load_if_no_JITed`. */
  loadMode?: 'jited' | 'no_jited';
}

export interface Attr {
  name: string;
  args?: string;
}

export interface ParsedHead {
  name: string;
  sec?: string;
  isStatic: boolean;
  attrs: Attr[];
}

/** Splits a declaration head into attribute-like tokens and the function name. */
export function parseHead(head: string): ParsedHead {
  const attrs: Attr[] = [];
  let i = 0;
  let isStatic = false;
  let last: Attr | undefined;
  while (i < head.length) {
    const ch = head[i]!;
    if (/\s/.test(ch) || ch === '*') { i++; continue; }
    const m = /^[A-Za-z_]\w*/.exec(head.slice(i));
    if (!m) { i++; continue; }
    const name = m[0];
    i += name.length;
    let j = i;
    while (j < head.length && /\s/.test(head[j]!)) j++;
    if (head[j] === '(') {
      const close = matchBracket(head, j);
      last = { name, args: head.slice(j + 1, close) };
      attrs.push(last);
      i = close + 1;
    } else {
      if (name === 'static') isStatic = true;
      last = { name };
      attrs.push(last);
    }
  }
  if (!last || last.args === undefined) throw new Error('declaration head has no function name');
  attrs.pop();
  const secAttr = attrs.find((a) => a.name === 'SEC');
  const sec = secAttr?.args !== undefined ? stringConcat(secAttr.args) : undefined;
  return { name: last.name, sec, isStatic, attrs };
}

export const FLAG_NAMES: Readonly<Record<string, number>> = {
  BPF_F_STRICT_ALIGNMENT,
  BPF_F_ANY_ALIGNMENT,
  BPF_F_TEST_RND_HI32,
  BPF_F_TEST_STATE_FREQ,
  BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
  BPF_F_TEST_REG_INVARIANTS,
};

const RETVAL_NAMES: Readonly<Record<string, number>> = {
  INT_MIN: -2147483648,
  _INT_MIN: -2147483648,
  POINTER_VALUE: 0xbadcafe,
  TEST_DATA_LEN: 64,
};

function parseIntC(text: string): number | undefined {
  const t = text.trim();
  if (t in RETVAL_NAMES) return RETVAL_NAMES[t];
  if (/^-?0x[0-9a-f]+$/i.test(t)) return Number(BigInt.asIntN(32, BigInt(t.replace('-', ''))) * (t.startsWith('-') ? -1n : 1n));
  if (/^-?\d+$/.test(t)) return Number(t);
  return undefined;
}

/** Annotations this reader does not understand make the program skipped. */
const IGNORED = new Set(['SEC', '__naked', '__noinline', '__used', 'static', 'inline', '__always_inline',
  'void', 'int', 'long', 'unsigned', 'char', 'short', 'u64', 'u32', '__u64', '__u32', 'bool',
  '__attribute__', '__clobber_all', '__caps_unpriv', '__btf_path', '__weak', '__hidden', '__noinline_']);

export interface ExpectParse {
  expect: CorpusExpect;
  flags: number;
  /** Why the program cannot be taken (unknown annotation, bad value). */
  problem?: string;
}

export function parseExpect(attrs: Attr[]): ExpectParse {
  const priv: ModeExpect = { msgs: [] };
  const unpriv: ModeExpect = { msgs: [] };
  let privMode = false;
  let unprivMode = false;
  let hasUnprivResult = false;
  let hasUnprivRetval = false;
  let flags = 0;
  let logLevel: number | undefined;
  let description: string | undefined;
  const xlated: string[] = [];
  const arch: string[] = [];
  let auxiliary = false;
  let loadMode: 'jited' | 'no_jited' | undefined;
  let problem: string | undefined;
  const str = (a: Attr): string => {
    const s = a.args !== undefined ? stringConcat(a.args) : undefined;
    if (s === undefined) {
      problem ??= `annotation ${a.name}(${a.args ?? ''}) is not a string literal`;
      return '';
    }
    return s;
  };
  for (const a of attrs) {
    switch (a.name) {
      case '__success': priv.success = true; privMode = true; break;
      case '__failure': priv.success = false; privMode = true; break;
      case '__success_unpriv': unpriv.success = true; unprivMode = true; hasUnprivResult = true; break;
      case '__failure_unpriv': unpriv.success = false; unprivMode = true; hasUnprivResult = true; break;
      case '__msg': case '__regex': priv.msgs.push(a.name === '__regex' ? `{{${str(a)}}}` : str(a)); privMode = true; break;
      case '__msg_unpriv': case '__regex_unpriv':
        unpriv.msgs.push(a.name === '__regex_unpriv' ? `{{${str(a)}}}` : str(a)); unprivMode = true; break;
      case '__retval': case '__retval_unpriv': {
        const v = parseIntC(a.args ?? '');
        if (v === undefined) problem ??= `cannot parse ${a.name}(${a.args ?? ''})`;
        if (a.name === '__retval') { priv.retval = v; privMode = true; } else { unpriv.retval = v; unprivMode = true; hasUnprivRetval = true; }
        break;
      }
      case '__log_level': {
        const v = parseIntC(a.args ?? '');
        if (v === undefined) problem ??= `cannot parse __log_level(${a.args ?? ''})`;
        else logLevel = v;
        break;
      }
      case '__flag': {
        let t = (a.args ?? '').trim();
        const clear = t.startsWith('!');
        if (clear) t = t.slice(1).trim();
        const v = FLAG_NAMES[t] ?? parseIntC(t);
        if (v === undefined) { problem ??= `unknown __flag(${t})`; break; }
        flags = clear ? flags & ~v : flags | v;
        break;
      }
      case '__description': description = str(a); break;
      case '__xlated': case '__xlated_unpriv': xlated.push(str(a)); break;
      case '__jited': case '__jited_unpriv': break; // JIT output is not examined
      case '__auxiliary': auxiliary = true; privMode = true; break;
      case '__auxiliary_unpriv': auxiliary = true; unprivMode = true; break;
      case '__arch': arch.push(str(a)); break;
      case '__load_if_JITed': loadMode = 'jited'; break;
      case '__load_if_no_JITed': loadMode = 'no_jited'; break;
      default:
        if (a.name.startsWith('__arch_')) arch.push(a.name.slice(7).toUpperCase());
        else if (!IGNORED.has(a.name)) problem ??= `unknown annotation ${a.name}`;
    }
  }
  if (!privMode && !unprivMode) privMode = true;
  // test_loader: a mode's missing pieces are inherited from the privileged spec.
  if (!hasUnprivResult) unpriv.success = priv.success !== false;
  if (!unprivMode) delete unpriv.success;
  if (!hasUnprivRetval) unpriv.retval = priv.retval;
  if (unpriv.msgs.length === 0) unpriv.msgs = [...priv.msgs];
  const success = privMode ? priv.success !== false : undefined;
  const expect: CorpusExpect = {
    success,
    msgs: priv.msgs,
    unprivOnly: !privMode,
    unpriv,
    xlated,
    auxiliary,
    arch,
  };
  if (logLevel !== undefined) expect.logLevel = logLevel;
  if (priv.retval !== undefined) expect.retval = priv.retval;
  if (description !== undefined) expect.description = description;
  if (loadMode !== undefined) expect.loadMode = loadMode;
  const out: ExpectParse = { expect, flags };
  if (problem !== undefined) out.problem = problem;
  return out;
}

/** SEC("...") -> program type, or a skip reason. `?` (no autoload) is ignored. */
export function secToProgType(sec: string): ProgType | { skip: string } {
  const s = sec.replace(/^\?/, '');
  const kind = s.split('/')[0]!;
  switch (kind) {
    case 'socket': return 'socket';
    case 'xdp': return 'xdp';
    case 'kprobe': case 'kretprobe': case 'uprobe': case 'uretprobe': return 'kprobe';
    case 'raw_tp': case 'raw_tracepoint': return 'raw_tp';
    case 'tp_btf': case 'fentry': case 'fexit': case 'fmod_ret': case 'lsm': case 'lsm.s':
    case 'iter': case 'struct_ops': case 'raw_tp.w': case 'tp_btf.s': case 'fentry.s': case 'fexit.s':
      return { skip: `needs BTF (SEC("${sec}"))` };
    default: return { skip: `unsupported program type SEC("${sec}")` };
  }
}
