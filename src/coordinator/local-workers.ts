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
  /** Let the workers outlive this process (unref'd, never stopped by it). */
  detached?: boolean;
  /** Extra node flags for each worker process (e.g. --cpu-prof for benchmarks). */
  nodeArgs?: string[];
}

export interface LocalWorkers {
  pids: number[];
  logFiles: string[];
  /** SIGTERM once: each worker stops taking jobs, requeues its running trial at the next boundary and exits. */
  drain(): void;
  /** SIGKILL now (their trials are redelivered after ack_wait). */
  kill(): void;
  /** drain(), then kill() after graceMs; resolves once every worker exited. */
  stop(graceMs?: number): Promise<void>;
  exited(): Promise<number[]>;
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** Signals the worker's process group (its own: see startLocalWorkers), so anything it started goes too. */
function signalGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (!running(c) || c.pid === undefined) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    c.kill(sig);
  }
}

/** Workers owned by this process must not outlive it, even when it ends through process.exit() or an error. */
function killWithThisProcess(children: ChildProcess[], exits: Promise<unknown>): void {
  const onExit = () => children.forEach((c) => signalGroup(c, 'SIGKILL'));
  process.once('exit', onExit);
  void exits.then(() => process.off('exit', onExit));
}

/**
 * Starts `sweep worker` processes on this machine: the natural unit of CPU parallelism (one tfjs per process).
 * Each gets its own process group, so a terminal's Ctrl-C reaches only the caller, which decides how to stop them.
 */
export function startLocalWorkers(opts: LocalWorkersOptions): LocalWorkers {
  mkdirSync(opts.logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const logFiles: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const logFile = join(opts.logDir, `worker-${i + 1}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), SWEEP_BIN, 'worker', '--nats', opts.natsUrl, ...opts.args], {
      stdio: ['ignore', fd, fd],
      detached: true,
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
  const allExited = Promise.all(exits);
  if (!opts.detached) killWithThisProcess(children, allExited);
  let drained = false;
  const workers: LocalWorkers = {
    pids: children.map((c) => c.pid ?? -1),
    logFiles,
    exited: () => allExited,
    // A second SIGTERM would make a draining worker exit at once: send it only once.
    drain() {
      if (drained) return;
      drained = true;
      children.forEach((c) => signalGroup(c, 'SIGTERM'));
    },
    kill() {
      children.forEach((c) => signalGroup(c, 'SIGKILL'));
    },
    async stop(graceMs = 30_000) {
      workers.drain();
      const timer = setTimeout(() => workers.kill(), graceMs);
      await allExited;
      clearTimeout(timer);
    },
  };
  return workers;
}
