import { SweepError } from '../domain/errors.js';

/** Wrong use of the command line (exit code 2, like a bad spec). */
export class UsageError extends SweepError {
  override readonly badInput = true;
}

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
