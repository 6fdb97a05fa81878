import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { SweepError } from '../../domain/errors.js';
import { describeLoaderVariable, loaderVariablesIn } from '../../domain/loader-env.js';
import { resolveExecutable } from './executable-path.js';

/**
 * Which programs a worker runs for command trainers. A job comes from whoever may publish to the jobs subject,
 * so a worker runs none unless its operator says so: `--allow-command` (any program) or
 * `--allow-command python3,bash` (only those). Each listed entry is found when the worker starts: a name on the
 * worker's PATH, a path as it is. A job's program is found the same way (never on a PATH of the job's), and that
 * file is what is checked and what runs: an allowed name does not allow another file of that name.
 */
export type CommandPolicy = { allow: 'none' } | { allow: 'any' } | { allow: 'listed'; programs: readonly ListedProgram[] };

/** One entry of `--allow-command`: as given, and the file it is (null: nothing executable there when the worker started). */
export interface ListedProgram {
  given: string;
  path: string | null;
}

export const NO_COMMANDS: CommandPolicy = { allow: 'none' };

/** The trial asks for a program this worker was not started to run: retrying on it cannot help. */
export class CommandNotAllowedError extends SweepError {}

/** The job's trainer env sets a loader variable (src/domain/loader-env.ts): a forged job, as a spec that does is refused. */
export class LoaderVariableRefusedError extends SweepError {}

/** `--allow-command` given bare (true) or with a comma-separated list; undefined: not given. Entries are found on `pathVar`. */
export function commandPolicyOf(flag: string | boolean | undefined, pathVar = process.env.PATH ?? '', cwd = process.cwd()): CommandPolicy {
  if (flag === undefined || flag === false) return NO_COMMANDS;
  if (flag === true) return { allow: 'any' };
  const given = flag.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (given.length === 0) return { allow: 'any' };
  return { allow: 'listed', programs: given.map((g) => ({ given: g, path: canonical(resolveExecutable(g, pathVar, cwd)) })) };
}

/**
 * Throws CommandNotAllowedError, naming the flag that would allow it, unless `resolved` (the file `program`,
 * argv[0], was found to be on the worker's PATH) may run.
 */
export function assertCommandAllowed(program: string, resolved: string, policy: CommandPolicy): void {
  if (policy.allow === 'any') return;
  if (policy.allow === 'none') {
    throw new CommandNotAllowedError(
      `this worker does not run command trainers (${program}): start it with --allow-command, or --allow-command ${basename(program)} to allow only that program`,
    );
  }
  const file = canonical(resolved);
  if (policy.programs.some((p) => p.path !== null && p.path === file)) return;
  const shown = program === resolved ? program : `${program} (${resolved})`;
  const listed = policy.programs.map((p) => (p.path === null ? `${p.given} (not found)` : p.path === p.given ? p.given : `${p.given} = ${p.path}`)).join(', ');
  // A bare name is found on the worker's PATH at start as it is for the job: listing the name allows this file.
  const toAdd = program.includes('/') ? resolved : program;
  throw new CommandNotAllowedError(
    `${shown} is not among the programs this worker runs (--allow-command: ${listed}): add it, e.g. --allow-command ${[...policy.programs.map((p) => p.given), toAdd].join(',')}`,
  );
}

/** Throws LoaderVariableRefusedError naming them when a job's trainer env sets loader variables. */
export function assertNoLoaderVariables(env: Readonly<Record<string, string>>): void {
  const refused = loaderVariablesIn(Object.keys(env));
  if (refused.length === 0) return;
  throw new LoaderVariableRefusedError(
    `the job's trainer env sets ${refused.map(({ name, rule }) => describeLoaderVariable(name, rule)).join('; ')}: a spec may not set it (sweep launch refuses one that does), so this job was not made by sweep launch; it is not run`,
  );
}

/** For logs and /readyz: what the policy allows, in words. */
export function describePolicy(policy: CommandPolicy): string {
  return policy.allow === 'listed' ? policy.programs.map((p) => p.path ?? `${p.given} (not found)`).join(',') : policy.allow;
}

/** The file a path names, symlinks followed (so /bin/bash and /usr/bin/bash on a merged /usr are one program). */
function canonical(path: string | null): string | null {
  if (path === null) return null;
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The trial's model is a user's module and the worker was not started with --allow-module: retrying cannot help. */
export class ModuleNotAllowedError extends SweepError {}

/** Throws ModuleNotAllowedError, naming the flag, unless this worker runs module trainers. */
export function assertModuleAllowed(file: string, allowed: boolean): void {
  if (!allowed) throw new ModuleNotAllowedError(`this worker does not run model modules (${file}): start it with --allow-module`);
}
