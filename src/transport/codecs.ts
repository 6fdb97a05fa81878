import type { z } from 'zod';
import { SweepError } from '../domain/errors.js';

/**
 * JSON on the wire. Everything read from the broker is validated on receipt against its schema in src/domain/; a
 * message that fails validation is a MalformedMessageError (logged and terminated by the worker, never a crash).
 */
export class MalformedMessageError extends SweepError {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses and validates; throws MalformedMessageError naming what was expected and what was wrong. */
export function decodeJson<S extends z.ZodType>(bytes: Uint8Array, schema: S, what: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new MalformedMessageError(`${what}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new MalformedMessageError(`${what}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
