// The selftests' annotations against the live kernel: every disagreement
// must be listed, with its reason, in known-disagreements.json.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { readCorpus } from '../../src/corpus/reader.js';
import { checkCorpusInKernel } from '../../src/cli/cmdCorpus.js';
import { bpfAvailable } from '../../src/kernel/syscall.js';

const avail = bpfAvailable();
const known = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'known-disagreements.json'), 'utf8')) as Record<string, string>;
delete known['_comment'];

describe.skipIf(!avail.ok)(`corpus annotations vs live kernel${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  test('agreement, with every disagreement allow-listed', async () => {
    const checks = await checkCorpusInKernel(readCorpus().programs);
    const bad = checks.filter((c) => !c.ok);
    const agree = checks.filter((c) => c.ok && c.checked).length;
    console.log(`corpus vs kernel: ${checks.length} loaded, ${agree} agree, ${bad.length} disagree (allow-listed: ${Object.keys(known).length})`);
    const unexpected = bad.filter((c) => !(`${basename(c.program.file)}:${c.program.name}` in known))
      .map((c) => `${basename(c.program.file)}:${c.program.name}: ${c.reason ?? ''}`);
    expect(unexpected).toEqual([]);
    // Stale entries: listed but now agreeing (or gone).
    const badKeys = new Set(bad.map((c) => `${basename(c.program.file)}:${c.program.name}`));
    expect(Object.keys(known).filter((k) => !badKeys.has(k))).toEqual([]);
    for (const [k, reason] of Object.entries(known)) expect(reason.length, k).toBeGreaterThan(20);
    expect(agree).toBeGreaterThanOrEqual(200);
  });
});
