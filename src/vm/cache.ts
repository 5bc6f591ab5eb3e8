// Where VM kernels and guest builds are cached: $VERIHIST_CACHE, else
// $XDG_CACHE_HOME/verihist, else ~/.cache/verihist.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  const own = process.env['VERIHIST_CACHE'];
  if (own) return own;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'verihist');
}
