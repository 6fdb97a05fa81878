import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { SweepError } from '../domain/errors.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { UnknownSweepArgumentError } from './errors.js';
import { checkOutputFile } from './output-path.js';

/** The report was rendered but could not be written (the path was checked first: a full disk, a race). Exit 1. */
export class ReportWriteError extends SweepError {}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a sweep (leaderboard, statistics, curves, samples, ONNX checks)')
    .argument('[sweep]', 'sweep ID (default: the most recently updated sweep)')
    .option('-o, --output <file>', 'the HTML file to write', 'report.html')
    .action(async (id: string | undefined, flags: { output: string }, cmd: Command) => {
      await report(id, flags.output, cmd.optsWithGlobals<GlobalOptions>());
    });
}

// The broker client, the sweep view and the renderers are imported inside the action, so `sweep --help` loads
// none of them. The output path is checked before connecting; an unknown sweep ID is bad input (exit 2).
async function report(id: string | undefined, output: string, g: GlobalOptions): Promise<void> {
  checkOutputFile(output, '-o/--output');
  const [{ createLogger }, { openBroker }, { loadSweepView, UnknownSweepError }, { buildLeaderboard, renderReportHtml }] = await Promise.all([
    import('../log.js'),
    import('./broker.js'),
    import('../coordinator/sweep-view.js'),
    import('../report/index.js'),
  ]);
  const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('report'), 'sweep-report');
  let html: string;
  try {
    const { view } = await loadSweepView(handle.nc, id).catch((e: unknown) => {
      // Without an ID there is no bad input: an empty broker stays a plain failure (exit 1).
      if (id !== undefined && e instanceof UnknownSweepError) throw new UnknownSweepArgumentError(e.message, { cause: e });
      throw e;
    });
    html = renderReportHtml(view, buildLeaderboard(view));
  } finally {
    await handle.close();
  }
  const file = resolve(output);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, html);
  } catch (e) {
    throw new ReportWriteError(`cannot write the report to ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose another -o path`, { cause: e });
  }
  process.stdout.write(file + '\n');
}
