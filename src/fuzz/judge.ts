// "Still fails the same way": the predicate both shrinkers keep true. A
// candidate must fail the property with the same kind of failure (a crash
// stays a crash, a divergence stays a divergence) and the reference model
// (copy history) must judge it as it judged the original, so shrinking does
// not wander from a history bug into a program the verifier rejects anyway.
import { makeHistory } from '../history/index.js';
import type { Program } from '../isa/program.js';
import { verifyProgram } from '../verifier/verify.js';
import { profileOf } from '../../properties/types.js';
import { checkProperty, type PropertyName, type PropertyOptions, type PropertyOutcome } from '../../properties/index.js';

const isCrash = (o: PropertyOutcome): boolean => !o.ok && (o.diff.fields ?? []).some((f) => f.field === 'crash');

function reference(p: Program, o: PropertyOptions): string {
  try {
    const r = verifyProgram(p, {
      history: makeHistory('copy'),
      backedgePropagation: o.backedge ?? true,
      logLevel: 0,
      ...(o.testStateFreq !== undefined ? { testStateFreq: o.testStateFreq } : {}),
      profile: profileOf(o),
    });
    return `${r.verdict}/${r.errno}`;
  } catch (e) {
    return `crash`;
  }
}

export interface Judge {
  /** True when `p` fails `property` the way the original did. */
  stillFails(p: Program): boolean;
  /** Property runs so far. */
  runs: number;
}

export function makeJudge(property: PropertyName, o: PropertyOptions, original: Program, originalOutcome?: PropertyOutcome): Judge {
  const first = originalOutcome ?? checkProperty(property, original, o);
  const crash = isCrash(first);
  const ref = reference(original, o);
  const j: Judge = {
    runs: 0,
    stillFails(p: Program): boolean {
      j.runs++;
      const out = checkProperty(property, p, o);
      if (out.ok || isCrash(out) !== crash) return false;
      return reference(p, o) === ref;
    },
  };
  return j;
}
