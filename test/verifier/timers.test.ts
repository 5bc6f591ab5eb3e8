// Async callbacks through bpf_timer: the timer helpers' checks, push_async_cb
// (a fresh, parentless state whose history starts where the caller's ends),
// the callback's entry registers and its [0, 0] return range. Offline checks
// of the model, then the same programs against the live kernel at log levels
// 1, 2 and stats (skipped without bpf()).
import { describe, expect, test } from 'vitest';
import { programFromAsm } from '../../src/isa/programFile.js';
import type { Program } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { AuditedHistory } from '../../src/history/audited.js';
import { SharedHistory } from '../../src/history/shared.js';
import type { InsnHistory } from '../../src/history/history.js';
import { findProfile } from '../../src/verifier/profile/index.js';
import { liveProfile } from '../liveProfile.js';
import { describeAgainstLiveKernel } from './liveKernel.js';

const ARRAY = '; map: tm array key=4 value=32 max=1 timer=8';
/** r6 = r0 = the value of key 0 (null-checked) */
const LOOKUP = `r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map 0
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r6 = r0`;
const INIT = `r1 = r6
  r1 += 8
  r2 = map 0
  r3 = 1
  call bpf_timer_init`;
const arm = (cb: string): string => `r1 = r6
  r1 += 8
  r2 = func ${cb}
  call bpf_timer_set_callback`;

const CASES: Array<{ name: string; src: string }> = [
  {
    name: 'init, set a callback that reads the value, start',
    src: `${ARRAY}
; funcs: static/0 static/0
  ${LOOKUP}
  ${INIT}
  ${arm('cb')}
  r1 = r6
  r1 += 8
  r2 = 1000
  r3 = 0
  call bpf_timer_start
out: r0 = 0
  exit
cb: r0 = *(u64 *)(r3 + 24)
  if r0 > 5 goto big
  r0 = 0
  exit
big: r0 = 0
  exit`,
  },
  {
    name: 'two callbacks, one armed on one branch only, a branch in each',
    src: `${ARRAY}
; funcs: static/0 static/0 static/0
  ${LOOKUP}
  ${INIT}
  ${arm('cb1')}
  call bpf_get_prandom_u32
  if r0 > 100 goto out
  ${arm('cb2')}
out: r0 = 0
  exit
cb1: r1 = *(u64 *)(r3 + 0)
  r1 &= 3
  if r1 == 2 goto two
  r0 = 0
  exit
two: r0 = r1
  r0 -= 2
  exit
cb2: r0 = 0
  exit`,
  },
  {
    name: 'a hash map value, cancel in the callback, precision through r0',
    src: `; map: th hash key=8 value=24 max=4 timer=0
; funcs: static/0 static/0
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r2 = r10
  r2 += -8
  r1 = map 0
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r6 = r0
  r1 = r0
  r2 = map 0
  r3 = 0
  call bpf_timer_init
  r1 = r6
  r2 = func cb
  call bpf_timer_set_callback
out: r0 = 0
  exit
cb: r6 = r3
  r1 = r3
  call bpf_timer_cancel
  r0 = *(u64 *)(r6 + 16)
  r0 &= 1
  r1 = r0
  r0 = 0
  if r1 != 0 goto z
  r0 = r1
z: exit`,
  },
  {
    name: 'a callback returning 1',
    src: `${ARRAY}
; funcs: static/0 static/0
  ${LOOKUP}
  ${INIT}
  ${arm('cb')}
out: r0 = 0
  exit
cb: r0 = 1
  exit`,
  },
  {
    name: 'a callback returning a pointer',
    src: `${ARRAY}
; funcs: static/0 static/0
  ${LOOKUP}
  ${arm('cb')}
out: r0 = 0
  exit
cb: r0 = r3
  exit`,
  },
  {
    name: 'a load from the timer field',
    src: `${ARRAY}
  ${LOOKUP}
  r0 = *(u64 *)(r6 + 16)
out: r0 = 0
  exit`,
  },
  {
    name: 'a helper reading the whole value (map_update from a value)',
    src: `${ARRAY}
  ${LOOKUP}
  r1 = map 0
  r2 = r10
  r2 += -4
  r3 = r6
  r4 = 0
  call bpf_map_update_elem
out: r0 = 0
  exit`,
  },
  {
    name: 'the timer pointer at the wrong offset',
    src: `${ARRAY}
  ${LOOKUP}
  r1 = r6
  r1 += 16
  call bpf_timer_cancel
out: r0 = 0
  exit`,
  },
  {
    name: 'a variable offset timer pointer',
    src: `${ARRAY}
  ${LOOKUP}
  r2 = *(u64 *)(r6 + 0)
  r2 &= 8
  r1 = r6
  r1 += r2
  call bpf_timer_cancel
out: r0 = 0
  exit`,
  },
  {
    name: 'a map without a timer',
    src: `; map: plain array key=4 value=32 max=1
  ${LOOKUP}
  ${INIT}
out: r0 = 0
  exit`,
  },
  {
    name: 'timer_init with another map',
    src: `${ARRAY}
; map: other array key=4 value=32 max=1 timer=8
  ${LOOKUP}
  r1 = r6
  r1 += 8
  r2 = map 1
  r3 = 1
  call bpf_timer_init
out: r0 = 0
  exit`,
  },
  {
    name: 'a maybe-null value as the timer',
    src: `; map: th hash key=4 value=24 max=4 timer=8
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map 0
  call bpf_map_lookup_elem
  r1 = r0
  call bpf_timer_cancel
  r0 = 0
  exit`,
  },
  {
    name: 'a kprobe program with a timer map',
    src: `${ARRAY}
; type: kprobe
  ${LOOKUP}
out: r0 = 0
  exit`,
  },
  {
    name: 'a callback that arms another callback and loops with bpf_loop',
    src: `${ARRAY}
; funcs: static/0 static/0 static/0 static/2
  ${LOOKUP}
  ${INIT}
  ${arm('cb')}
out: r0 = 0
  exit
cb: r6 = r3
  r1 = r3
  r1 += 8
  r2 = func cb2
  call bpf_timer_set_callback
  r1 = 3
  r2 = func body
  r3 = 0
  r4 = 0
  call bpf_loop
  r0 = 0
  exit
cb2: r0 = 0
  exit
body: r0 = 0
  if r1 > 1 goto one
  exit
one: r0 = 1
  exit`,
  },
];

