import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { SWEEP_BIN } from './cli.js';
import { atTestProcessEnd } from './nats-server.js';

/** A `sweep` child process (worker or coordinator) whose stdout+stderr is kept in memory. */
export interface SweepProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Worker IDs start with `<hostname>-<pid>-` (see Worker). */
  workerIdPrefix: string;
}

export function startSweepProcess(args: string[], env: Record<string, string> = {}): SweepProcess {
  const child = spawn(process.execPath, [SWEEP_BIN, ...args], {
    env: { ...process.env, SWEEP_FROM_SOURCE: '1', SWEEP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // A test file ended by the runner's timeout (SIGTERM) must not leave its workers and coordinators running.
  const forget = atTestProcessEnd(() => child.pid !== undefined && signalTree(child.pid, 'SIGKILL'));
  const exited = once(child, 'exit').then(([code]) => {
    forget();
    return code as number | null;
  });
  return { child, output: () => out, exited, workerIdPrefix: `${hostname()}-${child.pid}-` };
}

export function startWorkerProcess(url: string, extra: string[] = [], env: Record<string, string> = {}): SweepProcess {
  return startSweepProcess(['worker', '--nats', url, '--backend', 'cpu', ...extra], env);
}

/** SIGKILL and wait for the exit (no-op when it already exited). */
export async function killHard(p: SweepProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

/** SIGTERM (drain) with a SIGKILL fallback, for cleanup. */
export async function stopGently(p: SweepProcess, timeoutMs = 20_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  p.child.kill('SIGTERM');
  await p.exited;
  clearTimeout(timer);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, diagnostics?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${diagnostics ? `\n${diagnostics()}` : ''}`);
}

/** Every event of a sweep stored in SWEEP_EVENTS, in order. */
export { readSweepEvents } from '../../src/transport/events.js';

/** Occurrences of a log message (pino JSON `msg`) in a process output. */
export function countLogLines(output: string, msg: string): number {
  return output.split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;
}

/** A process and its descendants (a worker and its trainer processes). */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    // no children
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Signals a process and its descendants: SIGSTOP/SIGCONT of a whole worker, as a suspended machine would. */
export function signalTree(pid: number, sig: NodeJS.Signals): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, sig);
    } catch {
      // exited meanwhile
    }
  }
}

/** N busy-loop processes: CPU load beside a test (CHAOS_HOGS). Returns a stop function. */
export function startCpuHogs(n: number): () => void {
  const hogs = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return () => hogs.forEach((h) => h.kill('SIGKILL'));
}
