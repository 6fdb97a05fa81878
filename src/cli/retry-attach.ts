import { join } from 'node:path';
import type { SchedulerConfig } from '../domain/scheduler.js';
import type { SweepRecord } from '../domain/sweep-record.js';
import type { Command } from 'commander';
import { ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_LOCAL, ALLOW_MODULE_HELP_LOCAL, localWorkerAllowArgs, type AllowCommandFlag } from './allow-command.js';
import { createLogger, currentLogRoute, type Logger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { parsePositiveInt } from './errors.js';
import { Interrupts } from './interrupts.js';
import { WorkerLogs } from './worker-logs.js';
import { ensureStateDir } from './state-dir.js';

/**
 * `sweep retry` and `sweep attach`: act on a sweep that was launched before, without its spec file. Each action
 * imports the broker client and the coordinator when it runs, so `sweep --help` loads neither.
 */
export function registerRetryAttach(program: Command): void {
  program
    .command('retry')
    .description('requeue the FAILED (and STOPPED) trials of a sweep; attempts keep counting and checkpoints are reused')
    .argument('<sweep>', 'sweep ID')
    .option('--failed', 'only FAILED trials (default: FAILED and STOPPED)')
    .option('--max-deliver <n>', 'failed attempts allowed per retried trial (drains and takeovers are free)', (v) => parsePositiveInt(v, '--max-deliver'), 5)
    .action(async (id: string, flags: { failed?: boolean; maxDeliver: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ retryTrials }, { DEFAULT_QUEUE, ensureResources }, { openBroker }, { loadSweepView }, { reaperSettingsFromSpec }] = await Promise.all([
        import('../coordinator/retry.js'),
        import('../transport/resources.js'),
        import('./broker.js'),
        import('../coordinator/sweep-view.js'),
        import('../coordinator/reaper.js'),
      ]);
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('retry'), 'sweep-retry');
      try {
        // The pool and lease the sweep was launched with: workers take their heartbeat from the consumer's ack_wait,
        // so setting a default one here could let the leases of running long-epoch trials lapse.
        const { sweep } = await loadSweepView(handle.nc, id);
        const execution = reaperSettingsFromSpec(sweep.spec);
        await ensureResources(handle.nc, { ...DEFAULT_QUEUE, pool: execution.pool, ackWaitMs: execution.ackWaitMs });
        const res = await retryTrials(handle.nc, id, { onlyFailed: flags.failed ?? false, pool: execution.pool, maxDeliver: flags.maxDeliver, checkpointEvery: execution.checkpointEvery });
        const left = [
          res.skipped.length ? `${res.skipped.length} skipped (no config in their record: relaunch the spec instead)` : '',
          res.tampered.length ? `${res.tampered.length} refused: their record does not match the sweep (see the warnings)` : '',
          res.unverified.length ? `${res.unverified.length} not requeued: their config cannot be checked (relaunch the spec)` : '',
        ].filter(Boolean);
        process.stdout.write(`sweep ${id}: requeued ${res.requeued.length} trial(s)` + (left.length ? `; ${left.join('; ')}` : '') + '\n');
        if (res.requeued.length > 0) process.stdout.write(`follow it with: sweep attach ${id} --workers N   (or sweep status ${id} --watch)\n`);
      } finally {
        await handle.close();
      }
    });

  program
    .command('attach')
    .description('follow a running sweep to its end (as `launch` does) and print its leaderboard; the coordinator may have restarted')
    .argument('<sweep>', 'sweep ID')
    .option('--workers <n>', 'also start N local workers', (v) => parsePositiveInt(v, '--workers'), 0)
    .option('--backend <name>', 'backend of the local workers', 'auto')
    .option('--json', 'leaderboard as JSON')
    .option('--all', 'on a terminal, list every row of the final leaderboard (by default the best 20 trials and 50 groups)')
    .option(ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_LOCAL)
    .option('--allow-module', ALLOW_MODULE_HELP_LOCAL)
    .action(async (id: string, flags: { workers: number; backend: string; json?: boolean; all?: boolean; allowCommand?: AllowCommandFlag; allowModule?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ groupsOfSweep }, { loadSweepView }, { reaperSettingsFromSpec }, { startLocalWorkers }, { localWorkerEnv, openBroker }, { CoordinatorRun }, { renderFollowOutcome }] = await Promise.all([
        import('../coordinator/scheduling.js'),
        import('../coordinator/sweep-view.js'),
        import('../coordinator/reaper.js'),
        import('../coordinator/local-workers.js'),
        import('./broker.js'),
        import('../coordinator/coordinator-run.js'),
        import('./follow-outcome.js'),
      ]);
      const log = createLogger('coordinator');
      const broker = brokerOptions(g);
      const run = new CoordinatorRun({ log });
      // Its local workers and an embedded nats-server it starts have their own process groups: each is registered
      // with the run once started, and the run's release stops them in reverse order (interrupts go last).
      const interrupts = new Interrupts();
      run.addReleaser(() => interrupts.dispose());
      try {
        const handle = await openBroker(broker, g.stateDir, log, `sweep-attach-${id}`);
        run.addReleaser(() => handle.close());
        interrupts.embedded = handle.embedded;
        const { sweep } = await loadSweepView(handle.nc, id);
        // The execution settings of the spec it was launched with (defaults for a record that has none).
        const execution = reaperSettingsFromSpec(sweep.spec);
        if (flags.workers > 0) {
          const args = ['--backend', flags.backend, '--pool', execution.pool, ...localWorkerAllowArgs(handle.embedded !== null, flags.allowCommand, flags.allowModule)];
          ensureStateDir(g.stateDir, log);
          const workers = startLocalWorkers({ count: flags.workers, natsUrl: handle.url, logDir: join(g.stateDir, 'logs'), args, env: localWorkerEnv(handle, broker) });
          interrupts.workers = workers;
          process.stderr.write(`started ${flags.workers} local worker(s); logs: ${workers.logFiles.join(', ')}\n`);
          // Released in reverse: the workers stop (draining ones still need the broker, registered before them, to
          // requeue their trials), then their logs are read to the end.
          const workerLogs = new WorkerLogs(workers.logFiles, currentLogRoute().kind === 'pretty');
          run.addReleaser(() => workerLogs.stop());
          run.addReleaser(() => workers.stop());
        }
        const outcome = await run.follow(
          handle.nc,
          { sweepId: sweep.id, expected: sweep.trials ? new Set(sweep.trials.map((t) => t.id)) : null, total: sweep.trialCount, objectiveMetric: sweep.objective.metric, totalEpochs: null },
          { reaper: execution, signal: interrupts.signal, scheduling: schedulingOf(sweep, groupsOfSweep(sweep.trials), log) },
        );
        renderFollowOutcome(outcome, { json: flags.json ?? false, all: flags.all ?? false });
        interrupts.throwIfInterrupted();
      } finally {
        await run.release();
      }
    });
}

/**
 * Early termination as the sweep was launched with, rebuilt from its record (`groups`: its trial groups as the
 * record lists them, or null when it lists none); null (with a warning) when it cannot be.
 */
function schedulingOf(sweep: SweepRecord, groups: Map<string, string> | null, log: Logger): { config: SchedulerConfig; groups: Map<string, string> } | null {
  if (!sweep.scheduler) return null;
  if (groups) return { config: sweep.scheduler, groups };
  log.warn(`sweep ${sweep.id}: its record lists no trial groups (over 10,000 trials, or launched by an older version): early termination does not run`);
  return null;
}
