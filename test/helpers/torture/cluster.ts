import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SWEEP_BIN } from '../cli.js';
import { startSweepProcess, startWorkerProcess, signalTree, stopGently, killHard, type SweepProcess } from '../chaos-processes.js';
import type { TestBroker } from '../nats-server.js';
import { TORTURE_POOL } from './specs.js';

/** The duplicate window of the jobs stream in a torture run: an hour in production, crossed in seconds here. */
export const TORTURE_DUPLICATE_WINDOW_S = 2;

/** What the broker holds of a sweep: no record yet, trials not all terminal, or every trial terminal. */
export type SweepState = 'unrecorded' | 'unfinished' | 'done';

/** A sweep of the run: its spec file, and the coordinator process that follows it now (null while none does). */
export interface RunSweep {
  id: string;
  file: string;
  coordinator: SweepProcess | null;
  /** Set while an op works on the sweep (cancel → retry): the supervisor leaves its coordinator alone. */
  held: boolean;
  /** A cancel reached the sweep since its coordinator started: that coordinator may end by itself. */
  cancelledSince: boolean;
  /** The last time its jobs were published (launch, relaunch, retry, extend). */
  publishedAt: number;
  /** Launched with --extend once: a relaunch passes it too (a killed extend may not have recorded the new spec). */
  extended: boolean;
}

/**
 * The processes of one torture run on one broker: workers of the pool, one coordinator per sweep (restarted with
 * `sweep attach` when it ended while its sweep had not, as a k8s Job would restart it), and the CLI commands the
 * ops run. Every process's output is kept for the run's logs.
 */
export class TortureCluster {
  readonly workers: SweepProcess[] = [];
  readonly sweeps = new Map<string, RunSweep>();
  /** Every process the run started, for its logs. */
  readonly everyProcess: { role: string; p: SweepProcess }[] = [];
  /** Coordinators that ended in a way no op explains. */
  readonly unexplainedExits: string[] = [];
  /** While the broker is down (broker-restart): no coordinator is restarted into the outage. */
  private brokerDown = false;
  /** When the last broker outage ended; a process started before then may have found no broker to connect to. */
  private lastOutageEndedAt = 0;
  private readonly startedAt = new Map<SweepProcess, number>();

  constructor(
    readonly broker: TestBroker,
    readonly dir: string,
  ) {}

  get env(): Record<string, string> {
    return { SWEEP_JOBS_DUPLICATE_WINDOW_S: String(TORTURE_DUPLICATE_WINDOW_S), SWEEP_GC_INTERVAL_S: '3', SWEEP_GC_GRACE_S: '10', SWEEP_LOG_LEVEL: 'info' };
  }

  /** A CLI command's own lines, without the log lines it writes on stderr. */
  static ownLines(output: string): string {
    return output.split('\n').filter((l) => l && !l.startsWith('{')).join(' | ');
  }

  private get stateDir(): string {
    return join(this.dir, '.sweep');
  }

  startWorker(): SweepProcess {
    const w = startWorkerProcess(this.broker.url, ['--pool', TORTURE_POOL], this.env);
    this.workers.push(w);
    this.everyProcess.push({ role: 'worker', p: w });
    return w;
  }

  /** Takes a worker out of the pool (the caller stops it). */
  removeWorker(w: SweepProcess): void {
    this.workers.splice(this.workers.indexOf(w), 1);
  }

  writeSpec(id: string, yaml: string): string {
    const file = join(this.dir, `${id}.yaml`);
    writeFileSync(file, yaml);
    return file;
  }

  /** `sweep launch <spec>` as the sweep's coordinator (`extend`: with --extend). */
  launch(id: string, file: string, extend = false): SweepProcess {
    const s = this.sweeps.get(id) ?? { id, file, coordinator: null, held: false, cancelledSince: false, publishedAt: 0, extended: false };
    s.file = file;
    s.extended ||= extend;
    this.sweeps.set(id, s);
    const args = ['launch', file, '--nats', this.broker.url, '--workers', '0', '--state-dir', this.stateDir, ...(extend ? ['--extend'] : [])];
    return this.follow(s, startSweepProcess(args, this.env), extend ? 'launch --extend' : 'launch');
  }

