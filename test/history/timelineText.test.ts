// The audit's record of a scripted run, exactly: the timeline events, the
// violation objects, the text printout and the JSON report. The script has one
// of each event kind, a no-clobber, a read-fidelity and a read-after-finalize.
import { describe, expect, it } from 'vitest';
import { AuditedHistory } from '../../src/history/audited.js';
import { SharedHistory } from '../../src/history/shared.js';
import { PinnedHistory } from '../../src/history/pinned.js';
import { CopyHistory } from '../../src/history/copy.js';
import { fmtEntry, fmtSlice, fmtViolation, formatTimeline, timelineJson } from '../../src/history/timeline.js';
import type { HistOwner } from '../../src/history/history.js';

interface O extends HistOwner {
  parent: O | null;
}
const mk = (h: AuditedHistory, id: number): O => ({ id, hist: h.newSlot(), parent: null });

/** s0 = cur (owner 10), s1 = checkpoint P (11), s2 = a fresh writer x (12), s3 = async callback (13). */
function scripted(): AuditedHistory {
  const h = new AuditedHistory(new SharedHistory());
  const cur = mk(h, 10); //                                   seq 0  create s0 (insn -1)
  h.push(cur, { idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, 1); // 1  push @0
  h.combineLast(cur, 0x208, 5n, 1); //                        2  combine @0
  const P = mk(h, 11); //                                     3  create s1
  h.copyInto(P, cur, 'checkpoint', 2); //                     4  copy s0 -> s1
  h.seal(P, 'checkpoint', 2); //                              5  seal s1
  cur.parent = P;
  h.resetForChild(cur, P, 2); //                              6  reset s0 -> [1,1)
  const x = mk(h, 12); //                                     7  create s2
  h.push(x, { idx: 7, prevIdx: 6, flags: 0, linkedRegs: 0n }, 7); // 8 push @0, 9 no-clobber (P is sealed)
  h.cursor(P, 3); //                                          10 read s1, 11 read-fidelity
  const cb = mk(h, 13); //                                    12 create s3
  h.startAsyncCallback(cb, cur, 4); //                        13 async s3 [1,1)
  h.finalize(cur, 5); //                                      14 finalize s0
  h.release(cur, 6); //                                       15 release s0
  h.cursor(cur, 7); //                                        16 read s0, 17 read-after-finalize warning
  return h;
}

const sl = (sid: number, start: number, end: number, count: number, life: string) => ({ sid, start, end, count, life });

describe('the audit record of a scripted run', () => {
  it('has these events and violations, in order', () => {
    const h = scripted();
    const noClobber = {
      seq: 9, kind: 'no-clobber', severity: 'error', op: 'push', insnIdx: 7, states: [2, 1],
      slices: [sl(2, 0, 1, 1, 'active'), sl(1, 0, 1, 1, 'sealed')],
      detail: 'write at index 0 by s2 lands inside sealed (checkpoint) s1 [0,1)', writeIndex: 0,
    };
    const fidelity = {
      seq: 11, kind: 'read-fidelity', severity: 'error', op: 'read', insnIdx: 3, states: [1],
      slices: [sl(1, 0, 1, 1, 'sealed')],
      detail: 's1 reads 1 entries, copy holds 1; first difference at entry 0; index 0 last written by s2 at insn 7 (event 9)',
      expected: [{ idx: 1, prevIdx: 0, flags: 0x208, linkedRegs: 5n }],
      actual: [{ idx: 7, prevIdx: 6, flags: 0, linkedRegs: 0n }],
      overwrittenBy: { sid: 2, insnIdx: 7, seq: 9 },
    };
    const stale = {
      seq: 17, kind: 'read-after-finalize', severity: 'warning', op: 'read', insnIdx: 7, states: [0],
      slices: [sl(0, 1, 1, 0, 'released')],
      detail: 'history of released state s0 is read (the patch assumes only active states are read)',
    };
    expect(h.violations()).toStrictEqual([noClobber, fidelity]);
    expect(h.warnings()).toStrictEqual([stale]);
    expect(h.timeline()).toStrictEqual([
      { seq: 0, insnIdx: -1, op: 'create', sid: 0 },
      { seq: 1, insnIdx: 1, op: 'push', sid: 0, entry: { idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, slice: sl(0, 0, 1, 1, 'active'), writeIndex: 0 },
      { seq: 2, insnIdx: 1, op: 'combine', sid: 0, why: 'flags|=208', writeIndex: 0 },
      { seq: 3, insnIdx: 1, op: 'create', sid: 1 },
      { seq: 4, insnIdx: 2, op: 'copy', sid: 1, other: 0, why: 'checkpoint', slice: sl(1, 0, 1, 1, 'active') },
      { seq: 5, insnIdx: 2, op: 'seal', sid: 1, why: 'checkpoint', slice: sl(1, 0, 1, 1, 'sealed') },
      { seq: 6, insnIdx: 2, op: 'reset', sid: 0, other: 1, slice: sl(0, 1, 1, 0, 'active') },
      { seq: 7, insnIdx: 2, op: 'create', sid: 2 },
      { seq: 8, insnIdx: 7, op: 'push', sid: 2, entry: { idx: 7, prevIdx: 6, flags: 0, linkedRegs: 0n }, slice: sl(2, 0, 1, 1, 'active'), writeIndex: 0 },
      { seq: 9, insnIdx: 7, op: 'violation', sid: 2, violation: noClobber },
      { seq: 10, insnIdx: 3, op: 'read', sid: 1, count: 1, slice: sl(1, 0, 1, 1, 'sealed') },
      { seq: 11, insnIdx: 3, op: 'violation', sid: 1, violation: fidelity },
      { seq: 12, insnIdx: 3, op: 'create', sid: 3 },
      { seq: 13, insnIdx: 4, op: 'async', sid: 3, other: 0, slice: sl(3, 1, 1, 0, 'active') },
      { seq: 14, insnIdx: 5, op: 'finalize', sid: 0, slice: sl(0, 1, 1, 0, 'finalized') },
      { seq: 15, insnIdx: 6, op: 'release', sid: 0, slice: sl(0, 1, 1, 0, 'finalized') },
      { seq: 16, insnIdx: 7, op: 'read', sid: 0, count: 0, slice: sl(0, 1, 1, 0, 'released') },
      { seq: 17, insnIdx: 7, op: 'violation', sid: 0, violation: stale },
    ]);
    expect(h.states()).toStrictEqual([
      { sid: 0, ownerId: 10, origin: 'new', slice: sl(0, 1, 1, 0, 'released') },
      { sid: 1, ownerId: 11, origin: 'checkpoint', sealedWhy: 'checkpoint', slice: sl(1, 0, 1, 1, 'sealed') },
      { sid: 2, ownerId: 12, origin: 'new', slice: sl(2, 0, 1, 1, 'active') },
      { sid: 3, ownerId: 13, origin: 'async', slice: sl(3, 1, 1, 0, 'active') },
    ]);
    expect(h.droppedEvents()).toBe(0);
  });

  const noClobberText = [
    'VIOLATION no-clobber at insn 7 (push, event 9): write at index 0 by s2 lands inside sealed (checkpoint) s1 [0,1)',
    '  slices: s2[0,1) active  s1[0,1) sealed',
  ];
  const fidelityText = [
    'VIOLATION read-fidelity at insn 3 (read, event 11): s1 reads 1 entries, copy holds 1; first difference at entry 0; index 0 last written by s2 at insn 7 (event 9)',
    '  slices: s1[0,1) sealed',
    '  copy holds: 1<-0 f=0x208 lr=0x5',
    '  read:       7<-6',
  ];
  const staleText = [
    'warning read-after-finalize at insn 7 (read, event 17): history of released state s0 is read (the patch assumes only active states are read)',
    '  slices: s0[1,1) released',
  ];
  const at = (seq: number, insn: number) => `${String(seq).padStart(6)} insn ${String(insn).padStart(4)}  `;
  const head = [
    'history timeline for audited(shared)',
    `${at(0, -1)}create   s0`,
    `${at(1, 1)}push     s0 1<-0 @0 s0[0,1) active`,
    `${at(2, 1)}combine  s0 flags|=208 @0`,
    `${at(3, 1)}create   s1`,
    `${at(4, 2)}copy     s0 -> s1 (checkpoint) s1[0,1) active`,
    `${at(5, 2)}seal     s1 (checkpoint) s1[0,1) sealed`,
    `${at(6, 2)}reset    s0 child of s1 s0[1,1) active`,
    `${at(7, 2)}create   s2`,
    `${at(8, 7)}push     s2 7<-6 @0 s2[0,1) active`,
    ...noClobberText.map((l) => `${at(9, 7)}${l}`),
  ];
  const read10 = `${at(10, 3)}read     s1 1 entries s1[0,1) sealed`;
  const middle = [
    ...fidelityText.map((l) => `${at(11, 3)}${l}`),
    `${at(12, 3)}create   s3`,
    `${at(13, 4)}async    s3 from s0 s3[1,1) active`,
    `${at(14, 5)}finalize s0 s0[1,1) finalized`,
    `${at(15, 6)}release  s0 s0[1,1) finalized`,
  ];
  const read16 = `${at(16, 7)}read     s0 0 entries s0[1,1) released`;
  const tail = [
    ...staleText.map((l) => `${at(17, 7)}${l}`),
    'states:',
    '  s0[1,1) released origin=new owner=10',
    '  s1[0,1) sealed origin=checkpoint sealed=checkpoint owner=11',
    '  s2[0,1) active origin=new owner=12',
    '  s3[1,1) active origin=async owner=13',
    'violations: 2, warnings: 1',
    ...noClobberText,
    ...fidelityText,
  ];

  it('prints as text, without reads by default', () => {
    const h = scripted();
    expect(formatTimeline(h)).toBe(`${[...head, ...middle, ...tail].join('\n')}\n`);
    expect(formatTimeline(h, { reads: true })).toBe(`${[...head, read10, ...middle, read16, ...tail].join('\n')}\n`);
  });

  it('cuts the printout at maxLines and says how many events were left out', () => {
    const h = scripted();
    // 16 events without the two reads: 3 shown, 13 more.
    const text = formatTimeline(h, { maxLines: 3 }).split('\n');
    expect(text.slice(0, 5)).toEqual([head[0], head[1], head[2], head[3], '... 13 more events']);
    expect(text[5]).toBe('states:');
    expect(formatTimeline(h, { maxLines: 16 })).toBe(formatTimeline(h));
  });

  it('says how many events the timeline cap dropped', () => {
    const h = new AuditedHistory(new SharedHistory(), { maxEvents: 2 });
    const a = mk(h, 1);
    h.push(a, { idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, 1);
    h.push(a, { idx: 2, prevIdx: 1, flags: 0, linkedRegs: 0n }, 2); // the third event: dropped
    mk(h, 2); // the fourth
    expect(h.droppedEvents()).toBe(2);
    expect(h.timeline().map((e) => e.seq)).toEqual([0, 1]);
    expect(formatTimeline(h)).toBe([
      'history timeline for audited(shared)',
      `${at(0, -1)}create   s0`,
      `${at(1, 1)}push     s0 1<-0 @0 s0[0,1) active`,
      '... 2 events not recorded (timeline cap)',
      'states:',
      '  s0[0,2) active origin=new owner=1',
      '  s1[0,0) active origin=new owner=-1',
      'violations: 0, warnings: 0',
      '',
    ].join('\n'));
  });

  it('formats slices, entries and violations of every shape', () => {
    expect(fmtSlice({ sid: 4, count: 2, life: 'sealed' })).toBe('s4#2 sealed');
    expect(fmtSlice({ sid: 4, start: 3, end: 5, count: 2, life: 'finalized', detached: true })).toBe('s4[3,5) moved-out finalized');
    expect(fmtSlice({ sid: 4, start: 3, count: 2, life: 'active' })).toBe('s4#2 active');
    expect(fmtSlice({ sid: 4, end: 3, count: 2, life: 'active' })).toBe('s4#2 active');
    expect(fmtEntry({ idx: 5, prevIdx: 4, flags: 0, linkedRegs: 0n })).toBe('5<-4');
    expect(fmtEntry({ idx: 5, prevIdx: 4, flags: 0x600, linkedRegs: 0n })).toBe('5<-4 f=0x600');
    expect(fmtEntry({ idx: 5, prevIdx: 4, flags: 0, linkedRegs: 0xabn })).toBe('5<-4 lr=0xab');
    const base = { seq: 3, kind: 'read-fidelity' as const, severity: 'error' as const, op: 'read' as const, insnIdx: 8, states: [1], detail: 'd' };
    const two = [{ sid: 1, count: 0, life: 'active' as const }, { sid: 2, count: 1, life: 'sealed' as const }];
    expect(fmtViolation({ ...base, slices: two, expected: [], actual: [{ idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, { idx: 2, prevIdx: 1, flags: 0, linkedRegs: 0n }] })).toBe(
      'VIOLATION read-fidelity at insn 8 (read, event 3): d\n  slices: s1#0 active  s2#1 sealed\n  copy holds: (none)\n  read:       1<-0, 2<-1');
    expect(fmtViolation({ ...base, slices: two, expected: [{ idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, { idx: 2, prevIdx: 1, flags: 0, linkedRegs: 0n }], actual: [] })).toBe(
      'VIOLATION read-fidelity at insn 8 (read, event 3): d\n  slices: s1#0 active  s2#1 sealed\n  copy holds: 1<-0, 2<-1\n  read:       (none)');
    // Only one of the two lists: no entry lines.
    expect(fmtViolation({ ...base, slices: [], expected: [] })).toBe('VIOLATION read-fidelity at insn 8 (read, event 3): d\n  slices: ');
    expect(fmtViolation({ ...base, slices: [], actual: [] })).toBe('VIOLATION read-fidelity at insn 8 (read, event 3): d\n  slices: ');
    expect(fmtViolation({ ...base, severity: 'warning', slices: [] })).toBe('warning read-fidelity at insn 8 (read, event 3): d\n  slices: ');
  });

  it('prints an audit of copy without indices, and states other than s0 as sources', () => {
    const h = new AuditedHistory(new CopyHistory());
    mk(h, 1);
    const a = mk(h, 2);
    h.push(a, { idx: 1, prevIdx: 0, flags: 0, linkedRegs: 0n }, 1);
    h.combineLast(a, 0x10, 0n, 1);
    const b = mk(h, 3);
    h.copyInto(b, a, 'push_stack', 2);
    const cb = mk(h, 4);
    h.startAsyncCallback(cb, a, 3);
    expect(formatTimeline(h)).toBe([
      'history timeline for audited(copy)',
      `${at(0, -1)}create   s0`,
      `${at(1, -1)}create   s1`,
      `${at(2, 1)}push     s1 1<-0 s1#1 active`,
      `${at(3, 1)}combine  s1 flags|=10`,
      `${at(4, 1)}create   s2`,
      `${at(5, 2)}copy     s1 -> s2 (push_stack) s2#1 active`,
      `${at(6, 2)}create   s3`,
      `${at(7, 3)}async    s3 from s1 s3#0 active`,
      'states:',
      '  s0#0 active origin=new owner=-1',
      '  s1#1 active origin=new owner=2',
      '  s2#1 active origin=push_stack owner=3',
      '  s3#0 active origin=async owner=4',
      'violations: 0, warnings: 0',
      '',
    ].join('\n'));
  });
});

describe('the JSON report', () => {
  it('is JSON-safe: linked registers as hex, moved-out slices flagged, reads left out unless asked', () => {
    const h = new AuditedHistory(new PinnedHistory());
    const a = mk(h, 1);
    h.push(a, { idx: 3, prevIdx: 2, flags: 0x400, linkedRegs: 0x1fn }, 3);
    const B = mk(h, 2);
    h.copyInto(B, a, 'backedge', 4); // pinned: B [0,1) is pinned (not sealed: no protection asked)
    const x = mk(h, 3);
    h.push(x, { idx: 9, prevIdx: 8, flags: 0, linkedRegs: 0n }, 9); // index 0: B moves out
    h.cursor(B, 10);
    const slice = (sid: number, detached?: boolean) => ({ sid, start: 0, end: 1, count: 1, life: 'active', ...(detached ? { detached } : {}) });
    const events = [
      { seq: 0, insnIdx: -1, op: 'create', sid: 0 },
      { seq: 1, insnIdx: 3, op: 'push', sid: 0, entry: { idx: 3, prevIdx: 2, flags: 0x400, linkedRegs: '0x1f' }, slice: slice(0), writeIndex: 0 },
      { seq: 2, insnIdx: 3, op: 'create', sid: 1 },
      { seq: 3, insnIdx: 4, op: 'copy', sid: 1, other: 0, why: 'backedge', slice: slice(1) },
      { seq: 4, insnIdx: 4, op: 'create', sid: 2 },
      { seq: 5, insnIdx: 9, op: 'push', sid: 2, entry: { idx: 9, prevIdx: 8, flags: 0, linkedRegs: '0x0' }, slice: slice(2), writeIndex: 0 },
    ];
    const report = {
      history: 'audited(pinned)',
      // shared: one kvrealloc (16 bytes), 2 pushes, peak 1; arena: one growth (64 entries), 1 entry moved.
      stats: { allocations: 2, entriesCopied: 1, entriesWritten: 2, peakEntries: 2, growthEvents: 2, bytes: 16 + 64 * 16 },
      states: [
        { sid: 0, ownerId: 1, origin: 'new', slice: slice(0) },
        { sid: 1, ownerId: 2, origin: 'backedge', slice: slice(1, true) },
        { sid: 2, ownerId: 3, origin: 'new', slice: slice(2) },
      ],
      events,
      droppedEvents: 0,
      violations: [],
      warnings: [],
    };
    const text = timelineJson(h);
    expect(JSON.parse(text)).toStrictEqual(report);
    expect(text).toContain('"linkedRegs":"0x1f"');
    expect(JSON.parse(timelineJson(h, { reads: true }))).toStrictEqual({
      ...report,
      events: [...events, { seq: 6, insnIdx: 10, op: 'read', sid: 1, count: 1, slice: slice(1, true) }],
    });
    expect(timelineJson(h, { indent: 2 }).split('\n')[1]).toBe('  "history": "audited(pinned)",');
    expect(h.stats()).toEqual(report.stats);
  });
});
