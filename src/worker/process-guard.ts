import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SweepError } from '../domain/errors.js';

/**
 * Closes the worker's process to the programs it runs. A command program runs as the worker's own uid, so it
 * could read `/proc/<worker>/environ` (the broker credentials the worker got from its environment) and
 * `/proc/<worker>/mem`, or ptrace the worker. A process that is not dumpable has its /proc files owned by root
 * and refuses same-uid ptrace (without CAP_SYS_PTRACE). Node has no call for it: native/process-guard is a
 * small Node-API addon for prctl(PR_SET_DUMPABLE, 0) (`npm run build:guard`; scripts/setup.sh builds it).
 * Root in the container defeats this; so does CAP_SYS_PTRACE.
 */
export const PROCESS_GUARD_ADDON_PATH = fileURLToPath(new URL('../../native/process-guard/build/Release/sweep_process_guard.node', import.meta.url));

interface ProcessGuardAddon {
  setNonDumpable(): void;
  dumpable(): number;
}

/** What closing the process did: closed, or why not (for the worker's log and /readyz). */
export type ProcessGuardOutcome = { closed: true } | { closed: false; reason: string };

/** A worker that runs user code could not close its process on Linux: it does not start (what a user's program could read otherwise is the broker's credentials). */
export class ProcessGuardUnavailableError extends SweepError {}

/**
 * For a worker that runs user code: closes the process, or on Linux throws ProcessGuardUnavailableError naming
 * the fix. Elsewhere (no /proc, no PR_SET_DUMPABLE) it returns the reason, for a warning.
 */
export function closeWorkerProcess(platform: NodeJS.Platform = process.platform): ProcessGuardOutcome {
  const outcome = closeProcessToOwnUid();
  if (!outcome.closed && platform === 'linux') {
    throw new ProcessGuardUnavailableError(
      `this worker runs user code (--allow-command / --allow-module) but cannot make itself non-dumpable, so the programs it runs could read its broker credentials from /proc: ${outcome.reason}`,
    );
  }
  return outcome;
}

/** prctl(PR_SET_DUMPABLE, 0) on this process; never throws: what it did, or why not. */
export function closeProcessToOwnUid(): ProcessGuardOutcome {
  let addon: ProcessGuardAddon;
  try {
    addon = createRequire(import.meta.url)(PROCESS_GUARD_ADDON_PATH) as ProcessGuardAddon;
  } catch (e) {
    return { closed: false, reason: `the process-guard addon did not load (${(e as Error).message.split('\n')[0]}): run npm run build:guard` };
  }
  try {
    addon.setNonDumpable();
  } catch (e) {
    return { closed: false, reason: (e as Error).message };
  }
  const now = addon.dumpable();
  return now === 0 ? { closed: true } : { closed: false, reason: `prctl(PR_GET_DUMPABLE) is still ${now}` };
}
