import { NatsError } from 'nats';

/**
 * JetStream API error codes (`err_code` of the broker's reply, in nats.js `NatsError.api_error`), checked against
 * nats-server 2.9 by test/integration/jetstream-errors.test.ts.
 */
export const JsApiError = {
  ConsumerNotFound: 10014,
  NoMessageFound: 10037,
  StreamNotFound: 10059,
  /** A publish whose expected last (subject) sequence is not the current one: a KV create of an existing key or an update with a stale revision. */
  WrongLastSequence: 10071,
} as const;

export function jsApiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

export const isWrongLastSequence = (err: unknown): boolean => jsApiErrorCode(err) === JsApiError.WrongLastSequence;
export const isStreamNotFound = (err: unknown): boolean => jsApiErrorCode(err) === JsApiError.StreamNotFound;
export const isConsumerNotFound = (err: unknown): boolean => jsApiErrorCode(err) === JsApiError.ConsumerNotFound;
export const isNoMessageFound = (err: unknown): boolean => jsApiErrorCode(err) === JsApiError.NoMessageFound;
