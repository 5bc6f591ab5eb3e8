// check_helper_call for the helpers the model supports (no-argument helpers
// returning an integer); everything else is reported as unsupported.
import type { Insn } from '../isa/insn.js';
import { helperName as disasmHelperName } from '../isa/disasm.js';

const helperName = (id: number): string => disasmHelperName(id) ?? 'unknown';
import { type VerifierEnv, VerifierError, Unsupported, EINVAL, verbose } from './env.js';
import type { BpfRegState } from './reg.js';
import { markRegNotInit, markRegUnknown, regBoundsSync } from './scalar.js';
import { checkRegArg, curRegs, RegArgType } from './regArg.js';

export const BPF_FUNC_ktime_get_ns = 5;
export const BPF_FUNC_get_prandom_u32 = 7;
export const BPF_FUNC_get_smp_processor_id = 8;
const BPF_FUNC_MAX_ID = 212;

/** nr_cpu_ids of the oracle machine (cpu/possible = 0-1). */
export const NR_CPU_IDS = 2;

const SUPPORTED = new Set([BPF_FUNC_ktime_get_ns, BPF_FUNC_get_prandom_u32, BPF_FUNC_get_smp_processor_id]);

export function checkHelperCall(env: VerifierEnv, insn: Insn): void {
  const funcId = insn.imm;
  if (funcId < 0 || funcId >= BPF_FUNC_MAX_ID) {
    verbose(env, `invalid func ${helperName(funcId)}#${funcId}\n`);
    throw new VerifierError(EINVAL, 'func id');
  }
  if (!SUPPORTED.has(funcId)) throw new Unsupported(env.insnIdx, `helper ${helperName(funcId)}#${funcId}`);
  const regs = curRegs(env);
  for (let i = 0; i <= 5; i++) {
    markRegNotInit(regs[i] as BpfRegState);
    checkRegArg(env, i, RegArgType.DST_OP_NO_MARK);
  }
  const r0 = regs[0] as BpfRegState;
  r0.subregDef = 0;
  markRegUnknown(r0);
  if (funcId === BPF_FUNC_get_smp_processor_id) {
    const max = NR_CPU_IDS - 1;
    r0.umax = BigInt(max);
    r0.u32Max = max;
    r0.smax = BigInt(max);
    r0.s32Max = max;
    r0.umin = 0n;
    r0.u32Min = 0;
    r0.smin = 0n;
    r0.s32Min = 0;
    regBoundsSync(r0);
  }
}
