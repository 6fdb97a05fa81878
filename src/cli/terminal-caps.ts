import type { RenderTableOptions } from '../report/index.js';

/** How many trial and group rows a leaderboard shows on a terminal unless `--all` is given. */
export const TERMINAL_TRIAL_ROWS = 20;
export const TERMINAL_GROUP_ROWS = 50;

/**
 * Row caps for a text leaderboard: on a terminal, the best TERMINAL_*_ROWS with a line counting the rest (a
 * 10,000-trial sweep would otherwise scroll past); piped output, `--all`, CSV and JSON list everything.
 */
export function terminalCaps(stdoutIsTty: boolean, all: boolean): Pick<RenderTableOptions, 'maxTrialRows' | 'maxGroupRows'> {
  return stdoutIsTty && !all ? { maxTrialRows: TERMINAL_TRIAL_ROWS, maxGroupRows: TERMINAL_GROUP_ROWS } : {};
}
