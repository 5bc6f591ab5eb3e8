// The fuzz campaign coordinator: hands run indices to worker threads in
// order, records results, writes each counterexample as soon as it arrives,
// and stops on --runs, --time, --max-failures or a signal. Workers are used
// when the compiled worker module exists (the CLI); under vitest (TypeScript
// sources) the runs happen inline on the calling thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PropertyName } from '../../properties/types.js';
import { writeCounterexample, type Counterexample } from '../report/counterexample.js';
import type { FuzzConfig } from './config.js';
import { shardRun, shardRuns } from './plan.js';
import { flagsOver, runCase, STOP_RUNS, STOP_SHRINK, type Failure, type RunResult } from './runCase.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export type StopReason = 'runs' | 'time' | 'max-failures' | 'SIGINT' | 'SIGTERM' | 'error';

export interface PropertyTally {
  passed: number;
  skipped: number;
  failed: number;
  /** Skip reasons (first 100 characters) and how often they occurred. */
  skipReasons: Record<string, number>;
}

export interface FailureReport {
  property: PropertyName;
  index: number;
  preset: string;
  file: string;
  insns: number;
  originalInsns: number;
  treeInsns: number;
  summary: string;
  /** ms from the campaign start until the failing run was checked (time to catch). */
  foundMs: number;
  shrinkMs: number;
  shrinkInterrupted: boolean;
}

export interface FuzzReport {
  seed: number;
  shard: string;
  presets: string[];
  properties: PropertyName[];
  backedge: boolean;
  /** Kernel profile the model followed. */
  profile: string;
  a: string;
  b: string;
  fault?: string;
  workers: number;
  /** Runs completed. */
  runs: number;
  /** Runs handed out but dropped on a stop request. */
  dropped: number;
  elapsedMs: number;
  programsPerSec: number;
  programsPerSecPerWorker: number;
  stoppedBy: StopReason;
  tally: Partial<Record<PropertyName, PropertyTally>>;
  failures: FailureReport[];
  errors: string[];
}

export interface FuzzHooks {
  /** A failure was found and written unshrunk (the shrunk file replaces it later). */
  onFound?(f: FailureReport): void;
  /** A shrunk counterexample was written. */
  onFailure?(f: FailureReport, c: Counterexample): void;
}

/** How long a busy worker may take after a stop request before it is terminated. */
const SIGNAL_GRACE_MS = 3000;
const STOP_GRACE_MS = 5000;

export interface FuzzProgress {
  runs: number;
  failures: number;
  elapsedMs: number;
}

const BATCH = 2;

