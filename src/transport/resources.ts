import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
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
import { replicaPlan, updateReplicas, type ReplicaPlan } from './replicas.js';

export interface QueueSettings {
  pool: string;
  /** How long a job may go without ack/working() before it is redelivered. */
  ackWaitMs: number;
  /** Broker-side cap; the per-sweep limit (spec execution.max_deliver) is enforced by the worker below it. */
  maxDeliver: number;
}

export const DEFAULT_QUEUE: QueueSettings = { pool: 'default', ackWaitMs: 30_000, maxDeliver: 100 };

/** A re-launch within this window publishes no duplicates of jobs still queued. */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

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

/** Creates or updates the work-queue consumer of a pool (idempotent). */
export async function ensureConsumer(jsm: JetStreamManager, q: QueueSettings): Promise<void> {
  const name = consumerName(q.pool);
  const cfg = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(q.ackWaitMs),
    max_deliver: q.maxDeliver,
    filter_subject: poolJobsFilter(q.pool),
    max_ack_pending: 10_000,
  };
  try {
    const info = await jsm.consumers.info(JOBS_STREAM, name);
    if (info.config.ack_wait !== cfg.ack_wait || info.config.max_deliver !== cfg.max_deliver) {
      await jsm.consumers.update(JOBS_STREAM, name, {
        ack_wait: cfg.ack_wait,
        max_deliver: cfg.max_deliver,
        max_ack_pending: cfg.max_ack_pending,
      });
    }
  } catch (e) {
    if (!isConsumerNotFound(e)) throw e;
    await jsm.consumers.add(JOBS_STREAM, cfg);
  }
}

/**
 * Idempotent setup of every stream, bucket and the pool's consumer (nats-server 2.9 features only). New resources
 * get 3 replicas on a cluster of three or more servers, else 1; `replicas` (--replicas) demands a number, checked
 * against the cluster before anything is created, and brings existing resources to it (replicas.ts).
 */
export async function ensureResources(nc: NatsConnection, q: QueueSettings = DEFAULT_QUEUE, replicas?: number): Promise<void> {
  const plan = replicaPlan(nc, replicas);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, {
    name: JOBS_STREAM,
    subjects: ['sweep.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
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
  await ensureConsumer(jsm, q);
}
