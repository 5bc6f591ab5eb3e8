// `verihist vm fetch KERNELS...` and `verihist vm list`.

import { renderTable } from '../util/table.js';
import { EXIT_OK, UsageError, type IO } from './options.js';

export async function vmFetchCommand(args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const wanted = Array.isArray(args[0]) ? (args[0] as string[]) : [];
  if (wanted.length === 0) throw new UsageError('vm fetch: name a kernel (6.12, 6.1 or linux-image-...)');
  const { fetchKernel } = await import('../vm/images.js');
  for (const w of wanted) {
    const k = fetchKernel(w, { force: raw['force'] === true, log: (l) => io.err(`${l}\n`) });
    io.out(`${k.release}\t${k.package} ${k.version}\t${k.dir}\n`);
  }
  return EXIT_OK;
}

export async function vmListCommand(_args: unknown[], raw: Record<string, unknown>, io: IO): Promise<number> {
  const { listKernels, kernelsDir } = await import('../vm/images.js');
  const ks = listKernels();
  if (raw['json'] === true) {
    for (const k of ks) io.out(JSON.stringify(k) + '\n');
    return EXIT_OK;
  }
  if (ks.length === 0) {
    io.out(`no kernels cached in ${kernelsDir()}: run \`verihist vm fetch 6.12\`\n`);
    return EXIT_OK;
  }
  io.out(renderTable(
    [{ title: 'Release' }, { title: 'Package' }, { title: 'Version' }, { title: 'Modules' }, { title: 'Directory' }],
    ks.map((k) => [k.release, k.package, k.version, k.modules.length ? k.modules.join(' ') : '(built in)', k.dir]),
  ));
  return EXIT_OK;
}
