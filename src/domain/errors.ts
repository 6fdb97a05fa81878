/**
 * The base of every error the project throws on purpose. Callers decide with `instanceof` and the two flags,
 * never by a class name: the worker retries a trial only when `retryable`, and the CLI exits 2 for `badInput`
 * (a spec, a flag) and 1 for any other SweepError. Anything that is not a SweepError is a bug or a library
 * failure: the worker retries it (it may be transient) and the CLI prints its stack.
 */
export interface SweepErrorOptions {
  cause?: unknown;
}

export class SweepError extends Error {
  /** Running the same work again may succeed (a broker hiccup, a killed trainer); false for a bad config or input. */
  readonly retryable: boolean = false;
  /** The user gave bad input (spec, flags, arguments): the CLI exits 2 and prints the message without a stack. */
  readonly badInput: boolean = false;

  constructor(message: string, options?: SweepErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Whether retrying may help: a SweepError says so itself; any other error may be transient, so yes. */
export function isRetryable(err: unknown): boolean {
  return err instanceof SweepError ? err.retryable : true;
}
