import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SweepError } from '../../domain/errors.js';
import type { TrialConfig } from '../../domain/trial-config.js';
import type { BackendName } from '../../domain/backends.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import type { FromTrainer, ToTrainer, TrainerFailure, TrainerOutcome } from './protocol.js';
import { TRAINER_PROTOCOL_VERSION, isProtocolMessage } from './protocol.js';
import { recordPatch } from '../../runtime-patches.js';
import { withoutBrokerCredentials } from '../broker-credentials.js';

/** The trainer process exited (native abort, out of memory, killed) while it had work. */
export class TrainerExitedError extends SweepError {
  override readonly retryable = true;
  constructor(
    message: string,
    /** The signal that ended the process (a drain's SIGTERM reaches the whole process group), or null for an exit code. */
    readonly signal: NodeJS.Signals | null = null,
  ) {
    super(message);
  }
}

/** The trainer reported that training failed; retryable unless the trainer said the error was unrecoverable. */
export class TrainingFailedError extends SweepError {
  override readonly retryable: boolean;
  constructor(failure: TrainerFailure) {
    super(`${failure.name}: ${failure.message}`);
    this.retryable = !failure.unrecoverable;
  }
}

export interface EpochReport {
  metrics: EngineEpochMetrics;
  state: { epoch: number; bytes: Uint8Array; sha256: string } | null;
}

export interface RunHandle {
  /** Settles with the outcome, or 'aborted' after abort(); rejects with TrainingFailedError or TrainerExitedError. */
  finished: Promise<TrainerOutcome | 'aborted'>;
  /** Stop at the next batch boundary without a result (drain, lost lease). Idempotent. */
  abort(): void;
}

export interface TrainerProcessOptions {
  backend: BackendName;
  dataDir?: string;
  log: (level: 'debug' | 'info' | 'warn', msg: string) => void;
  /** Extra environment for the trainer (set before it starts: native code reads it at load time). */
  env?: Record<string, string>;
}

const HERE = fileURLToPath(import.meta.url);
/** How long an aborted run may take to reach a batch boundary before its trainer is killed. */
const ABORT_GRACE_MS = 10_000;

/** The trainer entry next to this file, and how to start it: through tsx when running from the sources. */
function entry(): { file: string; execArgv: string[] } {
  if (HERE.endsWith('.ts')) {
    return { file: HERE.replace(/trainer-process\.ts$/, 'trainer-main.ts'), execArgv: ['--import', import.meta.resolve('tsx')] };
  }
  return { file: HERE.replace(/trainer-process\.js$/, 'trainer-main.js'), execArgv: [] };
}

/**
 * One trainer child process (a worker slot). A child process rather than a worker thread: a native abort or an
 * out-of-memory kill in training ends only this child, so the worker records the failure and its other slots go
 * on; the oneDNN addon's process-wide state and OpenMP settings stay per slot.
 */
export class TrainerProcess {
  private readonly child: ChildProcess;
  private exitError: TrainerExitedError | null = null;
  private readonly ready: Promise<string>;
  private current: {
    runId: number;
    onEpoch: (r: EpochReport) => Promise<boolean>;
    settle: (m: FromTrainer | Error) => void;
    abort: () => void;
    error: Error | null;
    /** The epoch being handed to onEpoch (never rejects): the run settles only after it. */
    recording: Promise<void>;
    settling: boolean;
  } | null = null;
  private nextRunId = 1;

