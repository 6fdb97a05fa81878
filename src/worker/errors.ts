/**
 * An error that retrying cannot fix (a bad config, an unknown dataset, a model that cannot be built):
 * the job is terminated and the trial FAILED at once instead of burning its deliveries.
 */
export class UnrecoverableTrialError extends Error {
  override name = 'UnrecoverableTrialError';
}

const UNRECOVERABLE_NAMES = new Set(['UnrecoverableTrialError', 'SpecError', 'MalformedMessageError', 'DatasetFormatError', 'UnknownDatasetError', 'BackendUnavailableError']);

export function isUnrecoverable(e: Error): boolean {
  return UNRECOVERABLE_NAMES.has(e.name);
}

/** Redelivery delay after a transient failure: 1 s, 2 s, 4 s … capped at 60 s. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));
}
