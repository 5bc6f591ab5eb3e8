// The thread behind syncClient: owns one VM per kernel spec and answers load
// requests posted on its port, raising a shared flag when an answer is there.

import { workerData, type MessagePort } from 'node:worker_threads';
import type { LoadRequest } from '../kernel/loadRequest.js';
import { findKernel } from './images.js';
import { Vm, type VmReply } from './machine.js';

interface Data { port: MessagePort; flag: SharedArrayBuffer }
export type SyncRequest = { type: 'load'; spec: string; req: LoadRequest; label: string } | { type: 'close' };
export type SyncReply = { ok: true; reply: VmReply; release: string } | { ok: false; error: string };

const { port, flag } = workerData as Data;
const flagArr = new Int32Array(flag);
const vms = new Map<string, Vm>();

const answer = (r: SyncReply): void => {
  port.postMessage(r);
  Atomics.store(flagArr, 0, 1);
  Atomics.notify(flagArr, 0);
};

port.on('message', (m: SyncRequest) => {
  void (async () => {
    if (m.type === 'close') {
      await Promise.all([...vms.values()].map((v) => v.close()));
      vms.clear();
      answer({ ok: true, reply: { kind: 'loaded', errno: 0, log: '' }, release: '' });
      port.close();
      return;
    }
    try {
      let vm = vms.get(m.spec);
      if (!vm) {
        vm = new Vm(findKernel(m.spec));
        vms.set(m.spec, vm);
      }
      const reply = await vm.load(m.req, m.label);
      answer({ ok: true, reply, release: vm.release });
    } catch (e) {
      answer({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
