import type { Leaderboard, TrialRow } from '../leaderboard/types.js';
import { groupKey } from '../leaderboard/group-key.js';
import type { SweepView, TrialView } from '../types.js';
import { ciLegend, formatMetric } from '../render/format.js';
import { count } from '../render/row-cap.js';
import { confusionMatrixSvg } from './confusion-matrix.js';
import { groupCurvesSection, trialCurvesSection, type CurveContext } from './curve-sections.js';
import { esc } from './escape.js';
import { findingsSectionHtml } from './findings.js';
import { parallelCoordinates } from './parallel-coordinates.js';
import { DEFAULT_REPORT_LIMITS, type ReportLimits } from './report-limits.js';
import { sampleImagesHtml } from './sample-images.js';
import { samplingNote } from './sampling-note.js';
import { REPORT_CSS } from './styles.js';
import { rungEpochs } from './rungs.js';
import { groupsTableHtml, marginalsTableHtml, onnxTableHtml, prunedGroupsTableHtml, trialsTableHtml } from './tables.js';

const TOP_MODELS_WITH_SAMPLES = 3;

function section(id: string, title: string, body: string, caption = ''): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${caption ? `<p class="caption">${esc(caption)}</p>` : ''}${body}</section>`;
}

function trialLabel(row: Pick<TrialRow, 'shortId' | 'seed'>): string {
  return `${row.shortId} (seed ${row.seed})`;
}

/** The best ranked trial of each group, best group first: the "top models". Stops after `limit` leaders. */
function groupLeaders(lb: Leaderboard, rows: ReadonlyMap<string, TrialRow>, limit = Infinity): TrialRow[] {
  if (lb.groups.length === 0) return lb.trials.filter((t) => t.rank !== null).slice(0, limit);
  const leaders: TrialRow[] = [];
  for (const g of lb.groups) {
    if (leaders.length >= limit) break;
    let leader: TrialRow | undefined;
    for (const id of g.trialIds) {
      const row = rows.get(id);
      if (row?.rank != null && (leader === undefined || row.rank < leader.rank!)) leader = row;
    }
    if (leader) leaders.push(leader);
  }
  return leaders;
}

function summaryCards(view: SweepView, lb: Leaderboard): string {
  const counts = new Map<string, number>();
  for (const t of view.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const best = lb.groups[0];
  const top = lb.trials.find((t) => t.rank === 1);
  const cards: Array<[string, string]> = [
    ['trials', String(view.trials.length)],
    ...[...counts.entries()].map(([s, n]): [string, string] => [s.toLowerCase(), String(n)]),
  ];
  if (best) cards.push([`best group (n=${best.n})`, best.key], [`best group mean ${lb.objective.metric}`, formatMetric(best.objective.mean)]);
  if (top) cards.push([`best trial ${lb.objective.metric}`, `${formatMetric(top.objective)} (${top.shortId})`]);
  return `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div></div>`).join('')}</div>`;
}

function earlyTermination(lb: Leaderboard): string {
  return lb.earlyTermination ? `<p class="early-termination">${esc(lb.earlyTermination.line)}</p>` : '';
}

function winnerSection(lb: Leaderboard, byId: ReadonlyMap<string, TrialView>, rows: ReadonlyMap<string, TrialRow>): string {
  const leaders = groupLeaders(lb, rows);
  const winner = leaders.find((r) => byId.get(r.id)?.confusionMatrix !== undefined);
  if (!winner) return section('confusion', 'Confusion matrix', '<p class="muted">No ranked trial recorded a confusion matrix.</p>');
  const trial = byId.get(winner.id)!;
  const isTop = winner.id === leaders[0]?.id;
  const caption =
    `Trial ${winner.shortId} (${groupKey(winner.params, lb.groupBy)}, seed ${winner.seed})` +
    `${isTop ? ', the best trial of the best group' : ', the best-ranked leader with a recorded matrix'}; ` +
    'rows are true classes, columns predictions; colour is the share of the row.';
  return section('confusion', 'Winner: confusion matrix', confusionMatrixSvg(trial.confusionMatrix!, trial.classNames ?? []), caption);
}

function samplesSection(lb: Leaderboard, byId: ReadonlyMap<string, TrialView>, rows: ReadonlyMap<string, TrialRow>): string {
  const shown = groupLeaders(lb, rows)
    .filter((r) => (byId.get(r.id)?.samples?.length ?? 0) > 0)
    .slice(0, TOP_MODELS_WITH_SAMPLES);
  if (shown.length === 0) return section('samples', 'Sample predictions', '<p class="muted">No sample predictions recorded.</p>');
  const body = shown
    .map((r) => `<h3>${esc(`${groupKey(r.params, lb.groupBy)} — trial ${trialLabel(r)}`)}</h3>${sampleImagesHtml(byId.get(r.id)!)}`)
    .join('');
  return section('samples', 'Sample predictions of the top models', body, 'Green frame: correct; red frame: wrong. Percent: predicted-class probability.');
}

