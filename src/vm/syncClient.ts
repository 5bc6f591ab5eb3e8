// Synchronous VM loads, for callers that cannot await (properties run inside
// fast-check's synchronous shrinking). A worker thread owns the VMs; the
// caller posts a request and blocks on a shared flag until the answer is in.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { LoadRequest } from '../kernel/loadRequest.js';
import { VmError } from './images.js';
import type { VmReply } from './machine.js';
import type { SyncReply, SyncRequest } from './syncWorker.js';

/** The compiled worker: next to this module, or under dist/ when running from sources. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'syncWorker.js');
  let d = dirname(here);
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return join(d, 'dist', 'src', 'vm', 'syncWorker.js');
}

interface Client { worker: Worker; port: MessagePort; flag: Int32Array }
let client: Client | undefined;

function start(): Client {
  if (client) return client;
  const path = workerPath();
  if (!existsSync(path)) throw new VmError(`${path} is missing: run \`npm run build\``);
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(path, { workerData: { port: port2, flag }, transferList: [port2] });
  worker.unref();
  port1.unref();
  client = { worker, port: port1, flag: new Int32Array(flag) };
  return client;
}

function call(m: SyncRequest): SyncReply {
  const c = start();
  Atomics.store(c.flag, 0, 0);
  c.port.postMessage(m);
  for (;;) {
    Atomics.wait(c.flag, 0, 0, 1000);
    const got = receiveMessageOnPort(c.port);
    if (got) return got.message as SyncReply;
  }
}

/** Loads one request into the VM for `spec` (booted on first use) and blocks for the answer. */
export function syncVmLoad(spec: string, req: LoadRequest, label: string): VmReply & { release: string } {
  const r = call({ type: 'load', spec, req, label });
  if (!r.ok) throw new VmError(r.error);
  return { ...r.reply, release: r.release };
}

/** Shuts the VMs down and ends the worker. */
export async function closeSyncVms(): Promise<void> {
  if (!client) return;
  call({ type: 'close' });
  const c = client;
  client = undefined;
  await c.worker.terminate();
}
