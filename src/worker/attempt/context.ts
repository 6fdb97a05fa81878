import type { Logger } from '../../log.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { EventPublisher } from '../../transport/events.js';
import type { TrialStore } from '../../transport/trial-store.js';
import type { CheckpointStore } from '../../transport/checkpoint-store.js';
import type { ModelStore } from '../../transport/model-store.js';
import type { DecisionStore } from '../../transport/decision-store.js';
import type { SweepStatusCache } from '../sweep-status-cache.js';
import type { TrainerPool } from '../trainer/trainer-pool.js';
import type { LeaseKeeper } from '../lease-keeper.js';
import type { CommandPolicy } from '../command/allow-policy.js';

/** What runJob needs of its worker; each step of an attempt takes only the fields it uses (a Pick of this). */
export interface RunnerContext {
  /** Batches this worker's trial events (see EventPublisher). */
  events: EventPublisher;
  trials: TrialStore;
  workerId: string;
  log: Logger;
  /** True once the worker drains (SIGTERM): running trials stop at the next batch boundary and are requeued. */
  isDraining: () => boolean;
  /** The worker's lease keeper: renews every held job, times heartbeats, knows the pool's current ack_wait, drains. */
  leases: LeaseKeeper;
  trainers: TrainerPool;
  /** Which programs command trials may run here (`--allow-command`); see command/allow-policy.ts. */
  commandPolicy: CommandPolicy;
  /** Whether module trials may run here (`--allow-module`): their bundle is code from whoever launched the sweep. */
  allowModule: boolean;
  sweepStatus: SweepStatusCache;
  /** The scheduler's PruneDecisions; read only for jobs of a sweep with a scheduler (`JobMessage.scheduled`). */
  decisions: Pick<DecisionStore, 'get'>;
  checkpoints: CheckpointStore;
  models: ModelStore;
  onCheckpoint?: (bytes: number, seconds: number) => void;
  /** Called with each finished epoch (metrics endpoint, progress). */
  onEpoch?: (m: EpochMetrics) => void;
  onLeaseLost?: () => void;
}

export type JobOutcome = 'completed' | 'pruned' | 'stopped' | 'failed' | 'requeued' | 'skipped' | 'malformed' | 'abandoned';

export const iso = (): string => new Date().toISOString();
