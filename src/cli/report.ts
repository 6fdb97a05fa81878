import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadSweepView } from '../coordinator/sweep-view.js';
import { buildLeaderboard, renderReportHtml } from '../report/index.js';
import { createLogger } from '../log.js';
import { openBroker } from './broker.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a sweep (leaderboard, statistics, curves, samples, ONNX checks)')
    .argument('[sweep]', 'sweep ID (default: the most recently updated sweep)')
    .option('-o, --output <file>', 'the HTML file to write', 'report.html')
    .action(async (id: string | undefined, flags: { output: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('report'), 'sweep-report');
      let html: string;
      try {
        const { view } = await loadSweepView(handle.nc, id);
        html = renderReportHtml(view, buildLeaderboard(view));
      } finally {
        await handle.close();
      }
      const file = resolve(flags.output);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, html);
      process.stdout.write(file + '\n');
    });
}