const program = (c: (typeof CASES)[number]): Program => programFromAsm(c.src, undefined, c.name);
const model = (p: Program, logLevel: number, history: InsnHistory = new CopyHistory()) =>
  verifyProgram(p, { history, logLevel, profile: liveProfile() });
const byName = (n: string): Program => program(CASES.find((c) => c.name.startsWith(n))!);

describe('bpf_timer async callbacks in the model', () => {
  test('the callback is verified from its own fresh state, pushed at the set_callback call', () => {
    const r = model(byName('init, set'), 2);
    expect(r.verdict).toBe('accept');
    const log = r.log ?? '';
    // popped with the callsite as previous insn; the frame is marked async_cb
    expect(log).toMatch(/\nfrom 19 to 27: R1=map_ptr\(ks=4,vs=32\) R2=map_key\(ks=4,vs=32\) R3=map_value\((id=\d+,)?ks=4,vs=32\) R10=fp0 async_cb\n/);
    // the exit marks r0 precise from the callback's first insn index 0 (no parent)
    expect(log).toMatch(/mark_precise: frame0: last_idx \d+ first_idx 0 subseq_idx -1 \n/);
  });

  test('the value argument gets a fresh id only where the profile says so', () => {
    const p = byName('init, set');
    const withId = verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: findProfile('6.18.44-fc-v1272')! }).log ?? '';
    const without = verifyProgram(p, { history: new CopyHistory(), logLevel: 2, profile: findProfile('6.18.44')! }).log ?? '';
    expect(withId).toContain('R3=map_value(id=1,ks=4,vs=32) R10=fp0 async_cb');
    expect(without).toContain('R3=map_value(ks=4,vs=32) R10=fp0 async_cb');
  });

  test('the return range and the field rules are enforced with the kernel messages', () => {
    const cases: Array<[string, number, string]> = [
      ['a callback returning 1', 22, 'At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]'],
      ['a callback returning a pointer', 22, 'At async callback return the register R0 is not a known value (map_value)'],
      ['a load from the timer field', 13, 'bpf_timer cannot be accessed directly by load/store'],
      ['a helper reading', 13, 'bpf_timer cannot be accessed directly by load/store'],
      ['the timer pointer at the wrong offset', 22, "off 16 doesn't point to 'struct bpf_timer' that is at 8"],
      ['a variable offset', 22, "R1 doesn't have constant offset. bpf_timer has to be at the constant offset"],
      ['a map without a timer', 22, "map '' has to have BTF in order to use bpf_timer"],
      ['timer_init with another map', 22, "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0"],
      ['a maybe-null value', 13, 'R1 type=map_value_or_null expected=map_value'],
      ['a kprobe program', 22, 'tracing progs cannot use bpf_timer yet'],
    ];
    for (const [name, errno, error] of cases) expect(model(byName(name), 0), name).toMatchObject({ verdict: 'reject', errno, error });
  });

  test('the history hand-off: the callback state starts empty at the current end (audited shared history)', () => {
    for (const name of ['init, set', 'two callbacks', 'a callback that arms']) {
      // bpf_loop callbacks are SCC backedges: the shared design is only exact without propagation over them
      const h = new AuditedHistory(new SharedHistory());
      const r = verifyProgram(byName(name), { history: h, logLevel: 0, profile: liveProfile(), backedgePropagation: false });
      expect(r.verdict, name).toBe('accept');
      expect(h.violations(), name).toEqual([]);
    }
  });
});

describeAgainstLiveKernel('bpf_timer callbacks', CASES.map(program), model);
