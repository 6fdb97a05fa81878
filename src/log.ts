import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs on stderr (stdout is for results: tables, JSON, CSV).
 * Level from SWEEP_LOG_LEVEL (default info). Pass a failure as the Error itself under `err` (not its message):
 * the serializer keeps its type, message, stack and causes.
 */
export function createLogger(name: string, level = process.env.SWEEP_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, serializers: { err: pino.stdSerializers.err } }, pino.destination({ fd: 2, sync: true }));
}

/** Normalizes anything thrown into an Error (graphile-worker's coerceError). */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
