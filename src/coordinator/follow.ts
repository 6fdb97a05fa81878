import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { TrialStore } from '../transport/trial-store.js';
import { SweepStore } from '../transport/sweep-store.js';
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

/** Follows the trial records of a sweep until every expected trial is terminal (or the sweep is cancelled). */
export async function followSweep(nc: NatsConnection, opts: FollowOptions): Promise<SweepProgress> {
  const trials = await TrialStore.open(nc);
  const sweeps = await SweepStore.open(nc);
  const progress = new SweepProgress(opts.expected, opts.total, opts.objectiveMetric);
  let wake: () => void = () => undefined;
  const watcher = await trials.watch(
    opts.sweepId,
    (r) => {
      progress.update(r);
      if (progress.done) wake();
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
      process.stderr.write(clear + lines.join('\n') + '\n');
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
    if (!progress.done) {
      await Promise.race([new Promise<void>((r) => (wake = r)), ...(opts.abort ? [opts.abort] : [])]);
    }
  } finally {
    clearInterval(timer);
    await watcher.stop();
  }
  draw();
  if (cancelled) opts.log.warn({ sweepId: opts.sweepId }, 'sweep was cancelled');
  return progress;
}
