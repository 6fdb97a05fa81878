import { SweepError } from '../../domain/errors.js';

/**
 * The requested tfjs backend cannot run on this machine (binding not installed, no GPU adapter). Retryable: the
 * trial is fine, and another worker, or this one once fixed, can run it.
 */
export class BackendUnavailableError extends SweepError {
  override readonly retryable = true;
}
