// One booted VM running the guest loader, and the request queue to it.
//
// The host listens on a unix socket that QEMU's virtio-serial chardev
// connects to. Requests are pipelined; the guest answers in order, so the
// oldest unanswered request is the one loading. When the guest dies (kernel
// panic, QEMU exit) or a load runs past its timeout, that request is failed
// with a reason naming the program, the VM is rebooted, and the requests
// behind it are sent again.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadRequest } from '../kernel/loadRequest.js';
import { guestInitrd } from './guest.js';
import { VmError, type KernelImage } from './images.js';
import { encodeBye, encodeRequest, FrameDecoder, type GuestFrame, type OutcomeKind } from './protocol.js';
import { qemuBinary } from './qemu.js';

export interface VmReply {
  kind: OutcomeKind | 'crashed';
  errno: number;
  log: string;
  /** For 'crashed': why (timeout, guest panic) and the last console lines. */
  reason?: string;
}

export interface VmOptions {
  /** Guest memory in MiB (default 1024: level-2 logs of 1M-insn programs are large). */
  memoryMiB?: number;
  /** Seconds one load may take before the VM is declared hung (default 120). */
  loadTimeoutSec?: number;
  /** Seconds the boot may take (default 60). */
  bootTimeoutSec?: number;
}

interface Pending {
  id: number;
  label: string;
  frame: Buffer;
  resolve: (r: VmReply) => void;
}

