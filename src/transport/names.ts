/** Names of every JetStream resource and subject, in one place (see DESIGN.md "JetStream resources"). */
export const JOBS_STREAM = 'SWEEP_JOBS';
export const EVENTS_STREAM = 'SWEEP_EVENTS';
export const SWEEPS_BUCKET = 'sweep-sweeps';
export const TRIALS_BUCKET = 'sweep-trials';
export const CHECKPOINTS_BUCKET = 'sweep-checkpoints';
export const MODELS_BUCKET = 'sweep-models';
/** The coordinator's PruneDecisions (early termination), one per pruned trial. */
export const DECISIONS_BUCKET = 'sweep-decisions';

/** The streams behind the KV and object-store buckets (nats.js names them so). */
export const kvStream = (bucket: string) => `KV_${bucket}`;
export const objectStream = (bucket: string) => `OBJ_${bucket}`;
/** Every stream the sweep uses, buckets included: what ensureResources creates and a worker binds to. */
export const ALL_STREAMS = [
  JOBS_STREAM,
  EVENTS_STREAM,
  ...[SWEEPS_BUCKET, TRIALS_BUCKET, DECISIONS_BUCKET].map(kvStream),
  ...[CHECKPOINTS_BUCKET, MODELS_BUCKET].map(objectStream),
] as const;

/**
 * One subject per trial: the stream holds at most one job per subject (every job is published expecting none on its
 * subject, see job-queue.ts), so a trial never has two jobs at once, whatever the duplicate window says.
 */
export const jobSubject = (pool: string, sweepId: string, trialId: string) => `sweep.jobs.${pool}.${sweepId}.${trialId}`;
export const poolJobsFilter = (pool: string) => `sweep.jobs.${pool}.>`;
export const sweepJobsFilter = (sweepId: string) => `sweep.jobs.*.${sweepId}.*`;
/** Events are published in batches per sweep (see EventPublisher), so the subject names the sweep only. */
export const eventBatchSubject = (sweepId: string) => `sweep.events.${sweepId}.batch`;
export const sweepEventsFilter = (sweepId: string) => `sweep.events.${sweepId}.>`;
export const consumerName = (pool: string) => `workers-${pool}`;
export const trialKey = (sweepId: string, trialId: string) => `${sweepId}.${trialId}`;
export const sweepTrialsFilter = (sweepId: string) => `${sweepId}.>`;
/** A trial's PruneDecision in KV `sweep-decisions`; `sweepTrialsFilter` matches a sweep's. */
export const decisionKey = (sweepId: string, trialId: string) => `${sweepId}.${trialId}`;

/** Subject tokens and KV keys allow [A-Za-z0-9_-]; sweep names and pools are validated to that. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;
