import { SweepError } from '../domain/errors.js';

/** Wrong use of the command line (exit code 2, like a bad spec). */
export class UsageError extends SweepError {
  override readonly badInput = true;
}

/** An output path (-o) the command could not write: a file where a folder is needed, a folder where a file is, no permission. */
export class OutputPathError extends UsageError {}

/** A sweep ID on the command line that the broker does not know. */
export class UnknownSweepArgumentError extends UsageError {}

/** A trial ID (or prefix) on the command line that names no trial of the sweep, several, or one that cannot be used. */
export class TrialArgumentError extends UsageError {}

/** The command ran but its outcome is a failure the user must see in the exit code (e.g. a trial FAILED). */
export class ExitCode extends SweepError {
  constructor(readonly code: number, message = '') {
    super(message);
  }
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a whole number ≥ 0, got "${value}"`);
  return n;
}
