import type { NatsConnection } from 'nats';
import type { JobMessage } from '../domain/job.js';
import type { TrialConfig } from '../domain/trial-config.js';
import { publishJobs, type PublishOutcome } from '../transport/job-queue.js';

/**
 * The one job builder: every job the coordinator publishes (launch, retry, the reaper) is made and published here.
 * Each goes to its trial's own subject and is stored only while the stream holds no job of that trial, so a trial
 * never has two jobs at once (see docs/transport.md, "One job per trial"); a refused publish means the trial is
 * queued already.
 */

/** What a sweep's jobs carry besides their trial: from the spec's `execution` block and whether it has a scheduler. */
export interface JobSettings {
  maxDeliver: number;
  checkpointEvery: number;
  scheduled: boolean;
}

export interface JobTrial {
  trialId: string;
  index: number;
  config: TrialConfig;
}

/** `fresh`: no record of the trial existed at publish, so its first delivery may defer the claim. */
export function buildJob(sweepId: string, trial: JobTrial, settings: JobSettings, fresh = false): JobMessage {
  return {
    v: 1, sweepId, trialId: trial.trialId, index: trial.index, maxDeliver: settings.maxDeliver, checkpointEvery: settings.checkpointEvery,
    publishedAt: Date.now(), config: trial.config,
    ...(fresh ? { fresh: true } : {}),
    ...(settings.scheduled ? { scheduled: true } : {}),
  };
}

/** Publishes jobs to a pool; a trial that already has a job in the stream is counted in `alreadyQueued`. */
export function publishTrialJobs(nc: NatsConnection, pool: string, jobs: Iterable<JobMessage>, onProgress?: (done: number) => void): Promise<PublishOutcome> {
  return publishJobs(nc, pool, jobs, onProgress ? { onProgress } : {});
}
