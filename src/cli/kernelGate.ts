// Commands that need the live kernel start here: one line and exit 2 when
// bpf() cannot be used (not root, not Linux/x64, ...).

import { UsageError } from './options.js';

export async function requireKernel(): Promise<void> {
  const { bpfAvailable } = await import('../kernel/syscall.js');
  const a = bpfAvailable();
  if (!a.ok) throw new UsageError(`live kernel unavailable: ${a.reason}`);
}