/**
 * The whole report as one self-contained HTML document (inline CSS and SVG, images as data URIs, no scripts). Its
 * size is bounded by `limits` whatever the sweep's size: long tables keep their best rows, curves are drawn for the
 * best trials and configurations, the parallel coordinates for a sample by rank; the page says what it left out.
 * The same input gives the same bytes.
 */
export function renderReportHtml(view: SweepView, lb: Leaderboard, limits: Readonly<ReportLimits> = DEFAULT_REPORT_LIMITS): string {
  const byId = new Map(view.trials.map((t) => [t.id, t]));
  const rows = new Map(lb.trials.map((t) => [t.id, t]));
  const ctx: CurveContext = { lb, byId, rows, rungs: rungEpochs(view.scheduler), limits };
  const objective = `${lb.objective.goal === 'max' ? 'maximize' : 'minimize'} ${lb.objective.metric}`;
  const parts: string[] = [];
  if (lb.groups.length > 0) {
    parts.push(
      section('groups', 'Leaderboard by configuration', groupsTableHtml(lb, limits.groupRows),
        `Groups: trials that share ${lb.groupBy.length ? lb.groupBy.join(', ') : 'everything'} (differing only by seed). ` +
          `${ciLegend(lb.objective.metric, new Set(lb.groups.map((g) => g.objective.ci95Method)))}. Δ and g: group − best (g = Hedges' g). p: two-sided test against the best ` +
          'group, Welch (decides the verdict) and paired by seed when both groups ran the same seeds.'),
    );
    if (lb.marginals.some((m) => m.levels.length > 1)) {
      parts.push(section('marginals', 'Marginal effect of each swept param', marginalsTableHtml(lb, limits.marginalLevels), 'All ranked trials at each level, pooled over the other params.'));
    }
  }
  parts.push(...findingsSectionHtml(lb));
  if (lb.pruned.length > 0) {
    parts.push(
      section('pruned', 'Stopped early by the scheduler (pruned)', prunedGroupsTableHtml(lb, limits.groupRows),
        'Configurations the scheduler stopped at a rung. Not ranked and not tested against the groups above: their value is ' +
          'the mean over seeds of the objective at the rung (the last epoch they trained), not at the end of training.'),
    );
  }
  const pruneNote = lb.trials.some((t) => t.prunedAt !== null) ? ' Pruned trials are unranked, with their metrics at the rung (their last epoch).' : '';
  const trialsTitle = lb.trials.length > limits.trialRows ? 'Trials' : 'All trials';
  parts.push(section('trials', trialsTitle, trialsTableHtml(lb, limits.trialRows), `Metrics at each trial's best epoch.${pruneNote} Failed trials are listed last with their error.`));
  const parallel = parallelCoordinates(lb, limits.parallelLines);
  const parallelCaption =
    parallel.step === 1
      ? 'One line per ranked trial'
      : `One line for every k-th ranked trial by rank, k = ${parallel.step} (ranks 1, ${1 + parallel.step}, ${1 + 2 * parallel.step}, …): ${count(parallel.drawn)} of ${count(parallel.ranked)}`;
  parts.push(section('parallel', 'Swept params vs objective', parallel.svg, `${parallelCaption}; colour from worst (purple) to best (yellow).`));
  if (lb.groups.length + lb.pruned.length > 0) {
    const groups = groupCurvesSection(ctx);
    parts.push(section('group-curves', 'Learning curves per configuration', groups.body, groups.caption));
  }
  const trials = trialCurvesSection(ctx);
  parts.push(section('trial-curves', 'Learning curves per trial', trials.body, trials.caption));
  parts.push(winnerSection(lb, byId, rows));
  parts.push(samplesSection(lb, byId, rows));
  const onnx = onnxTableHtml(view);
  if (onnx !== null) parts.push(section('onnx', 'ONNX export check', onnx, 'onnxruntime-node vs tfjs on the same inputs; latencies at batch 1.'));
  const title = `Sweep report: ${view.name}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="muted">sweep ${esc(view.id)} · objective: ${esc(objective)}</div>${earlyTermination(lb)}${summaryCards(view, lb)}${samplingNote(lb, limits, parallel)}</header>
<main>${parts.join('\n')}</main></body></html>
`;
}
