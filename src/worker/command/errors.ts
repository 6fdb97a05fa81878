import { SweepError } from '../../domain/errors.js';

export { CommandTemplateError } from '../../domain/command-template.js';

/** The program cannot be started here (not found, not executable). Retrying the same command cannot help. */
export class CommandNotFoundError extends SweepError {}

/** The program exited with a code other than 0, or was killed by a signal it was not sent by the runner. */
export class CommandExitError extends SweepError {
  override readonly retryable = true;
}

/** The program exited 0 without what a result needs (no epoch line, or never a declared metric). */
export class CommandOutputError extends SweepError {}

/**
 * The program ran past the trainer's `timeout_s`. Not retryable: the limit is the user's statement of how long a
 * trial may take, and a program that hangs would hang again.
 */
export class CommandTimeoutError extends SweepError {}

/** The runner itself failed (could not prepare the directories, pack or unpack a checkpoint): may be transient. */
export class CommandRunnerError extends SweepError {
  override readonly retryable = true;
}