export class Vm {
  /** The release the guest reported (uname -r). */
  release = '';
  /** Boots so far (1 + restarts after crashes). */
  boots = 0;
  /** Seconds the last boot took, to the guest's hello. */
  lastBootSec = 0;
  private proc: ChildProcess | undefined;
  private server: Server | undefined;
  private sock: Socket | undefined;
  private decoder = new FrameDecoder();
  private queue: Pending[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'verihist-vm-'));
  private booting: Promise<void> | undefined;
  private closed = false;

  constructor(readonly image: KernelImage, private readonly o: VmOptions = {}) {}

  get pending(): number {
    return this.queue.length;
  }

  /** Boots the VM (once; later calls wait for the same boot). */
  start(): Promise<void> {
    this.booting ??= this.boot();
    return this.booting;
  }

  /** Queues one load; the promise never rejects (a crash is a reply). */
  async load(req: LoadRequest, label: string): Promise<VmReply> {
    if (this.closed) throw new VmError('VM is shut down');
    await this.start();
    return new Promise<VmReply>((resolve) => {
      const id = this.nextId++;
      const p: Pending = { id, label, frame: encodeRequest(id, req), resolve };
      this.queue.push(p);
      this.sock?.write(p.frame);
      if (this.queue.length === 1) this.armTimer();
    });
  }

  /** Kills QEMU as a guest crash would (the loading request fails, the VM reboots). */
  kill(): void {
    this.proc?.kill('SIGKILL');
  }

  /** Sends bye, waits for QEMU to exit (briefly), cleans up. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      this.sock?.write(encodeBye());
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    this.teardown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private consoleTail(lines = 3): string {
    try {
      const text = readFileSync(join(this.dir, 'console.log'), 'utf8').trim().split('\n').filter((l) => l.trim() !== '');
      return text.slice(-lines).join(' | ');
    } catch {
      return '';
    }
  }

  private async boot(): Promise<void> {
    this.boots++;
    const t0 = Date.now();
    const initrd = guestInitrd(this.image);
    const sockPath = join(this.dir, `port${this.boots}.sock`);
    const server = createServer();
    this.server = server;
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(sockPath, () => res());
    });
    const args = [
      '-accel', 'tcg', '-cpu', 'max', '-smp', '1', '-m', String(this.o.memoryMiB ?? 1024),
      '-nodefaults', '-display', 'none', '-no-reboot',
      '-serial', `file:${join(this.dir, 'console.log')}`,
      '-kernel', this.image.vmlinuz, '-initrd', initrd,
      '-append', 'console=ttyS0 quiet panic=-1 oops=panic rdinit=/init',
      '-device', 'virtio-serial-pci',
      '-chardev', `socket,id=vh,path=${sockPath}`,
      '-device', 'virtserialport,chardev=vh,name=verihist',
    ];
    const proc = spawn(qemuBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const connected = new Promise<Socket>((res, rej) => {
      server.once('connection', res);
      proc.once('exit', (code) => rej(new VmError(`qemu exited (${code}) before the guest connected: ${stderr.trim().split('\n')[0] ?? ''}`)));
      proc.once('error', (e) => rej(new VmError(`cannot start ${qemuBinary()}: ${e.message}`)));
    });
    const sock = await connected;
    this.sock = sock;
    let helloSeen = false;
    const hello = new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new VmError(`guest of ${this.image.release} did not answer within ${this.o.bootTimeoutSec ?? 60} s: ${this.consoleTail() || stderr.trim()}`)), (this.o.bootTimeoutSec ?? 60) * 1000);
      const onData = (d: Buffer): void => {
        let frames: GuestFrame[];
        try {
          frames = this.decoder.push(d);
        } catch (e) {
          // after the hello nobody awaits the boot: fail the loading request instead of hanging to its timeout
          if (helloSeen) this.crashHead(e instanceof Error ? e.message : String(e));
          else rej(e);
          return;
        }
        for (const f of frames) {
          if (f.type === 'hello') {
            helloSeen = true;
            clearTimeout(t);
            res(f.release);
          } else this.onResponse(f);
        }
      };
      sock.on('data', onData);
      proc.once('exit', () => {
        clearTimeout(t);
        rej(new VmError(`guest of ${this.image.release} died while booting: ${this.consoleTail() || stderr.trim()}`));
      });
    });
    sock.on('error', () => {});
    proc.once('exit', () => this.onExit());
    try {
      this.release = await hello;
    } catch (e) {
      this.teardown();
      throw e;
    }
    this.lastBootSec = (Date.now() - t0) / 1000;
  }

  private onResponse(f: Extract<GuestFrame, { type: 'response' }>): void {
    const head = this.queue[0];
    if (!head || head.id !== f.id) return; // a reply from before a restart
    this.queue.shift();
    head.resolve({ kind: f.kind, errno: f.errno, log: f.log });
    this.clearTimer();
    if (this.queue.length > 0) this.armTimer();
  }

  private armTimer(): void {
    this.clearTimer();
    const sec = this.o.loadTimeoutSec ?? 120;
    this.timer = setTimeout(() => this.crashHead(`timeout: no answer within ${sec} s`), sec * 1000);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onExit(): void {
    if (this.closed) return;
    this.crashHead('guest died (kernel panic or QEMU exit)');
  }

  /** Fails the loading request, reboots, resends the rest. */
  private crashHead(why: string): void {
    this.clearTimer();
    const head = this.queue.shift();
    const tail = this.consoleTail();
    if (head) head.resolve({ kind: 'crashed', errno: 0, log: '', reason: `${why} while loading ${head.label}${tail ? `; console: ${tail}` : ''}` });
    const rest = this.queue;
    this.queue = [];
    this.proc?.removeAllListeners('exit');
    this.proc?.kill('SIGKILL');
    this.teardown();
    if (rest.length === 0) {
      this.booting = undefined;
      return;
    }
    this.booting = this.boot();
    this.booting.then(() => {
      for (const p of rest) {
        this.queue.push(p);
        this.sock?.write(p.frame);
      }
      this.armTimer();
    }, (e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      for (const p of rest) p.resolve({ kind: 'crashed', errno: 0, log: '', reason: `VM restart failed: ${msg}` });
    });
  }

  private teardown(): void {
    this.sock?.destroy();
    this.sock = undefined;
    this.server?.close();
    this.server = undefined;
    this.decoder = new FrameDecoder();
  }
}
