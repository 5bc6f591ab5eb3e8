// The `verihist` command. Subcommand modules are imported lazily so that
// `verihist --help` does not load koffi, the assembler or the model.

import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, UsageError, addProfileOption, addSharedOptions, processIO, profileOption, type IO } from './options.js';

type Action = (args: unknown[], opts: Record<string, unknown>, io: IO) => Promise<number>;

function buildProgram(io: IO, setCode: (c: number) => void): Command {
  const program = new Command('verihist');
  program
    .description('Testbed for the Linux 6.18 eBPF verifier instruction history')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Exactly one line for usage errors (commander may add a suggestion line).
      outputError: (s, write) => write(`verihist: ${s.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`),
    })
    .showSuggestionAfterError(true)
    .helpCommand(false);

  const run = (load: () => Promise<Action>) => async (...raw: unknown[]): Promise<void> => {
    // commander passes (...positionals, opts, command).
    const cmd = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -2);
    const action = await load();
    setCode(await action(args, cmd.opts(), io));
  };
  const sub = (name: string): Command => {
    const c = program.command(name);
    c.exitOverride().configureOutput(program.configureOutput());
    return c;
  };

  addSharedOptions(
    sub('disasm').description('print programs in the kernel log syntax (N: (xx) ...)').argument('<files...>', 'program files (.bin, .s, .json) or directories'),
    { json: true },
  ).action(run(async () => (await import('./cmdDisasm.js')).disasmCommand));

  addSharedOptions(
    sub('asm').description("convert a program file; the output format follows OUT's extension (.bin, .s, .json)")
      .argument('<file>', 'input program file').requiredOption('-o, --output <out>', 'output file'),
    { json: true },
  ).action(run(async () => (await import('./cmdAsm.js')).asmCommand));

  addSharedOptions(
    sub('kernel').description('load programs into the live kernel and print its verdicts and statistics; --probe: which kernel profile it is')
      .argument('[files...]', 'program files (.bin, .s, .json) or directories')
      .option('--log', 'print the verifier log of each program')
      .option('--vm <kernel>', 'load into a cached kernel booted under QEMU (6.12, 6.1 or an exact release; see `verihist vm`) instead of the live one')
      .option('--probe', 'load one probe program per behaviour switch and name the matching kernel profile (exit 1 when none matches); with --vm, of that kernel')
      .option('--record', 're-record the kernel fixtures (NAME@PROFILE.json) on this kernel (or on --vm)')
      .option('--dir <dir>', 'with --record: fixture directory (default test/kernel/fixtures)'),
    { load: true, json: true },
  ).action(run(async () => (await import('./cmdKernel.js')).kernelCommand));

  const vm = sub('vm').description('kernels for VM oracles (vm:6.12): fetch Debian kernel packages into the cache, list them');
  vm.command('fetch').description('download a Debian kernel package (6.12, 6.1 or linux-image-...) and cache its vmlinuz')
    .argument('<kernels...>', 'series (6.12, 6.1) or exact package names')
    .option('--force', 'download again even when the package is cached')
    .action(run(async () => (await import('./cmdVm.js')).vmFetchCommand));
  vm.command('list').description('cached kernels: release, package, modules, location')
    .option('--json', 'one JSON object per kernel')
    .action(run(async () => (await import('./cmdVm.js')).vmListCommand));
  vm.commands.forEach((c) => c.exitOverride().configureOutput(program.configureOutput()));

  sub('drift').description('every model profile against every reachable kernel (live, cached VM kernels): agreement table as markdown + JSON')
    .option('--per-preset <n>', 'generated programs per preset (default 50)')
    .option('--seed <s>', 'generator seed (default 21)')
    .option('--kernels <list>', 'comma list of live, vm:<kernel> (default: live when bpf() works, and every cached VM kernel)')
    .option('--no-corpus', 'leave the selftests corpus out')
    .option('--corpus-dir <dir>', 'corpus directory (default: $VERIHIST_CORPUS or ../shared/corpus/kernel-selftests)')
    .option('--backedge <onoff>', 'model precision propagation over loop backedges, on or off (default on)')
    .option('--out <base>', 'write BASE.md and BASE.json (default drift)')
    .action(run(async () => (await import('./cmdDrift.js')).driftCommand));

  addSharedOptions(
    sub('corpus').description('read the kernel selftests corpus; with --kernel, check its annotations against the live kernel')
      .option('--kernel', 'load every program into the live kernel and compare with its annotations')
      .option('--dir <dir>', 'corpus directory (default: $VERIHIST_CORPUS or ../shared/corpus/kernel-selftests)')
      .option('--skipped', 'list every skipped program with its reason'),
    { json: true },
  ).action(run(async () => (await import('./cmdCorpus.js')).corpusCommand));

  addSharedOptions(
    sub('verify').description('run the model on programs and print verdicts and statistics')
      .argument('<files...>', 'program files (.bin, .s, .json) or directories')
      .option('--history-stats', 'add instruction-history statistics columns')
      .option('--expect-accept', 'exit 1 when any program is rejected'),
    { model: true, load: true, json: true },
  ).action(run(async () => (await import('./cmdVerify.js')).verifyCommand));

  const compare = addSharedOptions(
    sub('compare').description('compare the model with the live kernel (or two history implementations) field by field')
      .argument('[files...]', 'program files (.bin, .s, .json) or directories')
      .option('--a <side>', 'first side: kernel (or live), vm:<kernel> (a cached kernel under QEMU, e.g. vm:6.12), or a history (copy, shared, audited, audited-copy); default: --history')
      .option('--b <side>', 'second side, as --a; default: kernel')
      .option('--corpus', 'add the selftests corpus programs')
      .option('--corpus-dir <dir>', 'corpus directory (default: $VERIHIST_CORPUS or ../shared/corpus/kernel-selftests)')
      .option('--gen <preset>', 'add generated programs (generators/)')
      .option('--count <n>', 'number of generated programs (default 100)')
      .option('--seed <s>', 'generator seed (default 1)')
      .option('--filter <regex>', 'only programs whose name matches'),
    { model: true, load: true, json: true },
  ).action(run(async () => (await import('./cmdCompare.js')).compareCommand));
  // compare loads both sides at level 2 unless told otherwise.
  compare.options.find((o) => o.long === '--log-level')?.default(2);
  compare.setOptionValueWithSource('logLevel', 2, 'default');

  addSharedOptions(
    sub('gen').description('write generated programs (.bin, .s) to --out DIR; with --stats, kernel acceptance and model coverage per preset')
      .option('--count <n>', 'programs (per preset with --stats; default 10, or 200 with --stats)')
      .option('--seed <s>', 'generator seed (default: random, printed; 1 with --stats)')
      .option('--preset <p>', 'small, medium, loops, deep, calls, risky, callbacks (with --stats also a list or "all", the default)')
      .option('--out <dir>', 'output directory (created if missing)')
      .option('--risky <f>', 'fraction of programs holding one deliberately risky block (overrides the preset)')
      .option('--format <list>', 'file formats to write, comma-separated: bin, s, json (default bin,s)')
      .option('--stats', 'per preset: kernel acceptance and model coverage counts instead of writing files')
      .option('--kernel', 'with --stats: require the live kernel (default: use it when bpf() is available)')
      .option('--no-kernel', 'with --stats: do not load programs into the kernel')
      .option('--jobs <n>', 'with --stats: worker threads for the model runs (default: one per core)'),
    { json: true },
  ).action(run(async () => (await import('./cmdGen.js')).genCommand));

  const audit = sub('audit').description('run one program under the auditing history wrapper and print the slice timeline; exit 1 on a violation')
    .argument('<file>', 'program file (.bin, .s, .json)')
    .option('--history <impl>', 'audited history: audited (shared under the audit), audited-copy or audited-pinned', 'audited')
    .option('--backedge <onoff>', 'precision propagation over loop backedges (6.17+): on or off', 'on')
    .option('--reads', 'include a line per backtracking read in the timeline')
    .option('--max-lines <n>', 'print at most N timeline events');
  addProfileOption(audit);
  addSharedOptions(audit, { load: true, json: true }).action(run(async () => (await import('./cmdAudit.js')).auditCommand));

  const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
  sub('fuzz').description('generate programs, check properties, shrink and save counterexamples')
    .option('--property <name>', 'sharedMatchesCopy, pinnedMatchesCopy, noClobber, readFidelity, chainShape, modelMatchesKernel (repeatable; default sharedMatchesCopy)', collect)
    .option('--preset <name>', 'small, medium, loops, deep, calls, risky, callbacks or all (repeatable; default all, rotated over runs)', collect)
    .option('--backedge <onoff>', 'precision propagation over loop backedges, on or off (default on)')
    .option('--runs <n>', 'programs to run over all shards (default 1000 without --time)')
    .option('--time <duration>', 'stop generating after this long (90s, 2m, ...)')
    .option('--seed <s>', 'campaign seed (default random; printed)')
    .option('--shard <i/n>', 'run shard i of n of the run index space (CI matrices)')
    .option('--workers <n>', 'worker threads (default 2)')
    .option('--a <kind>', 'reference history for sharedMatchesCopy (default copy)')
    .option('--b <kind>', 'history under test (default shared; the audits wrap it)')
    .option('--history <kind>', 'history under test (shared, pinned, ...); without --property checks <kind>MatchesCopy and the three audits')
    .option('--fault <fault>', 'inject a catalog fault into the implementation under test (see --list-faults)')
    .option('--faults <list>', 'fault study: run each catalog fault (all, or a comma list) in its own campaign for --time each (default 60s); table + faults.json in --out')
    .option('--list-faults', 'print the fault catalog')
    .option('--max-failures <n>', 'stop generating after n failures (default 1)')
    .option('--out <dir>', 'counterexample directory (default counterexamples/)')
    .option('--shrink-time <duration>', 'time budget for shrinking one failure (default 30s)')
    .option('--no-insn-shrink', 'only shrink the block tree, not instructions')
    .option('--full-log', 'sharedMatchesCopy also compares the full level-2 log')
    .option('--state-freq', 'load with BPF_F_TEST_STATE_FREQ')
    .option('--oracle <kernel>', 'modelMatchesKernel loads into: live (default) or vm:<kernel>, one VM per worker kept booted and rebooted after a crash')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--json', 'print the report as one JSON object')
    .addOption(profileOption())
    .action(run(async () => (await import('./cmdFuzz.js')).fuzzCommand));

  sub('replay').description('re-run counterexample files and print their diffs (exit 1 if any still fails)')
    .argument('<files...>', 'counterexample files (.json)')
    .option('--json', 'one JSON object per file')
    .addOption(profileOption('instead of the one stored in each file'))
    .action(run(async () => (await import('./cmdReplay.js')).replayCommand));

  sub('shrink').description('shrink a counterexample further and rewrite it')
    .argument('<file>', 'counterexample file (.json)')
    .option('-o, --output <out>', 'write here instead of rewriting FILE')
    .option('--shrink-time <duration>', 'time budget (default 60s)')
    .option('--json', 'print the outcome as JSON')
    .addOption(profileOption('instead of the one stored in the file'))
    .action(run(async () => (await import('./cmdShrink.js')).shrinkCommand));

  return program;
}

export async function main(argv: string[], io: IO = processIO): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => { code = c; });
  try {
    if (argv.length === 0) {
      io.err('verihist: missing command (see verihist --help)\n');
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE; // commander already printed its one line
    }
    if (e instanceof UsageError || (e instanceof Error && (e.name === 'IsaError' || e.name === 'VmError'))) {
      io.err(`verihist: ${e.message.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`verihist: internal error: ${msg.split('\n')[0]}${process.env['VERIHIST_DEBUG'] ? '' : ' (set VERIHIST_DEBUG=1 for a stack trace)'}\n`);
    if (process.env['VERIHIST_DEBUG'] && e instanceof Error && e.stack) io.err(e.stack + '\n');
    return EXIT_USAGE;
  }
}
