import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SweepError } from '../domain/errors.js';
import type { Logger } from '../log.js';

export class StateDirError extends SweepError {}

const PRIVATE = 0o700;

/**
 * The state dir (`.sweep/`, `--state-dir`) holds the embedded broker's store, token, address and pid, and every log:
 * only its owner may enter it. Created 0700 (its parents too, when it creates them), whatever the umask.
 *
 * An existing one:
 * - owned by another user is refused: they could have planted a `server.json`, or read what we write;
 * - with wider permissions (an older version made it 0755) is tightened to 0700, with a warning saying so: it is
 *   ours, and refusing it would strand its sweeps;
 * - that is not a directory is refused.
 */
export function ensureStateDir(stateDir: string, log: Logger): void {
  const dir = resolve(stateDir);
  let st;
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE });
    st = statSync(dir);
  } catch (e) {
    throw new StateDirError(`cannot create the state dir ${dir}: ${(e as Error).message}`, { cause: e });
  }
  if (!st.isDirectory()) throw new StateDirError(`the state dir ${dir} is not a directory: remove it, or choose another with --state-dir`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new StateDirError(
      `the state dir ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): it holds the embedded broker's token and ` +
        'address, so sweep uses only its own; remove it, or choose another with --state-dir',
    );
  }
  const mode = st.mode & 0o777;
  if (mode !== PRIVATE) {
    chmodSync(dir, PRIVATE);
    if ((mode & 0o077) !== 0) log.warn({ dir, mode: mode.toString(8) }, `the state dir ${dir} was open to other users (mode ${mode.toString(8).padStart(4, '0')}): set to 0700`);
  }
}
