import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './global-options.js';
import { registerLaunch } from './launch.js';
import { registerWorker } from './worker.js';
import { registerStatus } from './status.js';
import { registerLeaderboard } from './leaderboard.js';
import { registerSweepCommands } from './sweeps.js';
import { registerPredict } from './predict.js';
import { registerRetryAttach } from './retry-attach.js';
import { registerExport } from './export.js';
import { registerReport } from './report.js';
import { ExitCode, UsageError } from './errors.js';

const USAGE_ERRORS = new Set(['SpecError', 'UsageError', 'SpecChangedError']);
const USER_ERRORS = new Set(['NatsServerMissingError', 'BrokerConnectError', 'UnknownSweepError', 'DatasetError', 'BackendUnavailableError', 'ExportError', 'UnsupportedLayerError']);

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('sweep')
    .description('Distributed, crash-proof, statistically honest parameter sweeps for deep learning (NATS JetStream + TensorFlow.js)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addGlobalOptions(program);
  registerLaunch(program);
  registerWorker(program);
  registerStatus(program);
  registerLeaderboard(program);
  registerSweepCommands(program);
  registerPredict(program);
  registerRetryAttach(program);
  registerExport(program);
  registerReport(program);
  return program;
}

/** The only place that sets the exit code: 2 for bad input (spec, flags), 1 for failures, 0 otherwise. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ExitCode) {
      if (e.message) process.stderr.write(`sweep: ${e.message}\n`);
      return e.code;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    if (USAGE_ERRORS.has(err.name) || err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (USER_ERRORS.has(err.name)) {
      process.stderr.write(`sweep: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`sweep: unexpected error: ${err.stack ?? err.message}\n`);
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
// Leftover handles (a reconnecting client, tfjs) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
