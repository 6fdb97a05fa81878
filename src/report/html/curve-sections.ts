import type { GroupRow, Leaderboard, PrunedGroupRow, TrialRow } from '../leaderboard/types.js';
import { groupKey } from '../leaderboard/group-key.js';
import { formatMetric } from '../render/format.js';
import { count } from '../render/row-cap.js';
import { statusText } from '../render/visible-rows.js';
import type { TrialView } from '../types.js';
import { esc } from './escape.js';
import { learningCurvePanels, type CurveLine } from './learning-curves.js';
import { meanCurve } from './mean-curve.js';
import type { ReportLimits } from './report-limits.js';

/** What the curve sections read: the trials by ID, the leaderboard's rows by ID, the scheduler's rungs. */
export interface CurveContext {
  lb: Leaderboard;
  byId: ReadonlyMap<string, TrialView>;
  rows: ReadonlyMap<string, TrialRow>;
  rungs: readonly number[];
  limits: Readonly<ReportLimits>;
}

/** A section's body and the caption that says what it drew and what it left out. */
export interface CurveSection {
  body: string;
  caption: string;
}

/** A curve of one trial, marked as pruned (faded, ending in ×) when the scheduler stopped it. */
function curveLine(label: string, trial: TrialView, row: TrialRow | undefined): CurveLine {
  return row?.prunedAt != null ? { label, epochs: trial.epochs, prunedAt: row.prunedAt } : { label, epochs: trial.epochs };
}

/** One line per seed, or, past `seedLines` trials, the group's mean curve over its seeds. */
function groupLines(trialIds: readonly string[], ctx: CurveContext): CurveLine[] {
  const trials = trialIds.flatMap((id) => {
    const trial = ctx.byId.get(id);
    return trial ? [trial] : [];
  });
  if (trials.length <= ctx.limits.seedLines) return trials.map((t) => curveLine(`seed ${t.seed}`, t, ctx.rows.get(t.id)));
  return [{ label: `mean of ${count(trials.length)} seeds`, epochs: meanCurve(trials.map((t) => t.epochs)) }];
}

function groupDetails(head: string, attrs: string, trialIds: readonly string[], ctx: CurveContext): string {
  return `<details${attrs}><summary>${esc(head)}</summary>${learningCurvePanels(groupLines(trialIds, ctx), { rungs: ctx.rungs })}</details>`;
}

/** Learning curves of the best `groupCurves` ranked groups and as many pruned groups. */
export function groupCurvesSection(ctx: CurveContext): CurveSection {
  const { lb, limits } = ctx;
  const ranked: GroupRow[] = lb.groups.slice(0, limits.groupCurves);
  const pruned: PrunedGroupRow[] = lb.pruned.slice(0, limits.groupCurves);
  const body = [
    ...ranked.map((g) =>
      groupDetails(`#${g.rank} ${g.key} — n=${g.n}, ${lb.objective.metric} ${formatMetric(g.objective.mean)}`, g.rank <= 2 ? ' open' : '', g.trialIds, ctx),
    ),
    ...pruned.map((g) =>
      groupDetails(`${g.key} — n=${g.n}, ${g.label}, ${lb.objective.metric} ${formatMetric(g.value)} at the rung (not ranked)`, ' class="pruned"', g.trialIds, ctx),
    ),
  ].join('');
  const notes: string[] = [];
  if (ranked.length < lb.groups.length) notes.push(`The best ${count(ranked.length)} of ${count(lb.groups.length)} ranked configurations (by rank).`);
  if (pruned.length < lb.pruned.length) notes.push(`The first ${count(pruned.length)} of ${count(lb.pruned.length)} pruned configurations (deepest rung first).`);
  if ([...ranked, ...pruned].some((g) => g.n > limits.seedLines)) {
    notes.push(`A configuration with more than ${limits.seedLines} trials is drawn as its mean curve: per epoch, the mean over the seeds that trained it.`);
  }
  return { body, caption: notes.join(' ') };
}

/** Learning curves of the first `trialCurves` trials (ranked best first, then pruned, then the rest) that trained. */
export function trialCurvesSection(ctx: CurveContext): CurveSection {
  const { lb, limits } = ctx;
  const trained = lb.trials.filter((row) => (ctx.byId.get(row.id)?.epochs.length ?? 0) > 0);
  const shown = trained.slice(0, limits.trialCurves);
  const body = shown
    .map((row) => {
      const trial = ctx.byId.get(row.id)!;
      const head = `${row.rank === null ? '—' : `#${row.rank}`} ${row.shortId} · ${groupKey(row.params, lb.groupBy)} · seed ${row.seed} · ${statusText(row)}`;
      return `<details><summary>${esc(head)}</summary>${learningCurvePanels([curveLine(`${row.shortId} (seed ${row.seed})`, trial, row)], { rungs: ctx.rungs })}</details>`;
    })
    .join('');
  const caption =
    shown.length < trained.length
      ? `The first ${count(shown.length)} of ${count(trained.length)} trials that trained an epoch: ranked ones best first, then pruned ones, then the rest.`
      : '';
  return { body, caption };
}
