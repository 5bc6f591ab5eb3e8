// Auditing wrapper: runs any history implementation with a copy shadow beside
// it, tracks every state's slice and lifetime, and checks the invariants the
// shared-history patch relies on (no-clobber, read fidelity, chain shape).
// The verifier sees the inner implementation's entries, so an audited run
// behaves exactly like a run of the inner implementation.
import type { HistoryStats } from '../result/result.js';
import { CopyHistory, CopySlot } from './copy.js';
import type { CopyReason, HistCursor, HistEntry, HistOwner, HistSlot, InsnHistory } from './history.js';
import { isIndexedHistory, type IndexedHistory } from './shared.js';

/** active: current/backedge/fresh; sealed: enqueued or checkpoint with live children; finalized: branches hit 0. */
export type Life = 'active' | 'sealed' | 'finalized' | 'released';

export type ViolationKind = 'no-clobber' | 'read-fidelity' | 'chain-shape' | 'read-after-finalize';

export type AuditOp = 'create' | 'copy' | 'seal' | 'finalize' | 'release' | 'reset' | 'async' | 'push' | 'combine' | 'read' | 'violation';

export interface SliceInfo {
  sid: number;
  /** Array indices, when the inner implementation exposes them. */
  start?: number;
  end?: number;
  /** The entries were moved out of the array (pinned design); writes at [start, end) no longer touch them. */
  detached?: boolean;
  /** Entries the copy shadow holds for the state. */
  count: number;
  life: Life;
}

/** Who last wrote one array index (indexed implementations only). */
export interface WriteRecord {
  sid: number;
  insnIdx: number;
  seq: number;
}

export interface Violation {
  seq: number;
  kind: ViolationKind;
  /** 'warning' marks a broken assumption that did not (yet) change what was read. */
  severity: 'error' | 'warning';
  op: AuditOp;
  insnIdx: number;
  /** Audit state ids (sid), the acting state first. */
  states: number[];
  slices: SliceInfo[];
  detail: string;
  writeIndex?: number;
  expected?: HistEntry[];
  actual?: HistEntry[];
  /** For read-fidelity on indexed implementations: the last writer of the first wrong index. */
  overwrittenBy?: WriteRecord;
}

export interface TimelineEvent {
  seq: number;
  op: AuditOp;
  sid: number;
  insnIdx: number;
  other?: number;
  why?: string;
  slice?: SliceInfo;
  writeIndex?: number;
  entry?: HistEntry;
  count?: number;
  ownerId?: number;
  violation?: Violation;
}

export interface StateInfo {
  sid: number;
  ownerId: number;
  origin: CopyReason | 'new' | 'async';
  sealedWhy?: string;
  slice: SliceInfo;
}

export interface AuditOptions {
  /** Throw an AuditError on the first error-severity violation. */
  throwOnViolation?: boolean;
  /** Parent link of a state; default: the owner's `parent` field. */
  parentOf?: (o: HistOwner) => HistOwner | null | undefined;
  /** Treat backedge copies as sealed until released (they are read at SCC exit). */
  protectBackedges?: boolean;
  /**
   * Also protect every checkpoint on a backedge's parent chain until the
   * backedge is released: propagation at SCC exit walks them, finished or not.
   */
  protectBackedgeChains?: boolean;
  /** Timeline cap (events past it are counted, not kept). Default 200,000. */
  maxEvents?: number;
  /** Record every read in the timeline (default true). */
  recordReads?: boolean;
  /** Stop collecting violations past this many (default 10,000). */
  maxViolations?: number;
}

export class AuditError extends Error {
  override readonly name = 'AuditError';
  constructor(readonly violation: Violation) {
    super(`history audit: ${violation.kind} at insn ${violation.insnIdx} (${violation.op}): ${violation.detail}`);
  }
}

