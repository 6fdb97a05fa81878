import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The absolute path `program` runs as, searched like execvp does (a name with a `/` is relative to `cwd`, any
 * other name is looked up on `PATH`), or null when no executable file is there.
 */
export function resolveExecutable(program: string, pathVar: string, cwd: string): string | null {
  const candidates = program.includes('/') ? [isAbsolute(program) ? program : resolve(cwd, program)] : pathVar.split(delimiter).filter(Boolean).map((d) => resolve(cwd, join(d, program)));
  return candidates.find(isExecutableFile) ?? null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export type ProgramProcess = ChildProcessByStdio<null, Readable, Readable>;

/**
 * Starts `argv` as the leader of a process group of its own (so a stop reaches its children too) through
 * util-linux's `setpriv --pdeathsig KILL`: the kernel SIGKILLs the program when the worker dies, even by SIGKILL.
 * setpriv execs the program, so the child's pid is the program's. The death signal reaches the program only, not
 * processes it starts (those see their parent die; PyTorch's data loader workers, for one, exit then).
 */
export function spawnInGroup(argv: [string, ...string[]], opts: { env: NodeJS.ProcessEnv; cwd: string | undefined }): ProgramProcess {
  return spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
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
