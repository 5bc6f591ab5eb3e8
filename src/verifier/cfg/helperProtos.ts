// Helper prototypes the liveness pass needs: argument counts (num_params) as
// 6.18 reports them for socket filters through the live-register dump.
import type { CallParams } from './liveRegs.js';

export const SOCKET_HELPER_PARAMS: ReadonlyMap<number, number> = new Map([
  [1, 2], [2, 4], [3, 2], [5, 0], [6, 2], [7, 0], [8, 0], [12, 3], [14, 0], [158, 0], [164, 4], [180, 5], [169, 3], [170, 2], [171, 3], [172, 1], [181, 4], [209, 4],
]);

export const socketCallParams: CallParams = (call) => (call.src === 0 ? SOCKET_HELPER_PARAMS.get(call.imm) : undefined);