export class AuditedSlot implements HistSlot {
  readonly kind = 'audited';
  life: Life = 'active';
  ownerId = -1;
  origin: CopyReason | 'new' | 'async' = 'new';
  sealedWhy: string | undefined;
  /** Warned once per finalization that a finalized state was read. */
  staleWarned = false;
  /** Unreleased backedges whose parent chain holds this state (protectBackedgeChains). */
  pins = 0;
  /** For a backedge: the slots it protects (itself first). */
  chain: AuditedSlot[] | null = null;
  constructor(readonly sid: number, readonly inner: HistSlot, readonly shadow: CopySlot) {}
}

const sameEntry = (a: HistEntry, b: HistEntry): boolean =>
  a.idx === b.idx && a.prevIdx === b.prevIdx && a.flags === b.flags && a.linkedRegs === b.linkedRegs;

const readAll = (c: HistCursor): HistEntry[] => {
  const out: HistEntry[] = [];
  for (let i = 0; i < c.count; i++) out.push({ ...c.at(i) });
  return out;
};

export class AuditedHistory implements InsnHistory {
  readonly name: string;
  private readonly shadowHist = new CopyHistory();
  private readonly indexed: (InsnHistory & IndexedHistory) | null;
  private readonly opts: Required<Omit<AuditOptions, 'parentOf'>>;
  private readonly parentOf: (o: HistOwner) => HistOwner | null | undefined;
  private readonly slots: AuditedSlot[] = [];
  private readonly sealed = new Set<AuditedSlot>();
  /** Slots some unreleased backedge can still read (protectBackedgeChains). */
  private readonly pinned = new Set<AuditedSlot>();
  private readonly lastWriter = new Map<number, WriteRecord>();
  private readonly events: TimelineEvent[] = [];
  private readonly found: Violation[] = [];
  private readonly warned: Violation[] = [];
  private readonly chainFlagged = new Set<string>();
  private dropped = 0;
  private seq = 0;
  private insn = -1;

  constructor(readonly inner: InsnHistory, opts: AuditOptions = {}) {
    this.name = `audited(${inner.name})`;
    this.indexed = isIndexedHistory(inner) ? inner : null;
    this.parentOf = opts.parentOf ?? ((o) => o.parent);
    this.opts = {
      throwOnViolation: opts.throwOnViolation ?? false,
      protectBackedges: opts.protectBackedges ?? false,
      protectBackedgeChains: opts.protectBackedgeChains ?? false,
      maxEvents: opts.maxEvents ?? 200_000,
      recordReads: opts.recordReads ?? true,
      maxViolations: opts.maxViolations ?? 10_000,
    };
  }

  // ---- the seam ----

  newSlot(): HistSlot {
    const slot = new AuditedSlot(this.slots.length, this.inner.newSlot(), this.shadowHist.newSlot() as CopySlot);
    this.slots.push(slot);
    this.event({ op: 'create', sid: slot.sid });
    return slot;
  }

  push(st: HistOwner, entry: HistEntry, insnIdx: number): void {
    this.insn = insnIdx;
    const s = this.slotOf(st);
    this.inner.push(this.innerOwner(st), entry, insnIdx);
    this.shadowHist.push(this.shadowOwner(st), entry);
    const w = this.indexed ? this.indexed.lastWriteIndex() : undefined;
    this.event({ op: 'push', sid: s.sid, entry: { ...entry }, slice: this.sliceInfo(s), ...(w !== undefined ? { writeIndex: w } : {}) });
    this.checkWrite(s, 'push', w);
  }

  combineLast(st: HistOwner, flags: number, linkedRegs: bigint, insnIdx?: number): void {
    this.at(insnIdx);
    const s = this.slotOf(st);
    this.inner.combineLast(this.innerOwner(st), flags, linkedRegs, insnIdx);
    this.shadowHist.combineLast(this.shadowOwner(st), flags, linkedRegs);
    const w = this.indexed ? this.indexed.lastWriteIndex() : undefined;
    this.event({ op: 'combine', sid: s.sid, why: `flags|=${flags.toString(16)}`, ...(w !== undefined ? { writeIndex: w } : {}) });
    this.checkWrite(s, 'combine', w);
  }