/** The compiled worker module, when it exists next to this one. */
function workerUrl(): URL | undefined {
  const url = new URL('./worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return undefined;
  try {
    return existsSync(fileURLToPath(url)) ? url : undefined;
  } catch {
    return undefined;
  }
}

export class FuzzCampaign {
  private readonly stopBuf = new SharedArrayBuffer(8);
  private readonly stopArr = new Int32Array(this.stopBuf);
  private nextM = 0;
  private readonly limit: number;
  private dispatching = true;
  private stoppedBy: StopReason | undefined;
  private t0 = 0;
  private completed = 0;
  private dropped = 0;
  private readonly tally: Partial<Record<PropertyName, PropertyTally>> = {};
  private readonly failures: FailureReport[] = [];
  /** Failures written unshrunk whose shrunk version has not arrived (key index/property). */
  private readonly provisional = new Map<string, FailureReport>();
  private stopAt = 0;
  private readonly errors: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly threaded: boolean;

  constructor(private readonly cfg: FuzzConfig, private readonly hooks: FuzzHooks = {}, opts: { inline?: boolean } = {}) {
    this.limit = cfg.runs !== undefined ? shardRuns(cfg.shard, cfg.runs) : Number.POSITIVE_INFINITY;
    this.threaded = !opts.inline && workerUrl() !== undefined;
    for (const p of cfg.properties) this.tally[p] = { passed: 0, skipped: 0, failed: 0, skipReasons: {} };
  }

  /** Whether runs happen on worker threads (else inline). */
  get usesThreads(): boolean {
    return this.threaded;
  }

  /** Stop generating; on a signal also abandon shrinking (the best so far is kept). */
  stop(why: StopReason): void {
    this.stoppedBy ??= why;
    if (!this.stopAt) this.stopAt = Date.now();
    this.dispatching = false;
    if (why === 'time' || why === 'SIGINT' || why === 'SIGTERM' || why === 'error') Atomics.store(this.stopArr, STOP_RUNS, 1);
    if (why === 'SIGINT' || why === 'SIGTERM' || why === 'error') Atomics.store(this.stopArr, STOP_SHRINK, 1);
  }

  progress(): FuzzProgress {
    return { runs: this.completed, failures: this.failures.length + this.provisional.size, elapsedMs: this.t0 ? Date.now() - this.t0 : 0 };
  }

  private batch(): number[] {
    const out: number[] = [];
    while (this.dispatching && out.length < BATCH && this.nextM < this.limit) out.push(shardRun(this.cfg.shard, this.nextM++));
    if (this.nextM >= this.limit && this.dispatching) {
      this.dispatching = false;
      this.stoppedBy ??= 'runs';
    }
    return out;
  }

  private record(r: RunResult): void {
    this.completed++;
    for (const [name, st] of Object.entries(r.status) as [PropertyName, string][]) {
      const t = this.tally[name];
      if (!t) continue;
      if (st === 'pass') t.passed++;
      else if (st === 'fail') t.failed++;
      else {
        t.skipped++;
        const why = (r.skipReasons[name] ?? '').slice(0, 100);
        t.skipReasons[why] = (t.skipReasons[why] ?? 0) + 1;
      }
    }
    for (const f of r.failures) this.recordFailure(f, true);
  }

  private recordFailure(f: Failure, final: boolean): void {
    const now = Date.now() - this.t0;
    const c: Counterexample = {
      format: 'verihist-counterexample/1',
      property: f.property,
      summary: f.diff.summary,
      program: f.program,
      insns: f.insns,
      options: {
        backedge: this.cfg.backedge, a: this.cfg.a, b: this.cfg.b,
        ...(this.cfg.fault !== undefined && this.cfg.fault !== 'none' ? { fault: this.cfg.fault } : {}),
        fullLog: this.cfg.fullLog, stateFreq: this.cfg.stateFreq, profile: this.cfg.profile,
      },
      campaign: { seed: this.cfg.seed, index: f.index, preset: f.preset, shard: `${this.cfg.shard.index}/${this.cfg.shard.count}` },
      fastCheck: { seed: f.fcSeed, path: f.path },
      tree: f.tree,
      originalInsns: f.originalInsns,
      treeInsns: f.treeInsns,
      diff: f.diff,
      found: { at: new Date().toISOString(), elapsedMs: Math.max(0, now - f.shrinkMs), shrinkMs: f.shrinkMs, shrinkRuns: f.shrinkRuns, shrinkInterrupted: f.shrinkInterrupted },
    };
    let file: string;
    try {
      file = writeCounterexample(c, { dir: this.cfg.outDir });
    } catch (e) {
      this.errors.push(`cannot write counterexample: ${e instanceof Error ? e.message : String(e)}`);
      file = '';
    }
    const rep: FailureReport = {
      property: f.property, index: f.index, preset: f.preset, file, insns: f.insns, originalInsns: f.originalInsns,
      treeInsns: f.treeInsns, summary: f.diff.summary, foundMs: Math.max(0, now - f.shrinkMs), shrinkMs: f.shrinkMs,
      shrinkInterrupted: f.shrinkInterrupted,
    };
    const key = `${f.index}/${f.property}`;
    if (final) {
      this.provisional.delete(key);
      this.failures.push(rep);
      this.hooks.onFailure?.(rep, c);
    } else {
      this.provisional.set(key, rep);
      this.hooks.onFound?.(rep);
    }
    if (this.failures.length + this.provisional.size >= this.cfg.maxFailures) this.stop('max-failures');
  }

  async run(): Promise<FuzzReport> {
    this.t0 = Date.now();
    if (this.cfg.timeMs !== undefined) this.timer = setTimeout(() => this.stop('time'), this.cfg.timeMs);
    try {
      if (this.threaded) await this.runThreads();
      else await this.runInline();
    } finally {
      if (this.timer) clearTimeout(this.timer);
    }
    return this.report();
  }

  private async runInline(): Promise<void> {
    const flags = flagsOver(this.stopArr);
    for (;;) {
      const b = this.batch();
      if (b.length === 0) return;
      for (const index of b) {
        if (flags.noNewRuns()) {
          this.dropped++;
          continue;
        }
        try {
          this.record(runCase(this.cfg, index, flags, (f) => this.recordFailure(f, false)));
        } catch (e) {
          this.errors.push(`run ${index}: ${e instanceof Error ? e.message : String(e)}`);
          this.stop('error');
        }
        // Let timers and signal handlers run between programs.
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }

  private runThreads(): Promise<void> {
    const url = workerUrl();
    if (!url) return this.runInline();
    const n = Math.max(1, this.cfg.workers);
    const init: WorkerInit = { cfg: this.cfg, stop: this.stopBuf };
    return new Promise<void>((resolve) => {
      let live = n;
      const busy: { outstanding: Set<number>; shrinkingSince: number; worker: Worker; killed: boolean }[] = [];
      // After a stop request, a worker stuck in one long verification is terminated;
      // what it found is already on disk (written unshrunk on 'found').
      const watchdog = setInterval(() => {
        if (!this.stopAt) return;
        const now = Date.now();
        for (const b of busy) {
          if (b.killed || b.outstanding.size === 0) continue;
          const signal = this.stoppedBy === 'SIGINT' || this.stoppedBy === 'SIGTERM' || this.stoppedBy === 'error';
          const limit = signal ? this.stopAt + SIGNAL_GRACE_MS
            : b.shrinkingSince ? Math.max(this.stopAt, b.shrinkingSince) + this.cfg.shrinkTimeMs + STOP_GRACE_MS
              : this.stopAt + STOP_GRACE_MS;
          if (now > limit) {
            b.killed = true;
            this.dropped += b.outstanding.size;
            b.outstanding.clear();
            void b.worker.terminate();
          }
        }
      }, 200);
      for (let w = 0; w < n; w++) {
        const worker = new Worker(url, { workerData: init });
        const st = { outstanding: new Set<number>(), shrinkingSince: 0, worker, killed: false };
        busy.push(st);
        const send = (m: ToWorker): void => worker.postMessage(m);
        const feed = (): void => {
          const b = this.batch();
          for (const i of b) st.outstanding.add(i);
          send(b.length ? { type: 'run', indices: b } : { type: 'exit' });
        };
        worker.on('message', (m: FromWorker) => {
          if (st.killed) return;
          if (m.type === 'result') {
            st.outstanding.delete(m.result.index);
            st.shrinkingSince = 0;
            this.record(m.result);
          } else if (m.type === 'found') {
            st.shrinkingSince = Date.now();
            this.recordFailure(m.failure, false);
          } else if (m.type === 'dropped') {
            st.outstanding.delete(m.index);
            this.dropped++;
          } else if (m.type === 'error') {
            st.outstanding.delete(m.index);
            this.errors.push(`run ${m.index}: ${m.message.split('\n')[0] ?? ''}`);
            this.stop('error');
          } else feed();
        });
        worker.on('error', (e: unknown) => {
          this.errors.push(`worker ${w}: ${e instanceof Error ? e.message : String(e)}`);
          this.stop('error');
        });
        worker.on('exit', () => {
          if (--live === 0) {
            clearInterval(watchdog);
            resolve();
          }
        });
        feed();
      }
    });
  }

  report(): FuzzReport {
    const elapsedMs = Date.now() - this.t0;
    const secs = Math.max(elapsedMs, 1) / 1000;
    const workers = this.threaded ? Math.max(1, this.cfg.workers) : 1;
    const r: FuzzReport = {
      seed: this.cfg.seed,
      shard: `${this.cfg.shard.index}/${this.cfg.shard.count}`,
      presets: [...this.cfg.presets],
      properties: [...this.cfg.properties],
      backedge: this.cfg.backedge,
      profile: this.cfg.profile,
      a: this.cfg.a,
      b: this.cfg.b,
      workers,
      runs: this.completed,
      dropped: this.dropped,
      elapsedMs,
      programsPerSec: this.completed / secs,
      programsPerSecPerWorker: this.completed / secs / workers,
      stoppedBy: this.stoppedBy ?? 'runs',
      tally: this.tally,
      failures: [...this.failures, ...this.provisional.values()].sort((x, y) => x.index - y.index || x.property.localeCompare(y.property)),
      errors: [...this.errors],
    };
    if (this.cfg.fault !== undefined && this.cfg.fault !== 'none') r.fault = this.cfg.fault;
    return r;
  }
}

/** Runs a campaign to its end. */
export function runFuzz(cfg: FuzzConfig, hooks: FuzzHooks = {}, opts: { inline?: boolean } = {}): Promise<FuzzReport> {
  return new FuzzCampaign(cfg, hooks, opts).run();
}
