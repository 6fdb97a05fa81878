import type { SweepView } from '../types.js';
import { summarizeEarlyTermination } from './early-termination.js';
import { buildFindings } from './findings.js';
import { buildGroups, buildPrunedGroups } from './groups.js';
import { buildMarginals } from './marginals.js';
import { buildTrialRows } from './trial-rows.js';
import type { BuildLeaderboardOptions, Leaderboard } from './types.js';

import { SEED_PARAM } from '../../domain/config-group.js';

function sweptParamsOf(view: SweepView): string[] {
  const names = new Set<string>();
  for (const t of view.trials) for (const name of Object.keys(t.params)) names.add(name);
  return [...names];
}

function resolveGroupBy(requested: string[] | undefined, swept: string[]): string[] {
  if (requested === undefined) return swept.filter((p) => p !== SEED_PARAM);
  const unknown = requested.filter((p) => !swept.includes(p));
  if (unknown.length > 0) {
    throw new Error(
      `groupBy: unknown param ${unknown.map((p) => `'${p}'`).join(', ')}; ` +
        `the swept params of this sweep are: ${swept.join(', ') || '(none)'}`,
    );
  }
  return [...new Set(requested)];
}

export function buildLeaderboard(view: SweepView, opts: BuildLeaderboardOptions = {}): Leaderboard {
  if (opts.top !== undefined && !(Number.isInteger(opts.top) && opts.top > 0)) {
    throw new Error(`top must be a positive integer (rows to show), got ${opts.top}`);
  }
  const sweptParams = sweptParamsOf(view);
  const groupBy = resolveGroupBy(opts.groupBy, sweptParams);
  const trials = buildTrialRows(view.trials, view.objective);
  const groups = buildGroups(trials, groupBy, view.objective);
  const pruned = buildPrunedGroups(view.trials, trials, groupBy, view.objective);
  return {
    schemaVersion: 1,
    sweepId: view.id,
    sweepName: view.name,
    objective: view.objective,
    groupBy,
    sweptParams,
    defaultMode: groups.some((g) => g.n > 1) || pruned.some((g) => g.n > 1) ? 'groups' : 'trials',
    top: opts.top ?? null,
    trials,
    groups,
    pruned,
    marginals: buildMarginals(trials, sweptParams.filter((p) => p !== SEED_PARAM), view.objective.metric),
    findings: buildFindings(view, trials, groups, sweptParams),
    earlyTermination: summarizeEarlyTermination(view, pruned, groupBy),
  };
}
