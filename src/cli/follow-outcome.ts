import type { FollowOutcome } from '../coordinator/coordinator-run.js';
import { buildLeaderboard, renderTable, type Leaderboard } from '../report/index.js';
import { ExitCode } from './errors.js';
import { terminalCaps } from './terminal-caps.js';

/**
 * How `launch` and `attach` end once the coordinator stopped following (coordinator/coordinator-run.ts): the
 * leaderboard on stdout (a table, or JSON), then an interruption (130) or failed trials (1) as the exit code.
 */
export function renderFollowOutcome(
  outcome: FollowOutcome,
  opts: {
    json: boolean;
    /** List every row of the final table on a terminal too (see terminal-caps.ts). */
    all?: boolean;
  },
): Leaderboard {
  const lb = buildLeaderboard(outcome.view, {});
  process.stdout.write(opts.json ? JSON.stringify(lb, null, 2) + '\n' : renderTable(lb, { color: process.stdout.isTTY === true, ...terminalCaps(process.stdout.isTTY === true, opts.all === true) }) + '\n');
  if (!outcome.done) throw new ExitCode(130, 'interrupted: the sweep goes on when you launch or attach it again');
  if (outcome.failed > 0) throw new ExitCode(1, `${outcome.failed} trial(s) failed; see \`sweep status ${outcome.sweepId}\` for their errors`);
  return lb;
}
