// Worker-thread entry of the fuzz runner: runs the indices it is handed and
// posts one message per run. Stop requests arrive through a shared Int32Array
// because a busy worker does not read its message queue.
import { parentPort, workerData } from 'node:worker_threads';
import type { FuzzConfig } from './config.js';
import { flagsOver, runCase } from './runCase.js';

export interface WorkerInit {
  cfg: FuzzConfig;
  stop: SharedArrayBuffer;
}

export type ToWorker = { type: 'run'; indices: number[] } | { type: 'exit' };
export type FromWorker =
  | { type: 'result'; result: import('./runCase.js').RunResult }
  | { type: 'found'; failure: import('./runCase.js').Failure }
  | { type: 'dropped'; index: number }
  | { type: 'idle' }
  | { type: 'error'; index: number; message: string };

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const flags = flagsOver(new Int32Array(init.stop));
  const post = (m: FromWorker): void => port.postMessage(m);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'exit') {
      port.close();
      return;
    }
    for (const index of m.indices) {
      if (flags.noNewRuns()) {
        post({ type: 'dropped', index });
        continue;
      }
      try {
        post({ type: 'result', result: runCase(init.cfg, index, flags, (failure) => post({ type: 'found', failure })) });
      } catch (e) {
        post({ type: 'error', index, message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
      }
    }
    post({ type: 'idle' });
  });
}
