import { isRetryable } from '../domain/errors.js';
import { coerceError } from '../log.js';
import type { TrainerFailure } from './trainer/protocol.js';

/** A failure as the trainer process reports it: an error cannot cross the process boundary with its class. */
export function trainerFailure(e: unknown): TrainerFailure {
  const err = coerceError(e);
  return { name: err.name, message: err.message, unrecoverable: !isRetryable(err) };
}

/** Redelivery delay after the Nth failed attempt of a trial (its retry budget count): 1 s, 2 s, 4 s … capped at 60 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
}
