import { SweepError } from '../../domain/errors.js';
import { resolveExecutable } from './executable-path.js';

/**
 * The programs the command runner starts itself (setpriv around every trainer program, tar for its checkpoints):
 * found on the worker's own PATH once, when the worker starts, and run by absolute path from then on. Found by name
 * at spawn time, they were looked up on the PATH of the child's environment, which a job could set.
 */
export const HELPER_PROGRAMS = ['setpriv', 'tar'] as const;
export type HelperProgram = (typeof HELPER_PROGRAMS)[number];

/** A helper is not on the worker's PATH: a worker that runs command trainers cannot start. */
export class HelperProgramMissingError extends SweepError {}

let located: Readonly<Record<HelperProgram, string>> | null = null;

/** Finds every helper on `pathVar` (default: the worker's PATH) and keeps their paths; throws naming the missing ones. */
export function locateHelperPrograms(pathVar = process.env.PATH ?? '', cwd = process.cwd()): Readonly<Record<HelperProgram, string>> {
  const found = Object.fromEntries(HELPER_PROGRAMS.map((name) => [name, resolveExecutable(name, pathVar, cwd)])) as Record<HelperProgram, string | null>;
  const missing = HELPER_PROGRAMS.filter((name) => found[name] === null);
  if (missing.length > 0) {
    throw new HelperProgramMissingError(
      `command trainers need ${missing.join(' and ')} on the worker's PATH (${pathVar || 'empty'}): install util-linux (setpriv) and tar, or start the worker without --allow-command`,
    );
  }
  located = found as Record<HelperProgram, string>;
  return located;
}

/** The absolute path of a helper, as located when the worker started (located now when nothing did yet: a test of the runner alone). */
export function helperPath(name: HelperProgram): string {
  return (located ?? locateHelperPrograms())[name];
}
