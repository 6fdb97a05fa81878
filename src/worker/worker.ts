import { hostname } from 'node:os';
import { NO_COMMANDS, describePolicy, type CommandPolicy } from './command/allow-policy.js';
import { randomBytes } from 'node:crypto';
import { Events, type Consumer, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { JOBS_STREAM, consumerName } from '../transport/names.js';
import { bindResources } from '../transport/bind-resources.js';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import type { BackendName } from '../domain/backends.js';
import type { EpochMetrics } from '../domain/metrics.js';
import { runJob } from './trial-runner.js';
import { TrainerPool } from './trainer/trainer-pool.js';
import { TrainerExitedError } from './trainer/trainer-process.js';
import { LeaseKeeper } from './lease-keeper.js';
import { readPoolAckWaitMs } from '../transport/bind-resources.js';
import { emptyWorkerStats, type WorkerStats } from './worker-stats.js';

export type { WorkerStats } from './worker-stats.js';
import { SweepStatusCache } from './sweep-status-cache.js';
import { CheckpointStore } from '../transport/checkpoint-store.js';
import { ModelStore } from '../transport/model-store.js';
import { DecisionStore } from '../transport/decision-store.js';
import { EventPublisher } from '../transport/events.js';

export interface WorkerOptions {
  /** Jobs come from this pool's consumer, whose ack_wait (set by the coordinator) is the lease. */
  pool: string;
  /** Trials run at once (default 1), each in a trainer process of its own slot ('sleep' trials inline). */
  concurrency: number;
  backend: BackendName;
  dataDir?: string;
  id?: string;
  /** Exit after this many jobs (tests, batch use). */
  maxJobs?: number;
  /** Exit once the queue stays empty this long (ms). */
  idleExitMs?: number;
  /** Which programs command trials may run (`--allow-command`); default none. */
  commandPolicy?: CommandPolicy;
  /** Whether module trials may run (`--allow-module`); default no. */
  allowModule?: boolean;
  /** Whether the CLI made this process non-dumpable (src/worker/process-guard.ts); unset: it runs no user code. */
  nonDumpable?: boolean;
}


/**
 * Pulls jobs from the pool's durable consumer, never more than there are free slots (so no job waits in a local
 * buffer while its ack timer runs).
 */
export class Worker {
  readonly id: string;
  readonly stats: WorkerStats = emptyWorkerStats();
  private draining = false;
  private readonly stopped: Promise<void>;
  private markStopped!: () => void;
  private readonly trainers: TrainerPool;
  /** Set once bound to the pool's consumer: renews leases and times heartbeats from the consumer's ack_wait. */
  private leases: LeaseKeeper | null = null;
  private jobsTaken = 0;
  private lastJobAt = Date.now();

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: WorkerOptions,
    private readonly log: Logger,
  ) {
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    this.stopped = new Promise<void>((r) => (this.markStopped = r));
    const trainerLog = this.log.child({ workerId: this.id, component: 'trainer' });
    this.trainers = new TrainerPool({
      backend: opts.backend,
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      log: (level, msg) => trainerLog[level](msg),
    });
  }

  /** Runs until close() or an exit condition; resolves when every slot has stopped. */
  async run(): Promise<void> {
    try {
      await this.serve();
    } finally {
      // Closing the trainers ends a warm-up still running: that is this stop, not a broken backend.
      this.draining = true;
      await this.trainers.close();
      this.markStopped();
    }
  }

  private async serve(): Promise<void> {
    void this.watchConnection();
    // Start the first trainer up front so /readyz means "can train now", and a broken backend stops the worker.
    // Not awaited before pulling: a command trial needs no tfjs trainer, and its program should not wait for one
    // (a tfjs trial waits for it in acquire()).
    const warm: { failure: Error | null } = { failure: null };
    const warming = this.trainers.warm().then(
      (backend) => {
        this.stats.backend = backend;
      },
      (e: unknown) => {
        // A drain (SIGTERM/SIGINT reach the trainer process too) ends a warm-up that had not finished: no failure.
        // The trainer can see the signal before this process runs its handler, so a trainer ended by SIGTERM or
        // SIGINT is not a backend that cannot initialise either (a crash in it, SIGSEGV or SIGABRT, still is); a
        // trial that needs a trainer starts another.
        if (this.draining) return;
        if (e instanceof TrainerExitedError && (e.signal === 'SIGTERM' || e.signal === 'SIGINT')) {
          this.log.warn({ signal: e.signal }, 'the trainer warming up was stopped by a signal');
          return;
        }
        warm.failure = coerceError(e);
        this.log.error({ err: warm.failure }, 'the tfjs backend cannot initialise: worker stopping');
        this.draining = true;
      },
    );
    const log = this.log.child({ workerId: this.id });
    // Bind, never create: the coordinator owns the streams, buckets and consumer (and their settings).
    const bound = await bindResources(this.nc, this.opts.pool, {
      onWaiting: (missing) => log.warn({ pool: this.opts.pool, missing }, 'waiting for the coordinator to create the queue (`sweep launch` does): nothing to pull yet'),
      shouldStop: () => this.shouldExit(),
    });
    if (!bound) {
      await warming;
      if (warm.failure) throw warm.failure;
      return;
    }
    const jsm = await this.nc.jetstreamManager();
    const leases = (this.leases = new LeaseKeeper({
      ackWaitMs: bound.ackWaitMs,
      readAckWaitMs: () => readPoolAckWaitMs(jsm, this.opts.pool),
      connected: () => this.stats.connected,
      onRenewalFailure: () => this.stats.leaseRenewalFailures++,
      onAckWaitChange: (fromMs, toMs) => log.info({ pool: this.opts.pool, fromMs, toMs }, 'the pool consumer\'s ack_wait changed: leases renew at a third of it'),
      onRefreshError: (e) => log.warn({ err: coerceError(e).message }, 'cannot re-read the pool consumer\'s ack_wait: keeping the last one'),
    }));
    const trials = await TrialStore.open(this.nc);
    const sweeps = await SweepStore.open(this.nc);
    const consumer = await this.nc.jetstream().consumers.get(JOBS_STREAM, consumerName(this.opts.pool));
    const events = new EventPublisher(this.nc);
    const ctx = {
      events,
      trials,
      workerId: this.id,
      log,
      isDraining: () => this.draining,
      leases,
      trainers: this.trainers,
      commandPolicy: this.opts.commandPolicy ?? NO_COMMANDS,
      allowModule: this.opts.allowModule ?? false,
      connected: () => this.stats.connected,
      onLeaseLost: () => this.stats.leasesLost++,
      sweepStatus: new SweepStatusCache(sweeps),
      decisions: await DecisionStore.open(this.nc),
      checkpoints: await CheckpointStore.open(this.nc),
      models: await ModelStore.open(this.nc),
      onCheckpoint: (bytes: number, seconds: number) => {
        this.stats.checkpointBytes += bytes;
        this.stats.checkpointSeconds += seconds;
      },
      onEpoch: (m: EpochMetrics) => {
        this.stats.epochs++;
        if (m.images_per_sec !== undefined) this.stats.imagesPerSec = m.images_per_sec;
      },
    };
    log.info({ pool: this.opts.pool, ackWaitMs: bound.ackWaitMs, concurrency: this.opts.concurrency, allowCommand: describePolicy(this.opts.commandPolicy ?? NO_COMMANDS), allowModule: this.opts.allowModule ?? false, ...(this.opts.nonDumpable !== undefined ? { nonDumpable: this.opts.nonDumpable } : {}) }, 'worker started');
    try {
      await this.pullLoop(consumer, ctx);
    } finally {
      events.flush();
      await warming;
    }
    if (warm.failure) throw warm.failure;
    log.info({ outcomes: this.stats.outcomes }, 'worker stopped');
  }

  private async watchConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect) this.stats.connected = false;
      if (s.type === Events.Reconnect) this.stats.connected = true;
    }
  }

  /** Connected to the broker and the backend initialised. */
  get ready(): boolean {
    return this.stats.connected && this.stats.backend !== null && !this.draining;
  }

  private shouldExit(): boolean {
    if (this.draining) return true;
    if (this.opts.maxJobs !== undefined && this.jobsTaken >= this.opts.maxJobs) return true;
    if (this.opts.idleExitMs !== undefined && this.stats.running === 0 && Date.now() - this.lastJobAt > this.opts.idleExitMs) return true;
    return false;
  }

  /**
   * One pull loop feeding `concurrency` slots: each fetch asks for exactly as many jobs as there are free
   * slots, and every job starts the moment it arrives.
   */
  private async pullLoop(consumer: Consumer, ctx: Parameters<typeof runJob>[1]): Promise<void> {
    const running = new Set<Promise<void>>();
    let backoff = 100;
    while (!this.shouldExit()) {
      const free = this.opts.concurrency - running.size;
      // With many slots (short trials), ask for jobs in batches of at least a quarter of the slots: one pull
      // request per finished job would cost more than the jobs themselves.
      if (free === 0 || (running.size > 0 && free < Math.ceil(this.opts.concurrency / 4))) {
        await Promise.race(running);
        continue;
      }
      let batch;
      try {
        batch = await consumer.fetch({ max_messages: free, expires: 2_000 });
        backoff = 100;
      } catch (e) {
        // Broker restarting or unreachable: the connection reconnects by itself; wait and ask again.
        this.log.warn({ err: coerceError(e).message, retryInMs: backoff }, 'cannot pull jobs');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      try {
        for await (const msg of batch) {
          if (this.draining) {
            msg.nak(0);
            continue;
          }
          const job = this.startJob(msg, ctx).finally(() => running.delete(job));
          running.add(job);
        }
      } catch (e) {
        this.log.warn({ err: coerceError(e).message }, 'job fetch interrupted');
      }
    }
    await Promise.all(running);
  }

  private async startJob(msg: JsMsg, ctx: Parameters<typeof runJob>[1]): Promise<void> {
    this.jobsTaken++;
    this.stats.running++;
    try {
      const outcome = await runJob(msg, ctx);
      this.stats.outcomes[outcome]++;
    } catch (e) {
      // runJob records every outcome itself; reaching here means the broker failed under us mid-job.
      this.log.error({ err: coerceError(e) }, 'job aborted: it will be redelivered after ack_wait');
    } finally {
      this.stats.running--;
      this.lastJobAt = Date.now();
    }
  }

  /**
   * Drains: no new jobs; running trials stop at the next batch boundary and are requeued (resuming from their
   * last checkpoint elsewhere). Resolves once run() has returned. `force` also kills the trainer processes at
   * once: their jobs are redelivered after ack_wait.
   */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    this.draining = true;
    this.leases?.abortAll();
    if (opts.force) await this.trainers.close();
    await this.stopped;
  }

  get isDraining(): boolean {
    return this.draining;
  }
}