  /** `sweep attach <sweep>` as the sweep's coordinator. */
  attach(s: RunSweep): SweepProcess {
    return this.follow(s, startSweepProcess(['attach', s.id, '--nats', this.broker.url, '--state-dir', this.stateDir], this.env), 'attach');
  }

  /** kill -9 the broker, `downMs` of outage, the same store back (what the broker-restart op does). */
  async restartBroker(downMs: number): Promise<void> {
    this.brokerDown = true;
    try {
      await this.broker.crashAndRestart(downMs);
    } finally {
      this.brokerDown = false;
      this.lastOutageEndedAt = Date.now();
    }
  }

  private follow(s: RunSweep, p: SweepProcess, role: string): SweepProcess {
    this.startedAt.set(p, Date.now());
    s.coordinator = p;
    s.cancelledSince = false;
    s.publishedAt = Date.now();
    this.everyProcess.push({ role: `${role} ${s.id}`, p });
    return p;
  }

  /** kill -9 a sweep's coordinator; it is not restarted until the caller starts one. */
  async killCoordinator(s: RunSweep): Promise<void> {
    const c = s.coordinator;
    s.coordinator = null;
    if (c) await killHard(c);
  }

  /**
   * One supervisor step: a coordinator that ended while its sweep has not is restarted with attach, or launched
   * again when the sweep was never recorded (it ended before its launch recorded it: attach would find no sweep).
   * An end no op explains (not killed, no cancel since it started) with a code other than 0 is recorded.
   */
  async supervise(sweepState: (sweepId: string) => Promise<SweepState>): Promise<void> {
    if (this.brokerDown) return;
    for (const s of this.sweeps.values()) {
      const c = s.coordinator;
      if (s.held || !c || c.child.exitCode === null) continue;
      // Read first: when the read fails (the broker just came back), the ended coordinator stays here for the next step.
      const state = await sweepState(s.id);
      // A coordinator that starts into an outage exits at once with a clear error (a k8s Job restarts it).
      const foundNoBroker = (this.startedAt.get(c) ?? 0) <= this.lastOutageEndedAt && c.output().includes('cannot connect to NATS');
      if (c.child.exitCode !== 0 && !s.cancelledSince && !foundNoBroker) {
        this.unexplainedExits.push(`coordinator of ${s.id} (pid ${c.child.pid}) exited with ${c.child.exitCode}:\n${c.output().split('\n').slice(-12).join('\n')}`);
      }
      s.coordinator = null;
      if (state === 'unrecorded') this.launch(s.id, s.file, s.extended);
      else if (state === 'unfinished') this.attach(s);
    }
  }

  /** A CLI command to its end (cancel, retry): its exit code and output. */
  async command(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [SWEEP_BIN, ...args, '--nats', this.broker.url, '--state-dir', this.stateDir], {
      env: { ...process.env, SWEEP_FROM_SOURCE: '1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, output };
  }

  /** Every process resumed and stopped (drained, SIGKILL after a while). */
  async stopAll(): Promise<void> {
    const all = this.everyProcess.map((e) => e.p);
    for (const p of all) if (p.child.pid && p.child.exitCode === null) signalTree(p.child.pid, 'SIGCONT');
    await Promise.all(all.map((p) => stopGently(p, 8_000)));
  }

  /** Every process's output, one file each, for a run that must be diagnosed. */
  writeLogs(dir: string): void {
    for (const [i, { role, p }] of this.everyProcess.entries()) {
      writeFileSync(join(dir, `${String(i).padStart(2, '0')}-${role.replace(/[^\w-]+/g, '_')}-${p.child.pid}.log`), p.output());
    }
  }
}
