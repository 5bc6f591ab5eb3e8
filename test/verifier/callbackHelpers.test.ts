// Callback helpers beyond bpf_loop: bpf_for_each_map_elem (map, key, value,
// ctx), bpf_user_ringbuf_drain (a local dynptr, ctx) and bpf_find_vma
// (task, vma, ctx), synchronous
// callbacks pushed on every visit of the callsite, returning 0 or 1. The same
// programs in the model and the live kernel at log levels 1, 2 and stats
// (skipped without bpf()).
import { describe, expect, test } from 'vitest';
import { programFromAsm } from '../../src/isa/programFile.js';
import type { Program } from '../../src/isa/program.js';
import { verifyProgram } from '../../src/verifier/verify.js';
import { CopyHistory } from '../../src/history/copy.js';
import { liveProfile } from '../liveProfile.js';
import { describeAgainstLiveKernel } from './liveKernel.js';

const HEAD = `; map: arr array key=4 value=32 max=4
; funcs: static/0 static/0`;

const CASES: Array<{ name: string; src: string }> = [
  {
    name: 'a callback with a branch on the value, NULL ctx',
    src: `${HEAD}
  r1 = map 0
  r2 = func cb
  r3 = 0
  r4 = 0
  call bpf_for_each_map_elem
  if r0 > 3 goto out
  r6 = r0
out: r0 = 0
  exit
cb: r0 = *(u64 *)(r3 + 8)
  if r0 > 7 goto big
  r0 = 0
  exit
big: r0 = 1
  exit`,
  },
  {
    name: 'a stack ctx the callback counts into',
    src: `${HEAD}
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r1 = map 0
  r2 = func cb
  r3 = r10
  r3 += -8
  r4 = 0
  call bpf_for_each_map_elem
  r0 = *(u64 *)(r10 - 8)
  r0 &= 1
  exit
cb: r1 = *(u64 *)(r4 + 0)
  r1 += 1
  *(u64 *)(r4 + 0) = r1
  r0 = 0
  exit`,
  },
  {
    name: 'user_ringbuf_drain with a stack ctx and a branch in the callback',
    src: `; map: rb user_ringbuf key=0 value=0 max=4096
; funcs: static/0 static/0
  r1 = 5
  *(u64 *)(r10 - 8) = r1
  r1 = map 0
  r2 = func cb
  r3 = r10
  r3 += -8
  r4 = 0
  call bpf_user_ringbuf_drain
  if r0 s< 0 goto out
  r0 = 0
out: exit
cb: r0 = *(u64 *)(r2 + 0)
  if r0 > 4 goto one
  r0 = 0
  exit
one: r0 = 1
  exit`,
  },
  {
    name: 'user_ringbuf_drain of an array map',
    src: `${HEAD}
  r1 = map 0
  r2 = func cb
  r3 = 0
  r4 = 0
  call bpf_user_ringbuf_drain
  r0 = 0
  exit
cb: r0 = 0
  exit`,
  },
  {
    name: 'a lookup in a user ring buffer',
    src: `; map: rb user_ringbuf key=0 value=0 max=4096
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r2 = r10
  r2 += -8
  r1 = map 0
  call bpf_map_lookup_elem
  r0 = 0
  exit`,
  },
  {
    name: 'find_vma of the current task, a kprobe, the callback reads its stack ctx',
    src: `; type: kprobe
; funcs: static/0 static/0
  r1 = 3
  *(u64 *)(r10 - 8) = r1
  call bpf_get_current_task_btf
  r1 = r0
  r2 = 0
  r3 = func cb
  r4 = r10
  r4 += -8
  r5 = 0
  call bpf_find_vma
  r0 = 0
  exit
cb: r0 = *(u64 *)(r3 + 0)
  r0 &= 1
  exit`,
  },
  {
    name: 'find_vma of a scalar',
    src: `; funcs: static/0 static/0
  r1 = 0
  r2 = 0
  r3 = func cb
  r4 = 0
  r5 = 0
  call bpf_find_vma
  r0 = 0
  exit
cb: r0 = 0
  exit`,
  },
  {
    name: 'a callback returning 2',
    src: `${HEAD}
  r1 = map 0
  r2 = func cb
  r3 = 0
  r4 = 0
  call bpf_for_each_map_elem
  r0 = 0
  exit
cb: r0 = 2
  exit`,
  },
];

const program = (c: (typeof CASES)[number]): Program => programFromAsm(c.src, undefined, c.name);
const model = (p: Program, logLevel: number) => verifyProgram(p, { history: new CopyHistory(), logLevel, profile: liveProfile() });

describe('bpf_for_each_map_elem in the model', () => {
  test('the callback frame gets map, key, value and ctx, and returns to the callsite', () => {
    const log = model(program(CASES[0]!), 2).log ?? '';
    expect(log).toMatch(/\nfrom 6 to 11: frame1: R1=map_ptr\(ks=4,vs=32\) R2=map_key\(ks=4,vs=32\) R3=map_value\((id=\d+,)?ks=4,vs=32\) R4=0 R10=fp0 cb\n/);
    expect(log).toContain('to caller at 6:');
  });

  test('a user ring buffer callback gets a local dynptr and the ctx', () => {
    const log = model(program(CASES[2]!), 2).log ?? '';
    expect(log).toMatch(/\nfrom 9 to 13: frame1: R1=dynptr_ptr\(id=\d+,type=local\) R2=fp\[0\]-8 R10=fp0 cb\n/);
  });

  test('map types go only to the helpers that take them', () => {
    expect(model(program(CASES[3]!), 0)).toMatchObject({ verdict: 'reject', errno: 22, error: 'cannot pass map_type 2 into func bpf_user_ringbuf_drain#209' });
    // a ring buffer has no key: the lookup fails on the key read before the map type is checked
    expect(model(program(CASES[4]!), 0)).toMatchObject({ verdict: 'reject', errno: 13, error: 'invalid zero-sized read' });
  });

  test('find_vma: a trusted task in, the vma and the ctx in the callback', () => {
    const log = model(program(CASES[5]!), 2).log ?? '';
    expect(log).toMatch(/\nfrom 10 to 13: frame1: R1=trusted_ptr_task_struct\(\) R2=ptr_vm_area_struct\(\) R3=fp\[0\]-8 R10=fp0 cb\n/);
    expect(model(program(CASES[6]!), 0)).toMatchObject({ verdict: 'reject', errno: 13, error: 'R1 type=scalar expected=ptr_, trusted_ptr_, rcu_ptr_' });
  });

  test('the return range is [0, 1]', () => {
    expect(model(program(CASES[7]!), 0)).toMatchObject({
      verdict: 'reject', errno: 22, error: 'At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]',
    });
  });
});

describeAgainstLiveKernel('callback helpers', CASES.map(program), model);
