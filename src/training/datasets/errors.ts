import { SweepError, type SweepErrorOptions } from '../../domain/errors.js';

/**
 * A dataset file is missing, malformed or failed verification, or the dataset config is wrong; `file` names it.
 * Only a failed download is `retryable` (the network may come back); a bad name, file or setting stays bad.
 */
export class DatasetError extends SweepError {
  override readonly retryable: boolean;
  constructor(
    message: string,
    readonly file: string | null = null,
    options: SweepErrorOptions & { retryable?: boolean } = {},
  ) {
    super(message, options);
    this.retryable = options.retryable ?? false;
  }
}
