import { CommanderError } from 'commander';
import { SweepError } from '../domain/errors.js';
import { ExitCode } from './errors.js';

/**
 * The exit code of a command that threw, and what to print to stderr: 2 for bad input (spec, flags; the message
 * alone), 1 for any other failure (`sweep: message`), and the stack of anything that is not a SweepError (a bug).
 * With `verbose`, every message is followed by its stack.
 */
export function exitCodeFor(e: unknown, verbose = false): { code: number; text: string } {
  const result = exitCodeWithoutStack(e);
  if (!verbose || !(e instanceof SweepError) || e instanceof ExitCode) return result;
  return { ...result, text: `${result.text}${e.stack ?? ''}\n` };
}

function exitCodeWithoutStack(e: unknown): { code: number; text: string } {
  // Commander already printed its own message.
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, text: '' };
  if (e instanceof ExitCode) return { code: e.code, text: e.message ? `sweep: ${e.message}\n` : '' };
  if (e instanceof SweepError) return e.badInput ? { code: 2, text: `${e.message}\n` } : { code: 1, text: `sweep: ${e.message}\n` };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 1, text: `sweep: unexpected error: ${err.stack ?? err.message}\n` };
}
