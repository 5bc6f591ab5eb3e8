// Helpers that call a callback synchronously (is_sync_callback_calling_insn).
import { BPF_CALL, BPF_JMP } from '../isa/opcode.js';
import type { Insn } from '../isa/insn.js';
import type { VerifierEnv } from './env.js';
import { BPF_FUNC_for_each_map_elem, BPF_FUNC_find_vma, BPF_FUNC_loop, BPF_FUNC_user_ringbuf_drain } from './cfg.js';

const SYNC_CALLBACK_HELPERS = new Set([BPF_FUNC_for_each_map_elem, BPF_FUNC_find_vma, BPF_FUNC_loop, BPF_FUNC_user_ringbuf_drain]);

export const isSyncCallbackCallingInsn = (_env: VerifierEnv, insn: Insn): boolean =>
  insn.code === (BPF_JMP | BPF_CALL) && insn.src === 0 && SYNC_CALLBACK_HELPERS.has(insn.imm);
