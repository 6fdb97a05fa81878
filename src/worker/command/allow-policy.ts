import { basename } from 'node:path';
import { SweepError } from '../../domain/errors.js';

/**
 * Which programs a worker runs for command trainers. A job comes from whoever may publish to the jobs subject,
 * so a worker runs none unless its operator says so: `--allow-command` (any program) or
 * `--allow-command python3,bash` (only those, by name or path).
 */
export type CommandPolicy = { allow: 'none' } | { allow: 'any' } | { allow: 'listed'; programs: readonly string[] };

export const NO_COMMANDS: CommandPolicy = { allow: 'none' };

/** The trial asks for a program this worker was not started to run: retrying on it cannot help. */
export class CommandNotAllowedError extends SweepError {}

/** `--allow-command` given bare (true) or with a comma-separated list; undefined: not given. */
export function commandPolicyOf(flag: string | boolean | undefined): CommandPolicy {
  if (flag === undefined || flag === false) return NO_COMMANDS;
  if (flag === true) return { allow: 'any' };
  const programs = flag.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return programs.length === 0 ? { allow: 'any' } : { allow: 'listed', programs };
}

/** Throws CommandNotAllowedError, naming the flag that would allow it, unless `program` (argv[0]) may run. */
export function assertCommandAllowed(program: string, policy: CommandPolicy): void {
  if (policy.allow === 'any') return;
  if (policy.allow === 'none') {
    throw new CommandNotAllowedError(
      `this worker does not run command trainers (${program}): start it with --allow-command, or --allow-command ${basename(program)} to allow only that program`,
    );
  }
  if (policy.programs.includes(program) || policy.programs.includes(basename(program))) return;
  throw new CommandNotAllowedError(
    `${program} is not among the programs this worker runs (--allow-command ${policy.programs.join(',')}): add it, e.g. --allow-command ${[...policy.programs, basename(program)].join(',')}`,
  );
}

/** For logs and /readyz: what the policy allows, in words. */
export function describePolicy(policy: CommandPolicy): string {
  return policy.allow === 'listed' ? policy.programs.join(',') : policy.allow;
}

/** The trial's model is a user's module and the worker was not started with --allow-module: retrying cannot help. */
export class ModuleNotAllowedError extends SweepError {}

/** Throws ModuleNotAllowedError, naming the flag, unless this worker runs module trainers. */
export function assertModuleAllowed(file: string, allowed: boolean): void {
  if (!allowed) throw new ModuleNotAllowedError(`this worker does not run model modules (${file}): start it with --allow-module`);
}
