import { ModelStore } from '../transport/model-store.js';
import type { NatsConnection } from 'nats';
import { configGroup } from '../domain/config-group.js';
import type { ExpandedSweep, Trial } from '../spec/types.js';
import type { JobMessage } from '../domain/job.js';
import type { SweepRecord } from '../domain/sweep-record.js';
import type { TrialRecord } from '../domain/trial-record.js';
import type { PublishOutcome } from '../transport/job-queue.js';
import { buildJob, publishTrialJobs } from './jobs.js';
import { SweepStore } from '../transport/sweep-store.js';
import { diffJson } from './spec-diff.js';
import { TrialStore } from '../transport/trial-store.js';
import { transition } from '../domain/trial-state.js';
import { SweepError } from '../domain/errors.js';

/** Beyond this many trials the sweep record keeps only the count (a KV value is capped at 1 MB). */
const MAX_LISTED_TRIALS = 10_000;

export class SpecChangedError extends SweepError {
  override readonly badInput = true;
}

export interface LaunchOptions {
  sweepId: string;
  specFile: string;
  pool: string;
  /** Accept a spec whose hash differs from the recorded one (adds its trials to the sweep). */
  extend?: boolean;
  onProgress?: (published: number) => void;
}

export interface LaunchResult {
  record: SweepRecord;
  existing: Map<string, TrialRecord>;
  toPublish: number;
  /** Trials not published again: COMPLETED, or PRUNED by the scheduler. */
  alreadyCompleted: number;
  publish: PublishOutcome;
}

/**
 * Records the sweep and publishes a job for every trial that has not COMPLETED (or been PRUNED by the scheduler)
 * yet and has no job in the stream (idempotent: see jobs.ts).
 */
export async function launchSweep(nc: NatsConnection, sweep: ExpandedSweep, opts: LaunchOptions): Promise<LaunchResult> {
  const sweeps = await SweepStore.open(nc);
  const trials = await TrialStore.open(nc);
  const now = new Date().toISOString();
  const prior = await sweeps.get(opts.sweepId);
  if (prior && prior.value.specHash !== sweep.specHash) {
    const changes = prior.value.spec !== undefined ? diffJson(prior.value.spec, sweep.spec) : [];
    const shown = changes.length ? `\n  changed:\n    ${changes.slice(0, 20).join('\n    ')}${changes.length > 20 ? `\n    … ${changes.length - 20} more` : ''}` : '';
    const newIds = new Set(sweep.trials.map((t) => t.id));
    const dropped = (prior.value.trials ?? []).filter((t) => !newIds.has(t.id)).length;
    // The recorded decisions (PRUNED trials) were made by the recorded scheduler: a sweep keeps one, even with --extend.
    const rescheduled = diffJson(prior.value.scheduler ?? null, sweep.scheduler, 'scheduler');
    if (!opts.extend) {
      throw new SpecChangedError(
        `sweep "${opts.sweepId}" was launched from a different spec (recorded hash ${prior.value.specHash.slice(0, 12)}, ` +
          `now ${sweep.specHash.slice(0, 12)}).${shown}\n  hint: give the changed spec a new \`name:\`` +
          (dropped === 0 && rescheduled.length === 0 ? ', or pass --extend to add its new trials to this sweep' : ''),
      );
    }
    if (rescheduled.length > 0) {
      throw new SpecChangedError(
        `--extend only adds trials, but this spec changes the scheduler of sweep "${opts.sweepId}" ` +
          `(its trials were judged by the recorded one):\n    ${rescheduled.join('\n    ')}\n  hint: give the changed spec a new \`name:\``,
      );
    }
    if (dropped > 0) {
      throw new SpecChangedError(
        `--extend only adds trials, but this spec drops ${dropped} trial(s) of sweep "${opts.sweepId}".${shown}\n  hint: give the changed spec a new \`name:\``,
      );
    }
  }
  const listed = (ts: Trial[]) => (ts.length <= MAX_LISTED_TRIALS ? ts.map((t) => ({ id: t.id, index: t.index, group: configGroup(t.config.params) })) : null);
  const mergedTrials = (() => {
    const current = listed(sweep.trials);
    const before = prior?.value.trials;
    if (!current || !before) return current;
    const seen = new Set(current.map((t) => t.id));
    return [...before.filter((t) => !seen.has(t.id)), ...current];
  })();
  const record: SweepRecord = {
    v: 1,
    id: opts.sweepId,
    name: sweep.name,
    specHash: sweep.specHash,
    specFile: opts.specFile,
    spec: sweep.spec,
    objective: sweep.objective,
    export: sweep.export,
    scheduler: sweep.scheduler,
    profileNote: sweep.profileNote ?? null,
    moduleBundle: sweep.module ? { file: sweep.module.file, sha256: sweep.module.sha256 } : null,
    trialCount: mergedTrials?.length ?? sweep.trials.length,
    status: 'RUNNING',
    createdAt: prior?.value.createdAt ?? now,
    updatedAt: now,
    trials: mergedTrials,
  };
  await sweeps.put(record);

  const existing = await trials.snapshot(opts.sweepId);
  // PRUNED is final as COMPLETED is: the scheduler decided, and a relaunch does not overrule it.
  const settled = (t: Trial) => {
    const status = existing.get(t.id)?.status;
    return status === 'COMPLETED' || status === 'PRUNED';
  };
  const pending = sweep.trials.filter((t) => !settled(t));
  // Before any job: a worker fetches the module's bundle by the hash in the trial's config.
  if (sweep.module && pending.length > 0) await (await ModelStore.open(nc)).putModule(sweep.module.sha256, sweep.module.code);
  for (const t of pending) {
    const prev = existing.get(t.id);
    if (prev && (prev.status === 'FAILED' || prev.status === 'STOPPED')) {
      await trials.mutate(opts.sweepId, t.id, (cur) => (cur ? transition(cur, { type: 'retry', statuses: ['FAILED', 'STOPPED'] }) : null));
    }
  }
  const settings = { maxDeliver: sweep.execution.max_deliver, checkpointEvery: sweep.execution.checkpoint_every, scheduled: sweep.scheduler != null };
  // Every pending trial is offered, RUNNING ones too: the broker stores a job only for a trial with none in the
  // stream, so a live trial keeps its one job, and one whose job was lost gets a new one.
  const jobs = function* (): Generator<JobMessage> {
    for (const t of pending) yield buildJob(opts.sweepId, { trialId: t.id, index: t.index, config: t.config }, settings, !existing.has(t.id));
  };
  const publish = await publishTrialJobs(nc, opts.pool, jobs(), opts.onProgress);
  return { record, existing, toPublish: pending.length, alreadyCompleted: sweep.trials.length - pending.length, publish };
}
