// The model (copy history, the 6.18 reference) against the live kernel.
import { makeHistory } from '../src/history/index.js';
import { verifierFaultsFor } from './faults.js';
import { BPF_F_TEST_STATE_FREQ, type Program } from '../src/isa/program.js';
import type { Result } from '../src/result/result.js';
import { loadInKernel, toResult } from '../src/kernel/oracle.js';
import { loadRequest } from '../src/kernel/loadRequest.js';
import { syncVmLoad } from '../src/vm/syncClient.js';
import { bpfAvailable } from '../src/kernel/syscall.js';
import { verifyProgram } from '../src/verifier/verify.js';
import { errorText, profileOf, type PropertyOptions, type PropertyOutcome } from './types.js';

const FIELDS = ['verdict', 'errno', 'insns', 'total_states', 'peak_states', 'max_states_per_insn'] as const;

/**
 * Verdict, errno and statistics of the model (copy) and of bpf(BPF_PROG_LOAD).
 * The kernel is 6.18, so the model always propagates over backedges here,
 * whatever `backedge` says. Skipped (ok) when bpf() cannot be used.
 */
export function modelMatchesKernel(program: Program, o: PropertyOptions = {}): PropertyOutcome {
  const vm = o.oracle !== undefined && o.oracle.startsWith('vm:') ? o.oracle.slice(3) : undefined;
  if (vm === undefined) {
    const avail = bpfAvailable();
    if (!avail.ok) return { ok: true, skipped: `live kernel unavailable: ${avail.reason}` };
  }
  let model: Result;
  try {
    model = verifyProgram(program, {
      history: makeHistory('copy'),
      faults: verifierFaultsFor(o.fault),
      backedgePropagation: true,
      logLevel: 0,
      ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
      profile: profileOf(o),
    });
  } catch (e) {
    return { ok: false, diff: { summary: `the model crashed: ${errorText(e)}`, lines: [`model crashed: ${errorText(e)}`] } };
  }
  if (model.verdict === 'unsupported') return { ok: true, skipped: `model does not support the program: ${model.error}` };
  const extraFlags = o.testStateFreq ? BPF_F_TEST_STATE_FREQ : 0;
  let kernel: Result;
  const side = vm === undefined ? 'kernel' : `vm:${vm}`;
  if (vm === undefined) kernel = loadInKernel(program, { logLevel: 0, extraFlags });
  else {
    const r = syncVmLoad(vm, loadRequest(program, 0, extraFlags), program.name);
    if (r.kind === 'crashed') return { ok: false, diff: { summary: `the ${vm} guest crashed: ${r.reason ?? ''}`, lines: [`guest crashed: ${r.reason ?? ''}`] } };
    if (r.kind === 'setup-failed') throw new Error(`${side}: ${r.log.trim()} (errno ${r.errno})`);
    kernel = toResult(r.kind === 'loaded', r.errno, r.log, false);
  }
  const fields: { field: string; a: string; b: string }[] = [];
  for (const f of FIELDS) {
    const a = String(model[f]);
    const b = String(kernel[f]);
    if (a !== b) fields.push({ field: f, a, b });
  }
  if (fields.length === 0) return { ok: true };
  const lines = [`model (copy, backedge on) vs ${side}:`];
  for (const f of fields) lines.push(`  ${f.field}:`, `    model   ${f.a}`, `    ${side}  ${f.b}`);
  if (model.error !== kernel.error) lines.push(`  error: model '${model.error}'`, `         ${side} '${kernel.error}'`);
  return { ok: false, diff: { summary: `model and ${side} differ in ${fields.map((f) => f.field).join(', ')}`, lines, fields } };
}