  constructor(private readonly opts: TrainerProcessOptions) {
    const { file, execArgv } = entry();
    this.child = fork(file, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...withoutBrokerCredentials(process.env), ...opts.env },
    });
    const exited = new Promise<never>((_, reject) => {
      this.child.once('exit', (code, signal) => {
        this.exitError = new TrainerExitedError(`trainer process ${this.child.pid} exited (${signal ? `signal ${signal}` : `code ${code}`})`, signal);
        this.current?.settle(this.exitError);
        reject(this.exitError);
      });
    });
    exited.catch(() => undefined);
    this.ready = new Promise<string>((resolve, reject) => {
      this.child.on('message', (raw: unknown) => {
        if (!isProtocolMessage(raw) || raw.v !== TRAINER_PROTOCOL_VERSION) {
          opts.log('warn', `trainer sent a message of an unknown protocol version; stopping it`);
          void this.kill();
          return;
        }
        const m = raw as FromTrainer;
        if (m.type === 'ready') {
          // The trainer's patches are this worker's too (its /metrics): record them here.
          for (const [name, status] of Object.entries(m.patches)) recordPatch(name, status);
          resolve(m.backend);
        }
        else if (m.type === 'init-failed') reject(new TrainingFailedError(m.error));
        else if (m.type === 'log') opts.log(m.level, m.msg);
        else this.onRunMessage(m);
      });
      void exited.catch(reject);
    });
    this.ready.catch(() => undefined);
    this.send({ v: 1, type: 'init', backend: opts.backend, dataDir: opts.dataDir ?? null });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The backend the trainer initialised (rejects when it could not). */
  backend(): Promise<string> {
    return this.ready;
  }

  get alive(): boolean {
    return this.exitError === null;
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Trains one trial. `onEpoch` is awaited for each finished epoch (store the checkpoint, write the record) and
   * returns true to stop the trial at this epoch boundary; if it throws, the run is aborted and `finished`
   * rejects with that error once the trainer has stopped. `finished` settles only after the last onEpoch has.
   */
  run(config: TrialConfig, resumeFrom: Uint8Array | null, checkpointEvery: number, onEpoch: (r: EpochReport) => Promise<boolean>, moduleCode?: string): RunHandle {
    if (this.current) throw new Error('trainer process is busy');
    const runId = this.nextRunId++;
    let killTimer: NodeJS.Timeout | null = null;
    let settle!: (m: FromTrainer | Error) => void;
    const finished = new Promise<TrainerOutcome | 'aborted'>((resolve, reject) => {
      settle = (m) => {
        const run = this.current;
        if (run?.runId !== runId || run.settling) return;
        run.settling = true;
        // An abort answers the trainer's wait for its epoch ack at once, so the run may end while onEpoch still
        // saves that epoch's checkpoint: settling first, the attempt would write a final record that does not name
        // the checkpoint, and nobody would delete it (fault campaign, seed 10).
        void run.recording.then(() => {
          const failure = run.error;
          this.current = null;
          if (killTimer) clearTimeout(killTimer);
          if (failure) reject(failure);
          else if (m instanceof Error) reject(m);
          else if (m.type === 'done') resolve(m.outcome);
          else if (m.type === 'aborted') resolve('aborted');
          else if (m.type === 'failed') reject(new TrainingFailedError(m.error));
        });
      };
    });
    const abort = () => {
      if (this.current?.runId !== runId || killTimer) return;
      this.send({ v: 1, type: 'abort', runId });
      // A trainer stuck inside native code never reaches a batch boundary: end it.
      killTimer = setTimeout(() => {
        this.opts.log('warn', `trainer ${this.pid} did not stop within ${ABORT_GRACE_MS} ms of an abort: killing it`);
        void this.kill();
      }, ABORT_GRACE_MS);
    };
    this.current = { runId, onEpoch, settle, abort, error: null, recording: Promise.resolve(), settling: false };
    if (this.exitError) settle(this.exitError);
    else this.send({ v: 1, type: 'train', runId, config, resumeFrom, checkpointEvery, ...(moduleCode !== undefined ? { moduleCode } : {}) });
    return { finished, abort };
  }

  private onRunMessage(m: Exclude<FromTrainer, { type: 'ready' | 'init-failed' | 'log' }>): void {
    const run = this.current;
    if (!run || run.runId !== m.runId) return; // a late message of a run already settled
    if (m.type !== 'epoch') return run.settle(m);
    run.recording = run
      .onEpoch({ metrics: m.metrics, state: m.state })
      .then((stop) => this.send({ v: 1, type: 'epoch-ack', runId: m.runId, stop }))
      .catch((e: unknown) => {
        run.error ??= e instanceof Error ? e : new Error(String(e));
        run.abort();
      });
  }

  private send(m: ToTrainer): void {
    if (this.exitError || !this.child.connected) return;
    this.child.send(m);
  }

  /** SIGKILL; resolves once it exited. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await gone;
  }
}