  copyInto(dst: HistOwner, src: HistOwner, why: CopyReason, insnIdx?: number): void {
    this.at(insnIdx);
    const d = this.slotOf(dst);
    const s = this.slotOf(src);
    this.inner.copyInto(this.innerOwner(dst), this.innerOwner(src), why, insnIdx);
    this.shadowHist.copyInto(this.shadowOwner(dst), this.shadowOwner(src), why);
    this.unseal(d);
    d.life = 'active';
    d.origin = why;
    d.staleWarned = false;
    if (why === 'backedge' && (this.opts.protectBackedges || this.opts.protectBackedgeChains)) this.sealSlot(d, 'backedge');
    if (why === 'backedge' && this.opts.protectBackedgeChains) this.pinChain(d, src);
    this.event({ op: 'copy', sid: d.sid, other: s.sid, why, slice: this.sliceInfo(d) });
    // dst takes src's parent; the verifier sets dst.parent right after this call.
    const p = this.parentOf(src);
    if (p) this.checkChild(d, this.slotOf(p), 'copy');
  }

  resetForChild(cur: HistOwner, parent: HistOwner, insnIdx?: number): void {
    this.at(insnIdx);
    const c = this.slotOf(cur);
    const p = this.slotOf(parent);
    this.inner.resetForChild(this.innerOwner(cur), this.innerOwner(parent), insnIdx);
    this.shadowHist.resetForChild(this.shadowOwner(cur));
    this.event({ op: 'reset', sid: c.sid, other: p.sid, slice: this.sliceInfo(c) });
    this.checkChild(c, p, 'reset');
    const cs = this.sliceInfo(c);
    if (cs.start !== undefined && cs.end !== undefined && cs.end !== cs.start) {
      this.violation('chain-shape', 'error', 'reset', [c.sid, p.sid], [cs, this.sliceInfo(p)],
        `new checkpoint child s${c.sid} is not empty: [${cs.start},${cs.end})`);
    }
  }

  startAsyncCallback(cbState: HistOwner, cur: HistOwner, insnIdx?: number): void {
    this.at(insnIdx);
    const cb = this.slotOf(cbState);
    const c = this.slotOf(cur);
    this.inner.startAsyncCallback(this.innerOwner(cbState), this.innerOwner(cur), insnIdx);
    this.shadowHist.startAsyncCallback(this.shadowOwner(cbState));
    cb.origin = 'async';
    this.event({ op: 'async', sid: cb.sid, other: c.sid, slice: this.sliceInfo(cb) });
    const cbs = this.sliceInfo(cb);
    const curs = this.sliceInfo(c);
    if (cbs.start !== undefined && curs.end !== undefined && (cbs.start !== curs.end || cbs.end !== cbs.start)) {
      this.violation('chain-shape', 'error', 'async', [cb.sid, c.sid], [cbs, curs],
        `async callback state s${cb.sid} must start empty at cur's end ${curs.end}, has [${cbs.start},${cbs.end})`);
    }
  }

  finalize(st: HistOwner, insnIdx?: number): void {
    this.at(insnIdx);
    const s = this.slotOf(st);
    this.inner.finalize(this.innerOwner(st), insnIdx);
    this.unseal(s);
    s.life = 'finalized';
    this.event({ op: 'finalize', sid: s.sid, slice: this.sliceInfo(s) });
  }

  seal(st: HistOwner, why: 'checkpoint' | 'enqueued', insnIdx?: number): void {
    this.at(insnIdx);
    const s = this.slotOf(st);
    this.inner.seal(this.innerOwner(st), why, insnIdx);
    this.sealSlot(s, why);
    this.event({ op: 'seal', sid: s.sid, why, slice: this.sliceInfo(s) });
  }

  release(st: HistOwner, insnIdx?: number): void {
    this.at(insnIdx);
    const s = this.slotOf(st);
    const slice = this.sliceInfo(s);
    this.inner.release(this.innerOwner(st), insnIdx);
    this.shadowHist.release(this.shadowOwner(st));
    this.unseal(s);
    if (s.chain) this.unpinChain(s);
    s.life = 'released';
    this.event({ op: 'release', sid: s.sid, slice });
  }

