import type { NatsConnection } from 'nats';
import { followSweep } from '../coordinator/follow.js';
import { startReaper, type ReaperSettings } from '../coordinator/reaper.js';
import { startScheduling } from '../coordinator/scheduling.js';
import { releasePrunedCheckpoints } from '../coordinator/pruned-checkpoints.js';
import type { SchedulerConfig } from '../domain/scheduler.js';
import { loadSweepView } from '../coordinator/sweep-view.js';
import { SweepStore } from '../transport/sweep-store.js';
import { buildLeaderboard, renderTable, type Leaderboard } from '../report/index.js';
import type { Logger } from '../log.js';
import { ExitCode } from './errors.js';
import { terminalCaps } from './terminal-caps.js';

export interface FollowTarget {
  sweepId: string;
  expected: ReadonlySet<string> | null;
  total: number;
  objectiveMetric: string;
  totalEpochs: number | null;
}

/**
 * The coordinator's second half, shared by `launch` and `attach`: follow progress until every trial is terminal,
 * mark the sweep COMPLETED, run `afterCompletion` (e.g. export of winners), print the leaderboard and turn
 * failures into the exit code.
 */
export async function followAndReport(
  nc: NatsConnection,
  target: FollowTarget,
  opts: {
    json: boolean;
    /** List every row of the final table on a terminal too (see terminal-caps.ts). */
    all?: boolean;
    log: Logger;
    afterCompletion?: () => Promise<void>;
    /** Stop following when aborted (the caller handles signals); default: at the first SIGINT or SIGTERM. */
    signal?: AbortSignal;
    /** Run a reaper (see coordinator/reaper.ts) with the sweep's execution settings while following. */
    reaper?: ReaperSettings;
    /** Run early termination (see coordinator/scheduling.ts) while following. */
    scheduling?: { config: SchedulerConfig; groups: ReadonlyMap<string, string> } | null;
  },
): Promise<Leaderboard> {
  // Ctrl-C or SIGTERM stops following; callers drain their local workers (whose trials are requeued).
  const signals = opts.signal ? null : abortOnFirstSignal();
  const signal = opts.signal ?? signals!.signal;
  const abort = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const reaper = opts.reaper ? startReaper(nc, { ...opts.reaper, sweepId: target.sweepId, log: opts.log }) : null;
  const scheduling = opts.scheduling ? await startScheduling(nc, { ...opts.scheduling, sweepId: target.sweepId, log: opts.log }) : null;
  const progress = await followSweep(nc, { ...target, log: opts.log, tty: process.stderr.isTTY === true, abort }).finally(async () => {
    signals?.dispose();
    await reaper?.stop();
    await scheduling?.stop();
  });
  if (progress.done) {
    await (await SweepStore.open(nc)).setStatus(target.sweepId, 'COMPLETED');
    if (opts.scheduling) await releasePrunedCheckpoints(nc, target.sweepId, opts.log);
    await opts.afterCompletion?.();
  }
  const { view } = await loadSweepView(nc, target.sweepId);
  const lb = buildLeaderboard(view, {});
  process.stdout.write(opts.json ? JSON.stringify(lb, null, 2) + '\n' : renderTable(lb, { color: process.stdout.isTTY === true, ...terminalCaps(process.stdout.isTTY === true, opts.all === true) }) + '\n');
  if (!progress.done) throw new ExitCode(130, 'interrupted: the sweep goes on when you launch or attach it again');
  const failed = progress.counts().failed;
  if (failed > 0) throw new ExitCode(1, `${failed} trial(s) failed; see \`sweep status ${target.sweepId}\` for their errors`);
  return lb;
}

function abortOnFirstSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
