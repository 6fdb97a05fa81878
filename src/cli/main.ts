import { Command, CommanderError } from 'commander';
import { SweepError } from '../domain/errors.js';
import { terminalSafe } from '../domain/terminal-text.js';
import { addGlobalOptions, type GlobalOptions } from './global-options.js';
import { registerLaunch } from './launch.js';
import { registerWorker } from './worker.js';
import { registerStatus } from './status.js';
import { registerLeaderboard } from './leaderboard.js';
import { registerSweepCommands } from './sweeps.js';
import { registerPredict } from './predict.js';
import { registerRetryAttach } from './retry-attach.js';
import { registerExport } from './export.js';
import { registerReport } from './report.js';
import { registerStorageCommands } from './storage.js';
import { exitCodeFor } from './exit-code.js';
import { applyLogRoute, loggedWarningsLine } from './log-routing.js';

/**
 * The commander program. Each command file registers its options here and imports the modules its action needs
 * (tfjs, the broker client, the coordinator or worker) inside the action, so `sweep --help` loads none of them.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('sweep')
    .description('Distributed, crash-proof, statistically honest parameter sweeps for deep learning (NATS JetStream + TensorFlow.js)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 runtime or trial failure, 2 bad input (spec, flags, arguments, input files).')
    .exitOverride();
  addGlobalOptions(program);
  // Before any action runs: decide where its logs go (see log-routing.ts).
  program.hook('preAction', (_program, action) => {
    const g = program.opts<GlobalOptions>();
    applyLogRoute({
      command: action.name(),
      stateDir: g.stateDir,
      verbose: g.verbose === true,
      json: action.opts<{ json?: boolean }>().json === true,
      stderrIsTTY: process.stderr.isTTY === true,
    });
  });
  registerLaunch(program);
  registerWorker(program);
  registerStatus(program);
  registerLeaderboard(program);
  registerSweepCommands(program);
  registerPredict(program);
  registerRetryAttach(program);
  registerExport(program);
  registerReport(program);
  registerStorageCommands(program);
  return program;
}

/**
 * A broker's permissions violation as a one-line BrokerPermissionError. The NATS client is imported only for an
 * error that is not already one of ours (it is loaded by then if the error came from it), so `--help` never loads it.
 */
async function withBrokerPermissionError(e: unknown): Promise<unknown> {
  if (e instanceof SweepError || e instanceof CommanderError) return e;
  const { asBrokerPermissionError } = await import('../transport/permission-errors.js');
  return asBrokerPermissionError(e) ?? e;
}

/** The only place that sets the exit code: 2 for bad input (spec, flags), 1 for failures, 0 otherwise. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let code = 0;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const result = exitCodeFor(await withBrokerPermissionError(e), program.opts<{ verbose?: boolean }>().verbose === true);
    // An error's message may quote a program's stderr or a record: no escape sequence reaches the terminal.
    if (result.text) process.stderr.write(terminalSafe(result.text, { multiline: true }));
    code = result.code;
  }
  const warned = loggedWarningsLine();
  if (warned) process.stderr.write(warned);
  return code;
}

const code = await main(process.argv);
process.exitCode = code;
// Leftover handles (a reconnecting client, tfjs) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
