import type { NatsConnection } from 'nats';
import { coerceError, type Logger } from '../log.js';
import type { SchedulerConfig } from '../domain/scheduler.js';
import type { SweepView } from '../report/types.js';
import { SweepStore } from '../transport/sweep-store.js';
import { followSweep } from './follow.js';
import type { SweepProgress } from './progress.js';
import { releasePrunedCheckpoints } from './pruned-checkpoints.js';
import { startReaper, type ReaperSettings } from './reaper.js';
import { startScheduling } from './scheduling.js';
import { collectSweepGarbage, startGcPass } from './gc-pass.js';
import { loadSweepView } from './sweep-view.js';

/** Lets go of one resource; may throw (release() reports it after running the others). */
export type Releaser = () => void | Promise<void>;

/**
 * graphile-worker's `releasers` (src/runner.ts): each resource, once started, registers how to let it go;
 * release() runs them once, last registered first, each even if an earlier one threw, then throws what they threw
 * (the error itself for one, an AggregateError for several). A second release() does nothing (it waits for the
 * first to end and throws nothing). A releaser added after release() began runs once that release ended (what it
 * throws then is dropped), so nothing registered late outlives the release.
 */
export class Releasers {
  private readonly list: Releaser[] = [];
  private releasing: Promise<void> | null = null;

  add(release: Releaser): void {
    if (this.releasing) {
      void this.releasing.then(release, release).catch(() => undefined);
      return;
    }
    this.list.push(release);
  }

  async release(): Promise<void> {
    if (this.releasing) return this.releasing.catch(() => undefined);
    this.releasing = this.runAll();
    return this.releasing;
  }

  private async runAll(): Promise<void> {
    const errors: Error[] = [];
    for (const release of this.list.splice(0).reverse()) {
      try {
        await release();
      } catch (e) {
        errors.push(coerceError(e));
      }
    }
    if (errors.length === 1) throw errors[0]!;
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to shut down: ${errors.map((e) => e.message).join('; ')}`);
  }
}

/** What a coordinator follows: the sweep and the trials that make it finished. */
export interface FollowTarget {
  sweepId: string;
  /** The trial IDs that count; null: every record of the sweep does (up to `total`). */
  expected: ReadonlySet<string> | null;
  total: number;
  objectiveMetric: string;
  totalEpochs: number | null;
}

export interface FollowSettings {
  /** Stop following when aborted (the caller handles signals); default: at the first SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Run a reaper (see ./reaper.ts) with the sweep's execution settings while following. */
  reaper?: ReaperSettings;
  /** Run early termination (see ./scheduling.ts) while following. */
  scheduling?: { config: SchedulerConfig; groups: ReadonlyMap<string, string> } | null;
  /** Runs once the sweep is COMPLETED (e.g. export of winners); not when following was interrupted. */
  afterCompletion?: () => Promise<void>;
  /** Redraw a live progress block on stderr; default: whether stderr is a terminal. */
  tty?: boolean;
}

/** How following ended, for the caller to render (a leaderboard, an exit code). */
export interface FollowOutcome {
  sweepId: string;
  progress: SweepProgress;
  /** Every trial ended (the sweep is now COMPLETED); false when following was interrupted. */
  done: boolean;
  /** FAILED trials at the end. */
  failed: number;
  /** The sweep as it stands once following ended (the leaderboard's input). */
  view: SweepView;
}

/** A background pass that runs only while the coordinator follows (the reaper, early termination, garbage collection). */
export interface Follower {
  stop(): Promise<void>;
}

/**
 * The coordinator of a sweep while `launch` or `attach` follows it. It runs the follow phase (the reaper, early
 * termination and garbage collection run beside followSweep, and stop when following ends), then, when every trial
 * ended, marks the sweep COMPLETED, releases the checkpoints of pruned trials, runs `afterCompletion` and collects
 * the sweep's garbage once more. The caller registers what it
 * started (the broker connection, local workers) with addReleaser(); release() lets everything go once, last
 * registered first, so a caller registers the broker before the workers that still need it while they drain.
 * Rendering (leaderboard, exit codes) is the caller's: follow() returns what it needs.
 */
export class CoordinatorRun {
  private readonly releasers = new Releasers();
  private readonly log: Logger;

  constructor(opts: { log: Logger }) {
    this.log = opts.log;
  }

  /** Registers `release` to run at release(), before everything registered earlier. */
  addReleaser(release: Releaser): void {
    this.releasers.add(release);
  }

  /** Runs every releaser once, last registered first (see Releasers); a second call does nothing. */
  release(): Promise<void> {
    return this.releasers.release();
  }

  /**
   * Follows the sweep until every trial is terminal (or `signal` aborts), with its followers (reaper, scheduling)
   * running meanwhile and stopped when following ends; then, if done, completes the sweep.
   */
  async follow(nc: NatsConnection, target: FollowTarget, settings: FollowSettings = {}): Promise<FollowOutcome> {
    const phase = new Releasers();
    // Also a releaser of the run, for a follow that is left before its finally runs (a second release is a no-op).
    this.releasers.add(() => phase.release());
    let progress: SweepProgress;
    try {
      // Ctrl-C or SIGTERM stops following; callers drain their local workers (whose trials are requeued).
      const signal = settings.signal ?? this.abortOnFirstSignal(phase);
      const abort = new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const { sweepId } = target;
      // The follow phase's background passes: one line each (started here, stopped when following ends).
      if (settings.reaper) await this.startFollower(phase, () => startReaper(nc, { ...settings.reaper!, sweepId, log: this.log }));
      if (settings.scheduling) await this.startFollower(phase, () => startScheduling(nc, { ...settings.scheduling!, sweepId, log: this.log }));
      await this.startFollower(phase, () => startGcPass(nc, { sweepId, log: this.log }));
      progress = await followSweep(nc, { ...target, log: this.log, tty: settings.tty ?? process.stderr.isTTY === true, abort });
    } finally {
      await phase.release();
    }
    if (progress.done) {
      await (await SweepStore.open(nc)).setStatus(target.sweepId, 'COMPLETED');
      if (settings.scheduling) await releasePrunedCheckpoints(nc, target.sweepId, this.log);
      await settings.afterCompletion?.();
      // One more collection, of what the sweep's last attempts and the export left behind.
      await collectSweepGarbage(nc, target.sweepId, this.log).catch((e: unknown) =>
        this.log.warn({ err: coerceError(e).message }, 'garbage collection at the end of the sweep failed: `sweep gc` removes what is left'),
      );
    }
    const { view } = await loadSweepView(nc, target.sweepId);
    return { sweepId: target.sweepId, progress, done: progress.done, failed: progress.counts().failed, view };
  }

  /** Starts a background pass of the follow phase and registers its stop with the phase. */
  private async startFollower<F extends Follower>(phase: Releasers, start: () => F | Promise<F>): Promise<F> {
    const follower = await start();
    phase.add(() => follower.stop());
    return follower;
  }

  /** The default stop: the first SIGINT or SIGTERM aborts following (its listeners go with the phase). */
  private abortOnFirstSignal(phase: Releasers): AbortSignal {
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    phase.add(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    return controller.signal;
  }
}
