import type { Leaderboard, TrialRow } from '../leaderboard/types.js';
import { groupKey } from '../leaderboard/group-key.js';
import type { SweepView, TrialView } from '../types.js';
import { ciLegend, formatMetric } from '../render/format.js';
import { confusionMatrixSvg } from './confusion-matrix.js';
import { esc } from './escape.js';
import { findingsSectionHtml } from './findings.js';
import { learningCurvePanels, type CurveLine } from './learning-curves.js';
import { parallelCoordinatesSvg } from './parallel-coordinates.js';
import { sampleImagesHtml } from './sample-images.js';
import { REPORT_CSS } from './styles.js';
import { rungEpochs } from './rungs.js';
import { groupsTableHtml, marginalsTableHtml, onnxTableHtml, prunedGroupsTableHtml, trialsTableHtml } from './tables.js';
import { statusText } from '../render/visible-rows.js';

const TOP_MODELS_WITH_SAMPLES = 3;

function section(id: string, title: string, body: string, caption = ''): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${caption ? `<p class="caption">${esc(caption)}</p>` : ''}${body}</section>`;
}

function trialLabel(row: Pick<TrialRow, 'shortId' | 'seed'>): string {
  return `${row.shortId} (seed ${row.seed})`;
}

/** The best ranked trial of each group, best group first: the "top models". */
function groupLeaders(lb: Leaderboard): TrialRow[] {
  const ranked = lb.trials.filter((t) => t.rank !== null);
  if (lb.groups.length === 0) return ranked;
  return lb.groups.flatMap((g) => {
    const leader = ranked.find((t) => g.trialIds.includes(t.id));
    return leader ? [leader] : [];
  });
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

/** A curve of one trial, marked as pruned (faded, ending in ×) when the scheduler stopped it. */
function curveLine(label: string, trial: TrialView, row: TrialRow | undefined): CurveLine {
  return row?.prunedAt != null ? { label, trial, prunedAt: row.prunedAt } : { label, trial };
}

function groupCurves(lb: Leaderboard, byId: Map<string, TrialView>, rungs: readonly number[]): string {
  const rows = new Map(lb.trials.map((t) => [t.id, t]));
  const linesOf = (trialIds: readonly string[]): CurveLine[] =>
    trialIds.flatMap((id) => {
      const trial = byId.get(id);
      return trial ? [curveLine(`seed ${trial.seed}`, trial, rows.get(id))] : [];
    });
  const ranked = lb.groups.map((g) => {
    const head = `#${g.rank} ${g.key} — n=${g.n}, ${lb.objective.metric} ${formatMetric(g.objective.mean)}`;
    return `<details${g.rank <= 2 ? ' open' : ''}><summary>${esc(head)}</summary>${learningCurvePanels(linesOf(g.trialIds), { rungs })}</details>`;
  });
  const pruned = lb.pruned.map((g) => {
    const head = `${g.key} — n=${g.n}, ${g.label}, ${lb.objective.metric} ${formatMetric(g.value)} at the rung (not ranked)`;
    return `<details class="pruned"><summary>${esc(head)}</summary>${learningCurvePanels(linesOf(g.trialIds), { rungs })}</details>`;
  });
  return [...ranked, ...pruned].join('');
}

function trialCurves(lb: Leaderboard, byId: Map<string, TrialView>, rungs: readonly number[]): string {
  return lb.trials
    .filter((row) => (byId.get(row.id)?.epochs.length ?? 0) > 0)
    .map((row) => {
      const trial = byId.get(row.id)!;
      const head = `${row.rank === null ? '—' : `#${row.rank}`} ${row.shortId} · ${groupKey(row.params, lb.groupBy)} · seed ${row.seed} · ${statusText(row)}`;
      return `<details><summary>${esc(head)}</summary>${learningCurvePanels([curveLine(trialLabel(row), trial, row)], { rungs })}</details>`;
    })
    .join('');
}

