// Finding QEMU; a missing binary is a one-line error with the install command.

import { execFileSync } from 'node:child_process';
import { VmError } from './images.js';

const BINARY = 'qemu-system-x86_64';

export const qemuBinary = (): string => process.env['VERIHIST_QEMU'] ?? BINARY;

const found = new Map<string, boolean>();

export function qemuAvailable(): boolean {
  const bin = qemuBinary();
  let ok = found.get(bin);
  if (ok === undefined) {
    try {
      execFileSync(bin, ['--version'], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    found.set(bin, ok);
  }
  return ok;
}

export function requireQemu(): void {
  if (!qemuAvailable()) throw new VmError(`${qemuBinary()} not found: run \`apt-get install qemu-system-x86\``);
}
