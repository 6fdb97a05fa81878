import { Command } from 'commander';
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
import { exitCodeFor } from './exit-code.js';

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
    const { code, text } = exitCodeFor(e, program.opts<{ verbose?: boolean }>().verbose === true);
    if (text) process.stderr.write(text);
    return code;
  }
}

const code = await main(process.argv);
process.exitCode = code;
// Leftover handles (a reconnecting client, tfjs) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref();
