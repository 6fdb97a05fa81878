import type { Leaderboard } from '../leaderboard/types.js';
import { count } from '../render/row-cap.js';
import { esc } from './escape.js';
import type { ParallelCoordinates } from './parallel-coordinates.js';
import type { ReportLimits } from './report-limits.js';
import { LIST_ALL_TRIALS } from './tables.js';

/**
 * The header line that says what a large sweep's page left out or sampled, and how; empty when it shows
 * everything. Each clause matches a cap that applied (see ReportLimits).
 */
export function samplingNote(lb: Leaderboard, limits: Readonly<ReportLimits>, parallel: Pick<ParallelCoordinates, 'step'>): string {
  const trained = lb.trials.filter((t) => t.epochsRun > 0).length;
  const groups = lb.groups.length;
  const clauses = [
    ...(lb.trials.length > limits.trialRows ? [`the first ${count(limits.trialRows)} trials by rank in the trials table`] : []),
    ...(groups > limits.groupRows ? [`the best ${count(limits.groupRows)} configurations in the leaderboard`] : []),
    ...(lb.pruned.length > limits.groupRows ? [`the first ${count(limits.groupRows)} pruned configurations`] : []),
    ...(lb.marginals.some((m) => m.levels.length > limits.marginalLevels) ? [`marginal effects of params with at most ${limits.marginalLevels} levels`] : []),
    ...(trained > limits.trialCurves ? [`learning curves of the first ${count(limits.trialCurves)} trials by rank`] : []),
    ...(groups > limits.groupCurves || lb.pruned.length > limits.groupCurves ? [`learning curves of the best ${count(limits.groupCurves)} configurations (and as many pruned ones)`] : []),
    ...([...lb.groups, ...lb.pruned].some((g) => g.n > limits.seedLines) ? [`a mean curve over seeds for a configuration of more than ${limits.seedLines} trials`] : []),
    ...(parallel.step > 1 ? [`one parallel-coordinates line for every k-th ranked trial by rank from rank 1, k = ${count(parallel.step)} (a fixed rule: the same sweep gives the same page)`] : []),
  ];
  if (clauses.length === 0) return '';
  const intro = `This sweep has ${count(lb.trials.length)} trials${groups > 0 ? ` in ${count(groups)} ranked configurations` : ''}; to stay readable the page shows ${clauses.join('; ')}. `;
  return `<p class="sampling">${esc(intro)}<code>${esc(LIST_ALL_TRIALS)}</code> lists every trial.</p>`;
}
