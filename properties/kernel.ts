// The model (copy history, the 6.18 reference) against the live kernel.
import { makeHistory } from '../src/history/index.js';
import { BPF_F_TEST_STATE_FREQ, type Program } from '../src/isa/program.js';
import type { Result } from '../src/result/result.js';
import { loadInKernel } from '../src/kernel/oracle.js';
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
  const avail = bpfAvailable();
  if (!avail.ok) return { ok: true, skipped: `live kernel unavailable: ${avail.reason}` };
  let model: Result;
  try {
    model = verifyProgram(program, {
      history: makeHistory('copy'),
      backedgePropagation: true,
      logLevel: 0,
      ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
      profile: profileOf(o),
    });
  } catch (e) {
    return { ok: false, diff: { summary: `the model crashed: ${errorText(e)}`, lines: [`model crashed: ${errorText(e)}`] } };
  }
  if (model.verdict === 'unsupported') return { ok: true, skipped: `model does not support the program: ${model.error}` };
  const kernel = loadInKernel(program, { logLevel: 0, ...(o.testStateFreq ? { extraFlags: BPF_F_TEST_STATE_FREQ } : {}) });
  const fields: { field: string; a: string; b: string }[] = [];
  for (const f of FIELDS) {
    const a = String(model[f]);
    const b = String(kernel[f]);
    if (a !== b) fields.push({ field: f, a, b });
  }
  if (fields.length === 0) return { ok: true };
  const lines = ['model (copy, backedge on) vs kernel:'];
  for (const f of fields) lines.push(`  ${f.field}:`, `    model   ${f.a}`, `    kernel  ${f.b}`);
  if (model.error !== kernel.error) lines.push(`  error: model '${model.error}'`, `         kernel '${kernel.error}'`);
  return { ok: false, diff: { summary: `model and kernel differ in ${fields.map((f) => f.field).join(', ')}`, lines, fields } };
}
