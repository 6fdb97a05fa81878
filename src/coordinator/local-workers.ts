import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SWEEP_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sweep.js');

export interface LocalWorkersOptions {
  count: number;
  natsUrl: string;
  logDir: string;
  args: string[];
  env?: Record<string, string>;
  detached?: boolean;
  /** Extra node flags for each worker process (e.g. --cpu-prof for benchmarks). */
  nodeArgs?: string[];
}

export interface LocalWorkers {
  pids: number[];
  logFiles: string[];
  /** SIGTERM (drain), then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  exited(): Promise<number[]>;
}

/** Starts `sweep worker` processes on this machine: the natural unit of CPU parallelism (one tfjs per process). */
export function startLocalWorkers(opts: LocalWorkersOptions): LocalWorkers {
  mkdirSync(opts.logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const logFiles: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const logFile = join(opts.logDir, `worker-${i + 1}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), SWEEP_BIN, 'worker', '--nats', opts.natsUrl, ...opts.args], {
      stdio: ['ignore', fd, fd],
      detached: opts.detached ?? false,
      env: { ...process.env, ...opts.env },
    });
    closeSync(fd);
    if (opts.detached) child.unref();
    children.push(child);
    logFiles.push(logFile);
  }
  const exits = children.map(
    (c) => new Promise<number>((resolve) => {
      if (c.exitCode !== null) return resolve(c.exitCode);
      c.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    }),
  );
  return {
    pids: children.map((c) => c.pid ?? -1),
    logFiles,
    exited: () => Promise.all(exits),
    async stop(graceMs = 30_000) {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      const timer = setTimeout(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), graceMs);
      await Promise.all(exits);
      clearTimeout(timer);
    },
  };
}
