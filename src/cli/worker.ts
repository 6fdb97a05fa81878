import { Option, type Command } from 'commander';
import { TOKEN_PATTERN } from '../transport/names.js';
import { BACKEND_NAMES, type BackendName } from '../domain/backends.js';
import { createLogger, currentLogRoute } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { UsageError, parsePositiveInt } from './errors.js';
import { ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_WORKER, ALLOW_MODULE_HELP_WORKER, type AllowCommandFlag } from './allow-command.js';
import { scrubBrokerCredentials } from '../worker/broker-credentials.js';
import { readCredentialsDir, unlinkCredentialFiles } from '../transport/credentials-dir.js';

interface WorkerFlags {
  concurrency: number;
  backend: BackendName;
  /** Unset: DEFAULT_QUEUE's (transport/resources.ts), applied in the action. */
  pool?: string;
  dataDir?: string;
  maxJobs?: number;
  idleExit?: number;
  healthPort?: number;
  allowCommand?: AllowCommandFlag;
  allowModule?: boolean;
  credentialsDir?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('pull trial jobs from the broker and train them until stopped (SIGTERM/Ctrl-C drains: the running trial is requeued)')
    .option('--concurrency <n>', 'trials run at once (one trainer process each)', (v) => parsePositiveInt(v, '--concurrency'), 1)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_NAMES).default('auto').env('SWEEP_BACKEND'))
    // No commander default for --pool: it is DEFAULT_QUEUE's, whose module loads the NATS client, which
    // `sweep --help` must not wait for. The help text names it.
    .addOption(new Option('--pool <name>', 'worker pool (jobs subject sweep.jobs.<pool>.>; default: default)').env('SWEEP_POOL'))
    .addOption(new Option('--data-dir <dir>', 'where datasets are (or are cached)').env('SWEEP_DATA_DIR'))
    .option('--max-jobs <n>', 'exit after this many jobs', (v) => parsePositiveInt(v, '--max-jobs'))
    .option('--idle-exit <seconds>', 'exit once no job came for this long', (v) => parsePositiveInt(v, '--idle-exit'))
    .addOption(new Option('--health-port <port>', 'serve /healthz, /readyz and Prometheus /metrics on this port').argParser((v) => parsePositiveInt(v, '--health-port')).env('SWEEP_HEALTH_PORT'))
    .addOption(new Option(ALLOW_COMMAND_FLAGS, ALLOW_COMMAND_HELP_WORKER).env('SWEEP_ALLOW_COMMAND'))
    .addOption(new Option('--allow-module', ALLOW_MODULE_HELP_WORKER).env('SWEEP_ALLOW_MODULE'))
    .addOption(
      new Option(
        '--credentials-dir <dir>',
        'read the broker credentials from files named NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_CA, NATS_CERT, NATS_KEY in <dir> (over the flags), and delete them once connected, before any job',
      ).env('SWEEP_CREDENTIALS_DIR'),
    )
    .action(async (flags: WorkerFlags, cmd: Command) => runWorker(flags, cmd.optsWithGlobals<GlobalOptions>()));
}

async function runWorker(flags: WorkerFlags, g: GlobalOptions): Promise<void> {
  const { DEFAULT_QUEUE } = await import('../transport/resources.js');
  const pool = flags.pool ?? DEFAULT_QUEUE.pool;
  if (!TOKEN_PATTERN.test(pool)) throw new UsageError(`--pool "${pool}" may only contain letters, digits, '-' and '_'`);
  if (flags.concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  // The options hold the broker credentials now: no process this worker starts from here on (trainers, the
  // programs of command trials, a bundler) inherits them.
  scrubBrokerCredentials(process.env);
  // Imported here, not at the top: `sweep --help` must not load the worker stack (tfjs comes with it).
  const [{ Worker }, { startHealthServer }, { openBroker }, { commandPolicyOf }, { locateHelperPrograms }, { closeWorkerProcess }] = await Promise.all([
    import('../worker/worker.js'),
    import('../worker/health-server.js'),
    import('./broker.js'),
    import('../worker/command/allow-policy.js'),
    import('../worker/command/helper-programs.js'),
    import('../worker/process-guard.js'),
  ]);
  // Found now, on the worker's own PATH, and run by absolute path: a job's env never chooses them.
  const commandPolicy = commandPolicyOf(flags.allowCommand);
  if (commandPolicy.allow !== 'none') locateHelperPrograms();
  const log = createLogger('worker');
  // Before any job: user code runs as this uid and must not read this process's environment or memory.
  const runsUserCode = commandPolicy.allow !== 'none' || flags.allowModule === true;
  const guard = runsUserCode ? closeWorkerProcess() : null;
  if (guard?.closed === false) log.warn({ reason: guard.reason }, 'the programs this worker runs (same uid) may be able to read its memory and environment');
  const route = currentLogRoute();
  if (route.kind === 'file') process.stderr.write(`worker logs go to ${route.path} (--verbose prints them here)\n`);
  const credentials = flags.credentialsDir ? readCredentialsDir(flags.credentialsDir) : null;
  const broker = { ...brokerOptions(g, 'worker'), ...credentials?.options };
  if (!broker.url) {
    log.info('no --nats given: using the embedded nats-server of this directory (.sweep/nats)');
  }
  const handle = await openBroker(broker, g.stateDir, log, 'sweep-worker');
  if (credentials) {
    // Before the first job: the programs of command trials run as this uid and could read the files.
    try {
      unlinkCredentialFiles(credentials.files);
    } catch (e) {
      await handle.close();
      throw e;
    }
    log.info({ dir: flags.credentialsDir, files: credentials.files.length }, 'broker credentials read and their files removed');
  }
  const worker = new Worker(
    handle.nc,
    {
      pool,
      concurrency: flags.concurrency,
      backend: flags.backend,
      commandPolicy,
      allowModule: flags.allowModule === true,
      ...(guard ? { nonDumpable: guard.closed } : {}),
      ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
      ...(flags.maxJobs !== undefined ? { maxJobs: flags.maxJobs } : {}),
      ...(flags.idleExit !== undefined ? { idleExitMs: flags.idleExit * 1000 } : {}),
    },
    log,
  );
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: exiting now');
      const exit = () => process.exit(130);
      setTimeout(exit, 2_000).unref();
      void worker.close({ force: true }).finally(exit);
      return;
    }
    log.info({ signal: sig }, 'draining: the running trial stops at the next batch boundary and is requeued (signal again to exit now)');
    void worker.close();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const health =
    flags.healthPort !== undefined
      ? await startHealthServer(flags.healthPort, { ready: () => worker.ready, stats: () => worker.stats })
      : null;
  if (health) log.info({ port: health.port }, 'health and metrics endpoints up (/healthz, /readyz, /metrics)');
  try {
    await worker.run();
  } finally {
    await health?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await handle.close();
  }
}
