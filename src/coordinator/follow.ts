import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { TrialStore } from '../transport/trial-store.js';
import { SweepStore } from '../transport/sweep-store.js';
import { queuedJobsOfSweep } from '../transport/job-queue.js';
import { terminalSafe } from '../domain/terminal-text.js';
import { SweepProgress, formatDuration, progressBar } from './progress.js';

export interface FollowOptions {
  sweepId: string;
  expected: ReadonlySet<string> | null;
  total: number;
  objectiveMetric: string;
  totalEpochs: number | null;
  log: Logger;
  /** Redraw a live block on stderr (TTY) instead of periodic log lines. */
  tty: boolean;
  logEveryMs?: number;
  /** Stop following when this resolves (e.g. Ctrl-C). */
  abort?: Promise<void>;
}

/**
 * Once every trial's record is terminal, the sweep is finished when none of its jobs is left in the queue either.
 * A record can read terminal while its job is still there: its ack is on the way, or the terminal write was made
 * ambiguous by a broker failover. The failover test once saw this under load: the record read COMPLETED (launch
 * ended and stopped its workers), then read RUNNING again, requeued after a NatsError TIMEOUT, with its job
 * still queued. That fits nats-server before 2.11 letting a just-elected stream leader accept a compare-and-set
 * before it applied the writes in its log (nats-server PR 6194). Waiting for the job keeps such a trial followed
 * until it really ends.
 */
class DoneConfirmation {
  private running = false;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly sweepId: string,
    private readonly recordsDone: () => boolean,
    private readonly onConfirmed: () => void,
  ) {}

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.poll().finally(() => (this.running = false));
  }

  stop(): void {
    this.stopped = true;
  }

  private async poll(): Promise<void> {
    while (!this.stopped && this.recordsDone()) {
      // A broker that is briefly unavailable is asked again, like an answer of "not yet".
      const left = await queuedJobsOfSweep(this.nc, this.sweepId).catch(() => -1);
      if (left === 0 && this.recordsDone()) {
        this.onConfirmed();
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Follows the trial records of a sweep until every expected trial is terminal and none of its jobs is left in
 * the queue (or the sweep is cancelled).
 */
export async function followSweep(nc: NatsConnection, opts: FollowOptions): Promise<SweepProgress> {
  const trials = await TrialStore.open(nc);
  const sweeps = await SweepStore.open(nc);
  const progress = new SweepProgress(opts.expected, opts.total, opts.objectiveMetric);
  let wake!: () => void;
  const finished = new Promise<void>((r) => (wake = r));
  const confirm = new DoneConfirmation(nc, opts.sweepId, () => progress.done, () => wake());
  const watcher = await trials.watch(
    opts.sweepId,
    (r) => {
      progress.update(r);
      if (progress.done) confirm.start();
    },
    (key, err) => opts.log.warn({ key, err: err.message }, 'malformed trial record ignored'),
  );
  await watcher.initialized;

  let drawnLines = 0;
  const draw = () => {
    const c = progress.counts();
    const eta = progress.etaSeconds();
    const head =
      `${progressBar(c)}  running ${c.running}  queued ${c.queued}  failed ${c.failed}` + (c.pruned > 0 ? `  pruned ${c.pruned}` : '') + '  ' +
      `elapsed ${formatDuration(progress.elapsedSeconds())}` + (eta !== null ? `  eta ${formatDuration(eta)}` : '');
    const lines = [head, ...progress.runningLines(() => opts.totalEpochs)];
    if (opts.tty) {
      const clear = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : '';
      // Params and worker names come from records: safe text under this block's own cursor codes.
      process.stderr.write(clear + terminalSafe(lines.join('\n'), { multiline: true }) + '\n');
      drawnLines = lines.length;
    } else {
      opts.log.info({ ...c, elapsedS: progress.elapsedSeconds(), etaS: eta }, 'progress');
    }
  };

  let cancelled = false;
  const timer = setInterval(() => {
    draw();
    void sweeps.get(opts.sweepId).then(
      (s) => {
        if (s?.value.status !== 'CANCELLED') return;
        cancelled = true;
        wake();
      },
      () => undefined,
    );
  }, opts.tty ? 500 : (opts.logEveryMs ?? 10_000));
  try {
    if (progress.done) confirm.start();
    await Promise.race([finished, ...(opts.abort ? [opts.abort] : [])]);
  } finally {
    clearInterval(timer);
    confirm.stop();
    await watcher.stop();
  }
  draw();
  if (cancelled) opts.log.warn({ sweepId: opts.sweepId }, 'sweep was cancelled');
  return progress;
}
