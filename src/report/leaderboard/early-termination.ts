import { isTerminal } from '../../domain/trial-state.js';
import type { SweepView } from '../types.js';
import { groupKey } from './group-key.js';
import type { EarlyTerminationSummary, PrunedGroupRow } from './types.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Epochs trained against the epochs full runs would have needed: over every finished (terminal) trial whose
 * configured epoch count is known, the sum of the epochs it trained against the sum of its `plannedEpochs`.
 * Unfinished trials (they would understate the fraction) and trials without a known plan are counted apart.
 * Null unless some trial was pruned or the sweep has a scheduler.
 */
export function summarizeEarlyTermination(
  view: SweepView,
  pruned: readonly PrunedGroupRow[],
  groupBy: readonly string[],
): EarlyTerminationSummary | null {
  const prunedTrials = view.trials.filter((t) => t.status === 'PRUNED').length;
  const scheduler = view.scheduler?.type ?? null;
  if (prunedTrials === 0 && scheduler === null) return null;
  let epochsTrained = 0;
  let epochsPlanned = 0;
  let trialsCounted = 0;
  let trialsUnfinished = 0;
  let trialsWithoutPlan = 0;
  for (const t of view.trials) {
    if (!isTerminal(t.status)) {
      trialsUnfinished++;
      continue;
    }
    const planned = t.plannedEpochs;
    if (planned === null || planned === undefined || !Number.isFinite(planned)) {
      trialsWithoutPlan++;
      continue;
    }
    epochsTrained += t.epochs.length;
    epochsPlanned += planned;
    trialsCounted++;
  }
  const groups = new Set(view.trials.map((t) => groupKey(t.params, groupBy))).size;
  const fraction = epochsPlanned > 0 ? epochsTrained / epochsPlanned : null;
  const epochs =
    fraction === null
      ? `${plural(epochsTrained, 'epoch')} trained (full-run epochs unknown)`
      : `${epochsTrained} of ${plural(epochsPlanned, 'epoch')} trained (${Math.round(fraction * 100)} %)`;
  const notCounted = [
    ...(trialsUnfinished > 0 ? [`${plural(trialsUnfinished, 'unfinished trial')}`] : []),
    ...(trialsWithoutPlan > 0 ? [`${plural(trialsWithoutPlan, 'trial')} without a configured epoch count`] : []),
  ];
  const line =
    `early termination${scheduler === null ? '' : ` (${scheduler})`}: ${epochs}, ` +
    `${pruned.length} of ${plural(groups, 'group')} pruned` +
    (notCounted.length > 0 ? `; not counted: ${notCounted.join(', ')}` : '');
  return {
    scheduler,
    epochsTrained,
    epochsPlanned,
    fraction,
    trialsCounted,
    trialsUnfinished,
    trialsWithoutPlan,
    prunedTrials,
    prunedGroups: pruned.length,
    groups,
    line,
  };
}
