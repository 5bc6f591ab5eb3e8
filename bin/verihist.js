#!/usr/bin/env node
import { existsSync } from 'node:fs';

// A closed pipe (verihist ... | head) ends the output quietly.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
}
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(`verihist: ${entry.pathname} is missing: run npm ci (or npm run build) first`);
  process.exit(2);
}
const { main } = await import(entry.href);
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
