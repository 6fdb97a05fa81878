import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { UsageError, parsePositiveInt } from './errors.js';
import { terminalCaps } from './terminal-caps.js';

interface LeaderboardFlags {
  json?: boolean;
  csv?: boolean;
  top?: number;
  trials?: boolean;
  groupBy?: string;
  all?: boolean;
}

export function registerLeaderboard(program: Command): void {
  program
    .command('leaderboard')
    .description('rank the trials of a sweep (groups over seeds: mean ± std, 95 % CI, tests against the best)')
    .argument('[sweep]', 'sweep ID (default: the most recently updated sweep)')
    .option('--json', 'JSON output')
    .option('--csv', 'CSV output')
    .option('--top <n>', 'only the best N rows', (v) => parsePositiveInt(v, '--top'))
    .option('--trials', 'one row per trial instead of per group')
    .option('--all', 'on a terminal, list every row (by default the best 20 trials and 50 groups, and a count of the rest)')
    .option('--group-by <params>', 'comma-separated params that define a group (default: every swept param but the seed)')
    .action(async (id: string | undefined, flags: LeaderboardFlags, cmd: Command) => {
      if (flags.json && flags.csv) throw new UsageError('choose one of --json and --csv');
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Imported in the action: `sweep --help` loads no broker client.
      const [{ loadSweepView }, { buildLeaderboard, renderCsv, renderJson, renderTable }, { openBroker }] = await Promise.all([
        import('../coordinator/sweep-view.js'),
        import('../report/index.js'),
        import('./broker.js'),
      ]);
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('leaderboard'), 'sweep-leaderboard');
      try {
        const { view } = await loadSweepView(handle.nc, id);
        const lb = buildLeaderboard(view, {
          ...(flags.top !== undefined ? { top: flags.top } : {}),
          ...(flags.groupBy ? { groupBy: flags.groupBy.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        });
        const mode = flags.trials ? 'trials' : undefined;
        const out = flags.json ? renderJson(lb) : flags.csv ? renderCsv(lb, mode) : renderTable(lb, { color: process.stdout.isTTY === true, ...terminalCaps(process.stdout.isTTY === true, flags.all === true), ...(mode ? { mode } : {}) });
        process.stdout.write(out.endsWith('\n') ? out : out + '\n');
      } finally {
        await handle.close();
      }
    });
}