function winnerSection(lb: Leaderboard, byId: Map<string, TrialView>): string {
  const leaders = groupLeaders(lb);
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

function samplesSection(lb: Leaderboard, byId: Map<string, TrialView>): string {
  const shown = groupLeaders(lb)
    .filter((r) => (byId.get(r.id)?.samples?.length ?? 0) > 0)
    .slice(0, TOP_MODELS_WITH_SAMPLES);
  if (shown.length === 0) return section('samples', 'Sample predictions', '<p class="muted">No sample predictions recorded.</p>');
  const body = shown
    .map((r) => `<h3>${esc(`${groupKey(r.params, lb.groupBy)} — trial ${trialLabel(r)}`)}</h3>${sampleImagesHtml(byId.get(r.id)!)}`)
    .join('');
  return section('samples', 'Sample predictions of the top models', body, 'Green frame: correct; red frame: wrong. Percent: predicted-class probability.');
}

/** The whole report as one self-contained HTML document (inline CSS and SVG, images as data URIs, no scripts). */
export function renderReportHtml(view: SweepView, lb: Leaderboard): string {
  const byId = new Map(view.trials.map((t) => [t.id, t]));
  const rungs = rungEpochs(view.scheduler);
  const objective = `${lb.objective.goal === 'max' ? 'maximize' : 'minimize'} ${lb.objective.metric}`;
  const parts: string[] = [];
  if (lb.groups.length > 0) {
    parts.push(
      section('groups', 'Leaderboard by configuration', groupsTableHtml(lb),
        `Groups: trials that share ${lb.groupBy.length ? lb.groupBy.join(', ') : 'everything'} (differing only by seed). ` +
          `${ciLegend(lb.objective.metric, new Set(lb.groups.map((g) => g.objective.ci95Method)))}. Δ and g: group − best (g = Hedges' g). p: two-sided test against the best ` +
          'group, Welch (decides the verdict) and paired by seed when both groups ran the same seeds.'),
    );
    if (lb.marginals.some((m) => m.levels.length > 1)) {
      parts.push(section('marginals', 'Marginal effect of each swept param', marginalsTableHtml(lb), 'All ranked trials at each level, pooled over the other params.'));
    }
  }
  parts.push(...findingsSectionHtml(lb));
  if (lb.pruned.length > 0) {
    parts.push(
      section('pruned', 'Stopped early by the scheduler (pruned)', prunedGroupsTableHtml(lb),
        'Configurations the scheduler stopped at a rung. Not ranked and not tested against the groups above: their value is ' +
          'the mean over seeds of the objective at the rung (the last epoch they trained), not at the end of training.'),
    );
  }
  const pruneNote = lb.trials.some((t) => t.prunedAt !== null) ? ' Pruned trials are unranked, with their metrics at the rung (their last epoch).' : '';
  parts.push(section('trials', 'All trials', trialsTableHtml(lb), `Metrics at each trial's best epoch.${pruneNote} Failed trials are listed last with their error.`));
  parts.push(section('parallel', 'Swept params vs objective', parallelCoordinatesSvg(lb), 'One line per ranked trial; colour from worst (purple) to best (yellow).'));
  if (lb.groups.length + lb.pruned.length > 0) parts.push(section('group-curves', 'Learning curves per configuration', groupCurves(lb, byId, rungs)));
  parts.push(section('trial-curves', 'Learning curves per trial', trialCurves(lb, byId, rungs)));
  parts.push(winnerSection(lb, byId));
  parts.push(samplesSection(lb, byId));
  const onnx = onnxTableHtml(view);
  if (onnx !== null) parts.push(section('onnx', 'ONNX export check', onnx, 'onnxruntime-node vs tfjs on the same inputs; latencies at batch 1.'));
  const title = `Sweep report: ${view.name}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="muted">sweep ${esc(view.id)} · objective: ${esc(objective)}</div>${earlyTermination(lb)}${summaryCards(view, lb)}</header>
<main>${parts.join('\n')}</main></body></html>
`;
}
