import { availableParallelism } from 'node:os';
import { terminalCaps } from './terminal-caps.js';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { ExpandedSweep } from '../spec/index.js';
import { DATASET_NAMES, type DatasetName } from '../domain/trial-config.js';
import type { CoordinatorRun } from '../coordinator/coordinator-run.js';
import type { BrokerOptions } from '../transport/connection.js';
import { createLogger, currentLogRoute, type Logger } from '../log.js';
import type { BrokerHandle } from './broker.js';
import { WorkerLogs } from './worker-logs.js';
import { ensureStateDir } from './state-dir.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { ExitCode, parsePositiveInt } from './errors.js';
import { Interrupts } from './interrupts.js';
import { ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_LOCAL, ALLOW_MODULE_HELP_LOCAL, localWorkerAllowArgs, type AllowCommandFlag } from './allow-command.js';
import { BACKEND_NAMES, type BackendName } from '../domain/backends.js';

interface LaunchFlags {
  workers?: number;
  detach?: boolean;
  dryRun?: boolean;
  quick?: boolean;
  dataset?: DatasetName;
  dataDir?: string;
  epochs?: number;
  backend: string;
  extend?: boolean;
  json?: boolean;
  all?: boolean;
  /** false with --no-export */
  export: boolean;
  allowCommand?: AllowCommandFlag;
  allowModule?: boolean;
  replicas?: number;
}

export function registerLaunch(program: Command): void {
  program
    .command('launch')
    .description('validate a sweep spec, publish its trials as jobs and follow them to a leaderboard')
    .argument('<spec>', 'sweep spec (YAML), e.g. sweeps/bn-vs-dropout.yaml')
    .option('--workers <n>', 'local worker processes to start (default: one per CPU core with the embedded broker, 0 with --nats)', (v) => parsePositiveInt(v, '--workers'))
    .option('--detach', 'publish and return at once; workers (and the embedded broker) keep running. Early termination (spec `scheduler`) runs only while a coordinator follows: nothing is pruned until `sweep attach` runs')
    .option('--dry-run', 'print the trial table and counts; publish nothing')
    .option('--quick', "use the spec's quick profile (small data, few epochs)")
    .addOption(new Option('--dataset <name>', 'train on another dataset').choices(DATASET_NAMES))
    .option('--data-dir <dir>', 'where datasets are (or are cached); default $SWEEP_DATA_DIR or ~/.cache/sweep')
    .option('--epochs <n>', 'override the number of epochs', (v) => parsePositiveInt(v, '--epochs'))
    .addOption(new Option('--backend <name>', 'tfjs backend of local workers').choices(BACKEND_NAMES).default('auto'))
    .option('--extend', 'accept a changed spec for an existing sweep and add its new trials')
    .option('--json', 'machine-readable output (dry-run table, final leaderboard)')
    .option('--all', 'on a terminal, list every row of the dry-run table and the final leaderboard (by default 20 trials and 50 groups, and a count of the rest)')
    .option('--no-export', "skip the spec's automatic ONNX export of the winners")
    .option(ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_LOCAL)
    .option('--allow-module', ALLOW_MODULE_HELP_LOCAL)
    .option('--replicas <n>', "copies JetStream keeps of the sweep's streams and buckets (default: 3 on a cluster of 3 or more servers, else 1); existing ones are changed to it", (v) => parsePositiveInt(v, '--replicas'))
    .action(async (specPath: string, flags: LaunchFlags, cmd: Command) => {
      await launch(specPath, flags, cmd.optsWithGlobals<GlobalOptions>());
    });
}

