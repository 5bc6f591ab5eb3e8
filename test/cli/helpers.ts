// Test support for the CLI: run main() with captured output, and write
// program files into a per-file temp directory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

/** A fresh temp directory and a writer that puts a named file in it. */
export function tmpFiles(prefix: string): { dir: string; f: (name: string, body: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const f = (name: string, body: string | Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  return { dir, f };
}
