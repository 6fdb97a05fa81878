import type { JsMsg } from 'nats';
import type { Logger } from '../../log.js';
import { coerceError } from '../../log.js';
import type { CheckpointRef } from '../../domain/blobs.js';
import type { JobMessage } from '../../domain/job.js';
import type { TrialRecordWriter } from '../record-writer.js';
import { runInline } from '../trainer/inline-run.js';
import type { TrainerProcess } from '../trainer/trainer-process.js';
import { startCommandTrial } from './command-trial.js';
import { assertModuleAllowed } from '../command/allow-policy.js';
import type { ModuleTrial } from '../../domain/trial-config.js';
import { ModuleContractError } from '../../training/models/user-module.js';
import type { AttemptRun, RecordedEpoch } from './run-types.js';
import { iso, type JobOutcome, type RunnerContext } from './context.js';
import { EpochRecorder } from './epoch-recorder.js';
import { AttemptLease, LeaseLostError } from './lease.js';
import { restore } from './restore.js';
import { pruneDecisionAt } from './prune-decision.js';
import { abandon, fail, finish, prune, requeueDrained, type Settling } from './settle.js';

/**
 * One attempt at a trial, from its claim to its settlement: restore, train (recording each epoch), settle.
 * Every write it makes holds only while it still owns the trial (see ./lease.ts and domain/trial-state).
 */
export class Attempt {
  readonly lease: AttemptLease;
  private run_: AttemptRun | null = null;
  private aborted = false;
  /** The record's checkpoints at the claim: restore starts from the newest of them. */
  private readonly claimedCheckpoints: CheckpointRef[];
  private readonly startedAt = Date.now();

  constructor(
    private readonly job: JobMessage,
    writer: TrialRecordWriter,
    private readonly ctx: RunnerContext,
    private readonly log: Logger,
  ) {
    const owner = { worker: ctx.workerId, attempt: writer.current.attempt };
    this.lease = new AttemptLease(owner, writer, log, { onLeaseLost: ctx.onLeaseLost, abortRun: () => this.run_?.abort() });
    this.claimedCheckpoints = writer.current.checkpoints;
  }

  /** Drain: stop at the next batch boundary; the run then requeues the trial. */
  abort(): void {
    this.aborted = true;
    this.run_?.abort();
  }

  /** Periodic, so an epoch of any length never looks stale to the reaper; a refusal stops a zombie at once. */
  heartbeat(): void {
    const { lease } = this;
    // A write since the last tick was a heartbeat already (every fenced write carries one's worth of news).
    if (lease.lost || Date.now() - lease.lastWriteAt < this.ctx.leases.heartbeatMs / 2) return;
    lease.write({ type: 'progress', owner: lease.owner, at: iso() }).catch((e: unknown) => {
      if (!(e instanceof LeaseLostError)) this.log.warn({ err: coerceError(e) }, 'heartbeat not written');
    });
  }

  async run(msg: JsMsg, delivery: number): Promise<JobOutcome> {
    const { job, ctx, log, lease } = this;
    const { sweepId, trialId } = job;
    const { owner } = lease;
    const settling: Settling = { job, msg, lease, ctx, log };
    let trainer: TrainerProcess | null = null;
    try {
      const { resumeFrom, resumeEpoch, checkpoints, epochs } = await restore(lease, this.claimedCheckpoints, ctx.checkpoints, log);
      // Decided before this attempt (a later seed of a stopped group, or requeued): pruned where it stands, untrained.
      const decided = await pruneDecisionAt(job, resumeEpoch, ctx);
      if (decided) return await prune(settling, { epochs, result: null }, decided);
      const recorder = new EpochRecorder(job, lease, ctx, checkpoints, epochs, this.startedAt);
      const { command } = job.config;
      // Sleep trials only await timers: they run inline; a command trial runs its own program; the rest in a
      // trainer process of this slot.
      // A module trial's model is built by its bundle, fetched by the hash its config names (so it is the launched code).
      if (job.config.module) assertModuleAllowed(job.config.module.file, ctx.allowModule);
      const moduleCode = job.config.module ? await moduleBundle(job.config.module, ctx.models) : undefined;
      if (job.config.model.family !== 'sleep' && !command) trainer = await ctx.trainers.acquire();
      log.info({ attempt: owner.attempt, delivery, resumeEpoch, ...(trainer ? { trainerPid: trainer.pid } : {}) }, resumeEpoch > 0 ? 'trial resumed from checkpoint' : 'trial started');
      ctx.events.publish({
        v: 1, type: 'started', sweepId, trialId, worker: ctx.workerId, attempt: owner.attempt, resumeEpoch, at: iso(),
        ...(job.publishedAt !== undefined ? { queueLatencyMs: Date.now() - job.publishedAt } : {}),
      });
      const checkpointEvery = job.checkpointEvery ?? 1;
      const onEpoch = (r: RecordedEpoch) => recorder.record(r);
      this.run_ = command
        ? startCommandTrial(command, { resumeFrom, resumeEpoch, checkpointEvery, policy: ctx.commandPolicy, epochs: () => recorder.trialEpochs, log }, onEpoch)
        : trainer
          ? trainer.run(job.config, resumeFrom, checkpointEvery, onEpoch, moduleCode)
          : runInline(job.config, resumeFrom, checkpointEvery, onEpoch);
      if (lease.lost || this.aborted || ctx.isDraining()) this.run_.abort();
      const outcome = await this.run_.finished;
      if (lease.lost) return abandon(lease);
      if (outcome === 'aborted') return await requeueDrained(settling);
      // A run that trained to its end (the decision came at its last epoch) completes instead.
      if (outcome.stopReason === 'stopped' && recorder.pruned) return await prune(settling, outcome, recorder.pruned);
      if (outcome.stopReason === 'stopped' && !recorder.cancelled) return await requeueDrained(settling);
      return await finish(settling, outcome, recorder.checkpoints);
    } catch (e) {
      if (lease.lost || e instanceof LeaseLostError) return abandon(lease);
      return await fail(settling, delivery, coerceError(e));
    } finally {
      if (this.run_) await this.run_.finished.catch(() => undefined);
      if (trainer) ctx.trainers.release(trainer);
    }
  }
}

/** Bundles fetched by this worker, by sha256: content-addressed, so never stale; one fetch per module, not per trial. */
const fetchedBundles = new Map<string, string>();

/** The launched bundle of a module trial; its absence is final (the sweep's launch stores it before any job). */
async function moduleBundle(module: ModuleTrial, models: RunnerContext['models']): Promise<string> {
  const cached = fetchedBundles.get(module.sha256);
  if (cached !== undefined) return cached;
  const code = await models.getModule(module.sha256);
  if (code === null) {
    throw new ModuleContractError(`the bundle of model module ${module.file} (${module.sha256.slice(0, 12)}) is not in the sweep-models store; relaunch the sweep to store it`);
  }
  fetchedBundles.set(module.sha256, code);
  return code;
}