// The modules below the options are imported inside the action, so `sweep --help` and `--dry-run` load no broker
// client, coordinator or tfjs.
async function launch(specPath: string, flags: LaunchFlags, g: GlobalOptions): Promise<void> {
  const [{ loadSpecFile, describeTrials, describeCommands }, { effectiveSweepId }] = await Promise.all([import('../spec/index.js'), import('../coordinator/sweep-identity.js')]);
  const log = createLogger('coordinator');
  const overrides = { ...(flags.dataset ? { dataset: flags.dataset } : {}), ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}) };
  const sweep = loadSpecFile(specPath, { quick: flags.quick ?? false, overrides });
  const sweepId = effectiveSweepId(sweep, { quick: flags.quick ?? false, ...overrides });
  // A model module is loaded and built once here (tfjs is imported only for such specs), so --dry-run catches it too.
  if (sweep.module) await (await import('../coordinator/module-check.js')).checkModuleSweep(sweep, specPath);

  if (flags.dryRun) {
    const table = describeTrials(sweep);
    const commands = describeCommands(sweep);
    if (flags.json) {
      const commandsJson = commands ? { commands: commands.map(({ index, argv, env, cwd }) => ({ index, argv, env, cwd })) } : {};
      process.stdout.write(JSON.stringify({ sweepId, specHash: sweep.specHash, trials: sweep.trials.length, columns: table.header, rows: table.rows, ...commandsJson }, null, 2) + '\n');
    } else {
      const { renderTextTable } = await import('../report/render/text-table.js');
      const cap = terminalCaps(process.stdout.isTTY === true, flags.all === true).maxTrialRows ?? table.rows.length;
      const shown = table.rows.slice(0, cap);
      process.stdout.write(renderTextTable(table.header.map((h) => ({ header: h, align: 'left' as const })), shown.map((r) => r.map((text) => ({ text }))), false) + '\n');
      if (shown.length < table.rows.length) process.stdout.write(`… and ${table.rows.length - shown.length} more trials: add --all to list them all (--json always does)\n`);
      if (commands) {
        // The exact programs a worker would run: what the user trusts with --allow-command.
        process.stdout.write(`commands (in ${commands[0]?.cwd ?? 'the worker directory'}):\n`);
        for (const c of commands.slice(0, cap)) process.stdout.write(`  #${c.index}  ${c.line}\n`);
      }
      process.stdout.write(`sweep ${sweepId}: ${sweep.trials.length} trials (dry run: nothing published)\n`);
    }
    return;
  }

  const broker = brokerOptions(g);
  const embedded = !broker.url;
  const { CoordinatorRun } = await import('../coordinator/coordinator-run.js');
  const run = new CoordinatorRun({ log });
  // Installed before the broker starts: the embedded nats-server has its own process group, so a Ctrl-C that
  // killed us before the release below ran would leave it behind. Registered first, so released last.
  const interrupts = new Interrupts();
  run.addReleaser(() => interrupts.dispose());
  try {
    const { openBroker } = await import('./broker.js');
    const handle = await openBroker(broker, g.stateDir, log, `sweep-coordinator-${sweepId}`, { detached: embedded && (flags.detach ?? false) });
    run.addReleaser(() => handle.close());
    interrupts.embedded = handle.embedded;
    await launchOn(handle, run, { sweep, sweepId, specPath, flags, g, broker, log, interrupts });
  } finally {
    await run.release();
  }
}

interface LaunchContext {
  sweep: ExpandedSweep;
  sweepId: string;
  specPath: string;
  flags: LaunchFlags;
  g: GlobalOptions;
  broker: BrokerOptions;
  log: Logger;
  interrupts: Interrupts;
}

/**
 * Publishes, runs local workers and follows to the leaderboard. What it starts is registered with `run`, whose
 * release (by the caller) stops the workers, then the broker.
 */