  cursor(st: HistOwner, insnIdx: number): HistCursor {
    this.insn = insnIdx;
    const s = this.slotOf(st);
    const got = this.inner.cursor(this.innerOwner(st), insnIdx);
    const want = this.shadowHist.cursor(this.shadowOwner(st));
    const slice = this.sliceInfo(s);
    if (this.opts.recordReads) this.event({ op: 'read', sid: s.sid, count: got.count, slice });
    this.checkRead(s, got, want);
    if ((s.life === 'finalized' || s.life === 'released') && !s.staleWarned) {
      s.staleWarned = true;
      this.violation('read-after-finalize', 'warning', 'read', [s.sid], [slice],
        `history of ${s.life} state s${s.sid} is read (the patch assumes only active states are read)`);
    }
    const p = this.parentOf(st);
    if (p) this.checkChild(s, this.slotOf(p), 'read');
    return got;
  }

  stats(): HistoryStats {
    return this.inner.stats();
  }

  // ---- results ----

  /** Error-severity violations, in order. */
  violations(): Violation[] {
    return this.found.slice();
  }

  /** Broken assumptions that did not change what was read (read-after-finalize). */
  warnings(): Violation[] {
    return this.warned.slice();
  }

  timeline(): TimelineEvent[] {
    return this.events.slice();
  }

  droppedEvents(): number {
    return this.dropped;
  }

  states(): StateInfo[] {
    return this.slots.map((s) => ({
      sid: s.sid, ownerId: s.ownerId, origin: s.origin,
      ...(s.sealedWhy !== undefined ? { sealedWhy: s.sealedWhy } : {}),
      slice: this.sliceInfo(s),
    }));
  }

  /** The audit id of a state object (for tests and reports). */
  sidOf(st: HistOwner): number {
    return this.slotOf(st).sid;
  }

  shadow(): CopyHistory {
    return this.shadowHist;
  }

  // ---- checks ----

  private checkWrite(s: AuditedSlot, op: AuditOp, w: number | undefined): void {
    if (s.life === 'sealed') {
      this.violation('no-clobber', 'error', op, [s.sid], [this.sliceInfo(s)], `s${s.sid} is sealed (${s.sealedWhy ?? ''}) and was appended to`, w);
    }
    if (w === undefined || w < 0) return;
    this.lastWriter.set(w, { sid: s.sid, insnIdx: this.insn, seq: this.seq });
    for (const o of this.sealed) this.checkLanding(s, o, w, op, `sealed (${o.sealedWhy ?? ''})`);
    for (const o of this.pinned) if (!this.sealed.has(o)) this.checkLanding(s, o, w, op, `${o.life}, on the chain of ${o.pins} unreleased backedge(s)`);
  }

  private checkLanding(s: AuditedSlot, o: AuditedSlot, w: number, op: AuditOp, what: string): void {
    if (o === s) return;
    const sl = this.sliceInfo(o);
    if (sl.detached || sl.start === undefined || sl.end === undefined || sl.start > w || w >= sl.end) return;
    this.violation('no-clobber', 'error', op, [s.sid, o.sid], [this.sliceInfo(s), sl],
      `write at index ${w} by s${s.sid} lands inside ${what} s${o.sid} [${sl.start},${sl.end})`, w);
  }

  /** The backedge d (a copy of src) and src's parent chain stay readable until d is released. */
  private pinChain(d: AuditedSlot, src: HistOwner): void {
    const chain = [d];
    for (let p = this.parentOf(src); p; p = this.parentOf(p)) chain.push(this.slotOf(p));
    for (const s of chain) {
      s.pins++;
      this.pinned.add(s);
    }
    d.chain = chain;
  }

  private unpinChain(be: AuditedSlot): void {
    for (const s of be.chain ?? []) if (--s.pins === 0) this.pinned.delete(s);
    be.chain = null;
  }

