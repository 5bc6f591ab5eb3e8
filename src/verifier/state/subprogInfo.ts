// Subprogram lookups over the table built by check_subprogs.
import type { VerifierEnv } from './env.js';
import { findSubprog as findInTable, findContainingSubprog } from './subprogs.js';

export const findSubprog = (env: VerifierEnv, off: number): number => findInTable(env.subprogs, off, env.insns.length);

export const containingSubprog = (env: VerifierEnv, off: number): number =>
  findContainingSubprog(env.subprogs, off, env.insns.length);

export const subprogStart = (env: VerifierEnv, i: number): number => env.subprogs.info[i]?.start ?? 0;

/** BTF_FUNC_GLOBAL in the program's func_info (without func_info every subprog is static). */
export const subprogIsGlobal = (env: VerifierEnv, subprog: number): boolean => env.prog.funcs?.[subprog]?.linkage === 'global';