async function launchOn(handle: BrokerHandle, run: CoordinatorRun, ctx: LaunchContext): Promise<void> {
  const { sweep, sweepId, specPath, flags, g, broker, log, interrupts } = ctx;
  const embedded = !broker.url;
  const [{ ensureResources, DEFAULT_QUEUE }, { launchSweep }, { startLocalWorkers }, { localWorkerEnv, recordDetachedWorkers }, { renderFollowOutcome }, { configGroup }, { ridingOutBrokerOutage }] =
    await Promise.all([
      import('../transport/resources.js'),
      import('../coordinator/launch.js'),
      import('../coordinator/local-workers.js'),
      import('./broker.js'),
      import('./follow-outcome.js'),
      import('../domain/config-group.js'),
      import('../transport/broker-outage.js'),
    ]);
  let exportFailure: string | null = null;
  interrupts.throwIfInterrupted();
  // Both steps are idempotent, so a broker restart in the middle of them is waited out and the step run again.
  const onWait = brokerWaitReporter(sweepId);
  const lease = await ridingOutBrokerOutage(
    'creating the streams and the pool consumer',
    () => ensureResources(handle.nc, { ...DEFAULT_QUEUE, pool: sweep.execution.pool, ackWaitMs: sweep.execution.ack_wait_ms }, flags.replicas),
    { onWait },
  );
  if (lease.keptLonger) process.stderr.write(keptLongerLeaseLine(sweep.execution.pool, sweep.execution.ack_wait_ms, lease.ackWaitMs));
  const res = await ridingOutBrokerOutage(
    'recording the sweep and publishing its jobs',
    () => launchSweep(handle.nc, sweep, { sweepId, specFile: specPath, pool: sweep.execution.pool, extend: flags.extend ?? false }),
    { onWait },
  );
  process.stderr.write(
    `sweep ${sweepId}: ${sweep.trials.length} trials, ${res.alreadyCompleted} already completed, ` +
      `published ${res.publish.published} jobs (${res.publish.alreadyQueued} already queued)\n`,
  );
  interrupts.throwIfInterrupted();
  const workerCount = flags.workers ?? (embedded ? Math.max(1, Math.min(availableParallelism(), res.toPublish)) : 0);
  if (workerCount > 0 && res.toPublish > 0) {
    const args = ['--backend', flags.backend, '--pool', sweep.execution.pool];
    if (flags.dataDir) args.push('--data-dir', flags.dataDir);
    if (flags.detach) args.push('--idle-exit', '300');
    args.push(...localWorkerAllowArgs(embedded, flags.allowCommand, flags.allowModule));
    // Their logs go into the state dir (also with --nats): private first.
    ensureStateDir(g.stateDir, log);
    const workers = startLocalWorkers({
      count: workerCount,
      natsUrl: handle.url,
      logDir: join(g.stateDir, 'logs'),
      args,
      env: localWorkerEnv(handle, broker),
      detached: flags.detach ?? false,
    });
    process.stderr.write(`started ${workerCount} local worker(s); logs: ${workers.logFiles.join(', ')}\n`);
    if (flags.detach) {
      // Detached workers outlive this process: nothing stops them.
      recordDetachedWorkers(g.stateDir, workers.pids);
    } else {
      interrupts.workers = workers;
      // Released in reverse: the workers stop (draining ones still need the broker, registered before them, to
      // requeue their trials), then their logs are read to the end.
      const workerLogs = new WorkerLogs(workers.logFiles, currentLogRoute().kind === 'pretty');
      run.addReleaser(() => workerLogs.stop());
      run.addReleaser(() => workers.stop());
    }
  }
  if (flags.detach) {
    process.stderr.write(`detached. Follow it with: sweep status ${sweepId} --watch` + (embedded ? '   (stop the embedded broker with: sweep down)' : '') + '\n');
    process.stdout.write(sweepId + '\n');
    return;
  }
  const outcome = await run.follow(
    handle.nc,
    {
      sweepId,
      expected: new Set(sweep.trials.map((t) => t.id)),
      total: sweep.trials.length,
      objectiveMetric: sweep.objective.metric,
      totalEpochs: sweep.trials[0]?.config.training.epochs ?? null,
    },
    {
      signal: interrupts.signal,
      reaper: { ackWaitMs: sweep.execution.ack_wait_ms, pool: sweep.execution.pool, maxDeliver: sweep.execution.max_deliver, checkpointEvery: sweep.execution.checkpoint_every },
      scheduling: sweep.scheduler ? { config: sweep.scheduler, groups: new Map(sweep.trials.map((t) => [t.id, configGroup(t.config.params)])) } : null,
      afterCompletion: async () => {
        if (!sweep.export || !flags.export) return;
        const { exportWinnersAfterLaunch } = await import('./export.js');
        exportFailure = await exportWinnersAfterLaunch(handle.nc, sweepId, sweep.export.top, {
          backend: flags.backend as BackendName,
          log,
          ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        });
      },
    },
  );
  renderFollowOutcome(outcome, { json: flags.json ?? false, all: flags.all ?? false });
  interrupts.throwIfInterrupted();
  if (exportFailure) throw new ExitCode(1, exportFailure);
}

/** One stderr line when the broker first stops answering, and one every 10 s while it stays away. */
function brokerWaitReporter(sweepId: string): (err: Error, waitedMs: number) => void {
  let shownAt = -Infinity;
  return (err, waitedMs) => {
    if (waitedMs - shownAt < 10_000) return;
    shownAt = waitedMs;
    process.stderr.write(`sweep ${sweepId}: the broker is not answering (${err.message}); waiting for it, ${Math.round(waitedMs / 1000)} s so far\n`);
  };
}

/** One line for a launch whose pool keeps a longer lease than its spec asks for (set by another sweep on the pool). */
export function keptLongerLeaseLine(pool: string, askedMs: number, keptMs: number): string {
  return `pool ${pool}: keeps ack_wait ${keptMs / 1000} s, longer than this sweep's ${askedMs / 1000} s (another sweep on the pool asked for it; a pool's lease never shortens)\n`;
}