  private checkRead(s: AuditedSlot, got: HistCursor, want: HistCursor): void {
    let bad = got.count !== want.count ? Math.min(got.count, want.count) : -1;
    for (let i = 0; bad < 0 && i < want.count; i++) if (!sameEntry(got.at(i), want.at(i))) bad = i;
    if (bad < 0) return;
    const slice = this.sliceInfo(s);
    const v: Partial<Violation> = { expected: readAll(want), actual: readAll(got) };
    if (slice.start !== undefined) {
      const rec = this.lastWriter.get(slice.start + bad);
      if (rec) v.overwrittenBy = rec;
    }
    const by = v.overwrittenBy ? `; index ${(slice.start ?? 0) + bad} last written by s${v.overwrittenBy.sid} at insn ${v.overwrittenBy.insnIdx} (event ${v.overwrittenBy.seq})` : '';
    this.violation('read-fidelity', 'error', 'read', [s.sid], [slice],
      `s${s.sid} reads ${got.count} entries, copy holds ${want.count}; first difference at entry ${bad}${by}`, undefined, v);
  }

  /** A child starts where its parent ends, and the parent's slice is ordered before it. */
  private checkChild(c: AuditedSlot, p: AuditedSlot, op: AuditOp): void {
    const cs = this.sliceInfo(c);
    const ps = this.sliceInfo(p);
    if (cs.start === undefined || cs.end === undefined || ps.start === undefined || ps.end === undefined) return;
    const ok = ps.start <= ps.end && cs.start <= cs.end && cs.start === ps.end;
    if (ok) return;
    const key = `${c.sid}/${p.sid}/${cs.start}/${ps.end}`;
    if (this.chainFlagged.has(key)) return;
    this.chainFlagged.add(key);
    this.violation('chain-shape', 'error', op, [c.sid, p.sid], [cs, ps],
      `child s${c.sid} [${cs.start},${cs.end}) does not start where parent s${p.sid} [${ps.start},${ps.end}) ends`);
  }

  // ---- bookkeeping ----

  private violation(kind: ViolationKind, severity: 'error' | 'warning', op: AuditOp, states: number[], slices: SliceInfo[],
    detail: string, writeIndex?: number, extra: Partial<Violation> = {}): void {
    const list = severity === 'error' ? this.found : this.warned;
    if (list.length >= this.opts.maxViolations) return;
    const v: Violation = {
      seq: this.seq, kind, severity, op, insnIdx: this.insn, states, slices, detail,
      ...(writeIndex !== undefined ? { writeIndex } : {}), ...extra,
    };
    list.push(v);
    this.event({ op: 'violation', sid: states[0] ?? -1, violation: v });
    if (severity === 'error' && this.opts.throwOnViolation) throw new AuditError(v);
  }

  private event(e: Omit<TimelineEvent, 'seq' | 'insnIdx'>): void {
    const seq = this.seq++;
    if (this.events.length >= this.opts.maxEvents) {
      this.dropped++;
      return;
    }
    this.events.push({ seq, insnIdx: this.insn, ...e });
  }

  private at(insnIdx: number | undefined): void {
    if (insnIdx !== undefined) this.insn = insnIdx;
  }

  private sealSlot(s: AuditedSlot, why: string): void {
    s.life = 'sealed';
    s.sealedWhy = why;
    this.sealed.add(s);
  }

  private unseal(s: AuditedSlot): void {
    this.sealed.delete(s);
  }

  private slotOf(st: HistOwner): AuditedSlot {
    const s = st.hist;
    if (!(s instanceof AuditedSlot) || this.slots[s.sid] !== s) throw new Error(`audited history: state ${st.id} has a foreign '${s.kind}' slot`);
    if (s.ownerId < 0) s.ownerId = st.id;
    return s;
  }

  private innerOwner(st: HistOwner): HistOwner {
    return { id: st.id, hist: this.slotOf(st).inner };
  }

  private shadowOwner(st: HistOwner): HistOwner {
    return { id: st.id, hist: this.slotOf(st).shadow };
  }

  private sliceInfo(s: AuditedSlot): SliceInfo {
    const count = s.shadow.entries.length;
    if (!this.indexed) return { sid: s.sid, count, life: s.life };
    const { start, end, detached } = this.indexed.sliceOf({ id: s.ownerId, hist: s.inner });
    return { sid: s.sid, start, end, count, life: s.life, ...(detached ? { detached } : {}) };
  }
}
