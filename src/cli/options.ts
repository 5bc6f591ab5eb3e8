// Options shared by the subcommands, defined once. Keep this module light:
// main.ts imports it at start-up.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { ProgType } from '../isa/program.js';
import { profileNames } from '../verifier/profile/index.js';

/** Bad usage or bad input: exit code 2, one line on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A finding (disagreement, failed property): exit code 1 after normal output. */
export const EXIT_OK = 0;
export const EXIT_FINDING = 1;
export const EXIT_USAGE = 2;

export type HistoryImpl = 'copy' | 'shared' | 'pinned' | 'audited';
export const HISTORY_IMPLS: readonly HistoryImpl[] = ['copy', 'shared', 'pinned', 'audited'];
const TYPES: readonly ProgType[] = ['socket', 'xdp', 'kprobe', 'raw_tp'];

export interface IO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: IO = {
  out: (t) => { process.stdout.write(t); },
  err: (t) => { process.stderr.write(t); },
};

function parseLogLevel(v: string): number {
  if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('expected 0, 1, 2 or 4 (levels can be OR-ed: 1|4=5, 2|4=6)');
  const n = Number(v);
  if ((n & ~7) !== 0 || (n & 3) === 3) throw new InvalidArgumentError('expected 0, 1, 2 or 4 (levels can be OR-ed: 1|4=5, 2|4=6)');
  return n;
}

/** --kernel-profile (resolved by profileOption.ts). */
export const profileOption = (instead?: string): Option => new Option(
  '--kernel-profile <name>',
  instead ? `kernel profile the model follows (${profileNames().join(', ')}, auto), ${instead}`
    : `kernel profile the model follows: ${profileNames().join(', ')} or auto (probe the live kernel; default)`,
);

export const addProfileOption = (cmd: Command): Command => cmd.addOption(profileOption());

/** Which shared options a subcommand takes. */
export interface SharedOptionSet {
  /** --history, --backedge (commands that run the model). */
  model?: boolean;
  /** --log-level, --state-freq, --type (commands that load programs). */
  load?: boolean;
  /** --json (every subcommand). */
  json?: boolean;
}

export function addSharedOptions(cmd: Command, set: SharedOptionSet): Command {
  if (set.model) {
    cmd.addOption(new Option('--history <impl>', 'instruction-history implementation').choices(HISTORY_IMPLS).default('copy'));
    cmd.addOption(new Option('--backedge <onoff>', 'precision propagation over loop backedges (6.17+)').choices(['on', 'off']).default('on'));
    addProfileOption(cmd);
  }
  if (set.load) {
    cmd.addOption(new Option('--log-level <n>', 'verifier log level (0, 1, 2; 4 = stats)').argParser(parseLogLevel).default(0));
    cmd.addOption(new Option('--state-freq', 'load with BPF_F_TEST_STATE_FREQ'));
    cmd.addOption(new Option('--type <type>', 'program type for files that do not carry one').choices(TYPES));
  }
  if (set.json !== false) cmd.addOption(new Option('--json', 'one JSON object per program per line'));
  return cmd;
}

export interface SharedOptions {
  history: HistoryImpl;
  backedge: boolean;
  logLevel: number;
  stateFreq: boolean;
  /** Set only when given on the command line (it then overrides the file's type). */
  type?: ProgType;
  json: boolean;
}

const isOneOf = <T extends string>(v: unknown, all: readonly T[]): v is T => typeof v === 'string' && (all as readonly string[]).includes(v);

/** Reads the shared options back from commander's parsed values. */
export function sharedOptions(opts: Record<string, unknown>): SharedOptions {
  const r: SharedOptions = {
    history: isOneOf(opts['history'], HISTORY_IMPLS) ? opts['history'] : 'copy',
    backedge: opts['backedge'] !== 'off',
    logLevel: typeof opts['logLevel'] === 'number' ? opts['logLevel'] : 0,
    stateFreq: opts['stateFreq'] === true,
    json: opts['json'] === true,
  };
  if (isOneOf(opts['type'], TYPES)) r.type = opts['type'];
  return r;
}

/** An integer option value (commander gives strings); `dflt` when absent. */
export const intOpt = (raw: Record<string, unknown>, key: string, flag: string, dflt: number, min = 0): number => {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) throw new UsageError(`${flag}: expected an integer, got '${String(v)}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got '${v}'`);
  return n;
};
