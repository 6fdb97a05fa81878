import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { helperPath } from './helper-programs.js';

export type ProgramProcess = ChildProcessByStdio<null, Readable, Readable>;

/**
 * Starts `argv` as the leader of a process group of its own (so a stop reaches its children too) through
 * util-linux's `setpriv --pdeathsig KILL`: the kernel SIGKILLs the program when the worker dies, even by SIGKILL.
 * setpriv execs the program, so the child's pid is the program's. The death signal reaches the program only, not
 * processes it starts (those see their parent die; PyTorch's data loader workers, for one, exit then).
 */
export function spawnInGroup(argv: [string, ...string[]], opts: { env: NodeJS.ProcessEnv; cwd: string | undefined }): ProgramProcess {
  // By absolute path: spawn() would look a bare name up on opts.env's PATH, the child's.
  return spawn(helperPath('setpriv'), ['--pdeathsig', 'KILL', '--', ...argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
}

/** Sends `signal` to every process of the group `pgid`; false when none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/** setpriv's own exit codes when it could not exec the program (126: not executable, 127: not found). */
export const isExecFailure = (code: number | null, stderrFirstLine: string): boolean =>
  (code === 126 || code === 127) && stderrFirstLine.startsWith('setpriv: ');
