/**
 * How much of a sweep the HTML report draws and lists, so that a sweep of 100,000 trials gives a page of a few
 * megabytes. Every cap keeps the best rows by the leaderboard's ranking; the page says what it left out, and
 * `sweep leaderboard --all --csv` lists every trial.
 */
export interface ReportLimits {
  /** Rows of the trials table: the first N of the leaderboard's trial order (ranked best first, then pruned, unfinished, failed). */
  trialRows: number;
  /** Rows of the ranked-groups table and of the pruned-groups table (each). */
  groupRows: number;
  /** Levels listed per param in the marginals table; a param with more gets one line saying so. */
  marginalLevels: number;
  /** Trials with learning curves of their own: the first N of the trial order that trained an epoch. */
  trialCurves: number;
  /** Ranked groups with learning curves (best first), and as many pruned groups (deepest rung first). */
  groupCurves: number;
  /** A group with more trials than this is drawn as its mean curve over seeds, not one line per seed. */
  seedLines: number;
  /** Lines of the parallel-coordinates chart: every k-th ranked trial by rank, k = ⌈ranked / N⌉. */
  parallelLines: number;
}

export const DEFAULT_REPORT_LIMITS: Readonly<ReportLimits> = {
  trialRows: 100,
  groupRows: 100,
  marginalLevels: 20,
  trialCurves: 20,
  groupCurves: 20,
  seedLines: 10,
  parallelLines: 1000,
};
