import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const SWEEP_BIN = join(REPO_ROOT, 'bin', 'sweep.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `sweep` CLI (from the TypeScript sources) as a child process; `wrap` runs it under another program
 * (e.g. `['/usr/bin/time', '-o', FILE, '-f', '%M']`, which passes the exit code through).
 */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; wrap?: string[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [program, ...programArgs] = [...(opts.wrap ?? []), process.execPath, SWEEP_BIN, ...args] as [string, ...string[]];
    const child = spawn(program, programArgs, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, SWEEP_FROM_SOURCE: '1', SWEEP_LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sweep ${args.join(' ')} timed out after ${opts.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};
