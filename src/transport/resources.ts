import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  millis,
  nanos,
  type JetStreamManager,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import {
  CHECKPOINTS_BUCKET,
  DECISIONS_BUCKET,
  EVENTS_STREAM,
  JOBS_STREAM,
  MODELS_BUCKET,
  SWEEPS_BUCKET,
  TRIALS_BUCKET,
  consumerName,
  kvStream,
  objectStream,
  poolJobsFilter,
} from './names.js';
import { isConsumerNotFound, isStreamNotFound } from './jetstream-errors.js';
import { secondsSetting } from '../domain/settings.js';
import { replicaPlan, updateReplicas, type ReplicaPlan } from './replicas.js';

export interface QueueSettings {
  pool: string;
  /**
   * How long a job may go without ack/working() before it is redelivered: the lease this sweep asks for. A pool's
   * consumer keeps the longest any of its sweeps asked for (ensureConsumer never shortens it).
   */
  ackWaitMs: number;
}

export const DEFAULT_QUEUE: QueueSettings = { pool: 'default', ackWaitMs: 30_000 };

/**
 * Deliveries are unlimited on the broker: a drain must nak (workers cannot publish jobs), and naks must be free.
 * The retry budget (spec execution.max_deliver) counts failed attempts in the trial record (domain/retry-budget.ts).
 */
const UNLIMITED_DELIVERIES = -1;

/** The stream's duplicate window: SWEEP_JOBS_DUPLICATE_WINDOW_S, default an hour. Nothing correct depends on it. */
export function duplicateWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  return secondsSetting('SWEEP_JOBS_DUPLICATE_WINDOW_S', 3600, env);
}

/** The pool's consumer as ensureConsumer left it. */
export interface PoolLease {
  /** The pool's ack_wait now: the longest any sweep of the pool asked for. */
  ackWaitMs: number;
  /** This sweep asked for less than the pool keeps (another sweep asked for more). */
  keptLonger: boolean;
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }, plan: ReplicaPlan): Promise<void> {
  try {
    const info = await jsm.streams.info(cfg.name);
    // Replicas change only when asked for (updateReplicas), never by a worker's or a default's guess.
    const wanted = { ...info.config, ...cfg, num_replicas: plan.enforce ? plan.replicas : info.config.num_replicas };
    if (JSON.stringify(wanted) !== JSON.stringify(info.config)) await jsm.streams.update(cfg.name, wanted);
  } catch (e) {
    if (!isStreamNotFound(e)) throw e;
    await jsm.streams.add({ ...cfg, num_replicas: plan.replicas });
  }
}

/**
 * Creates or updates the work-queue consumer of a pool (idempotent). Its ack_wait may grow but never shrink: workers
 * of every sweep on the pool renew their leases from it, so a sweep asking for less would shorten the leases of
 * the others' running jobs.
 */
export async function ensureConsumer(jsm: JetStreamManager, q: QueueSettings): Promise<PoolLease> {
  const name = consumerName(q.pool);
  const cfg = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(q.ackWaitMs),
    max_deliver: UNLIMITED_DELIVERIES,
    filter_subject: poolJobsFilter(q.pool),
    max_ack_pending: 10_000,
  };
  try {
    const info = await jsm.consumers.info(JOBS_STREAM, name);
    const current = info.config.ack_wait ?? nanos(DEFAULT_ACK_WAIT_MS);
    const ackWait = Math.max(current, cfg.ack_wait);
    if (ackWait !== current || info.config.max_deliver !== cfg.max_deliver) {
      await jsm.consumers.update(JOBS_STREAM, name, { ack_wait: ackWait, max_deliver: cfg.max_deliver, max_ack_pending: cfg.max_ack_pending });
    }
    return { ackWaitMs: millis(ackWait), keptLonger: ackWait > cfg.ack_wait };
  } catch (e) {
    if (!isConsumerNotFound(e)) throw e;
    await jsm.consumers.add(JOBS_STREAM, cfg);
    return { ackWaitMs: q.ackWaitMs, keptLonger: false };
  }
}

/** JetStream's ack_wait when a consumer leaves it unset. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/**
 * Idempotent setup of every stream, bucket and the pool's consumer (nats-server 2.9 features only). New resources
 * get 3 replicas on a cluster of three or more servers, else 1; `replicas` (--replicas) demands a number, checked
 * against the cluster before anything is created, and brings existing resources to it (replicas.ts).
 */
export async function ensureResources(nc: NatsConnection, q: QueueSettings = DEFAULT_QUEUE, replicas?: number): Promise<PoolLease> {
  const plan = replicaPlan(nc, replicas);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, {
    name: JOBS_STREAM,
    subjects: ['sweep.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(duplicateWindowMs()),
  }, plan);
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: ['sweep.events.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_bytes: 1024 * 1024 * 1024,
    discard: DiscardPolicy.Old,
  }, plan);
  const js = nc.jetstream();
  for (const [bucket, history] of [[SWEEPS_BUCKET, 5], [TRIALS_BUCKET, 1], [DECISIONS_BUCKET, 1]] as const) {
    await js.views.kv(bucket, { history, replicas: plan.replicas });
    await updateReplicas(jsm, kvStream(bucket), plan);
  }
  for (const bucket of [CHECKPOINTS_BUCKET, MODELS_BUCKET]) {
    await js.views.os(bucket, { replicas: plan.replicas });
    await updateReplicas(jsm, objectStream(bucket), plan);
  }
  return ensureConsumer(jsm, q);
}
