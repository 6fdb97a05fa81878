import type { Leaderboard, TrialRow, Verdict } from '../leaderboard/types.js';
import { formatLevel } from '../leaderboard/group-key.js';
import type { SweepView } from '../types.js';
import type { AnyOnnxCheck } from '../../domain/onnx.js';
import { onnxCheckText } from '../render/onnx-columns.js';
import { formatCi, formatDuration, formatMeanStd, formatMetric, formatP, formatSigned, MISSING } from '../render/format.js';
import { esc } from './escape.js';
import { SHOWN_METRICS, statusText } from '../render/visible-rows.js';
import { capRows, count, statusCounts } from '../render/row-cap.js';

/** Where every row is listed when a table shows only the first ones. */
export const LIST_ALL_TRIALS = 'sweep leaderboard --all --trials --csv';
export const LIST_ALL_GROUPS = 'sweep leaderboard --all --csv';

function table(headers: string[], rows: string[][], numericFrom: Set<number>): string {
  const th = headers.map((h, i) => `<th${numericFrom.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.join('')}</tr>`).join('');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The line under a capped table: how many rows it shows and left out, and the command that lists them all. */
function leftOut(shown: number, hidden: number, noun: string, detail: string, listAll: string): string {
  if (hidden === 0) return '';
  const what = `${count(hidden)} more${detail ? ` (${detail})` : ''}`;
  return `<p class="capped">${esc(`The first ${count(shown)} of ${count(shown + hidden)} ${noun}; ${what} are left out: `)}<code>${esc(listAll)}</code> lists them all.</p>`;
}

const td = (text: string, cls = ''): string => `<td${cls ? ` class="${cls}"` : ''}>${esc(text)}</td>`;
const num = (text: string): string => td(text, 'num');

const VERDICT_CLASS: Record<Verdict, string> = {
  best: 'verdict best',
  'not distinguishable from best at 95 %': 'verdict tie',
  worse: 'verdict worse',
  'n=1, no test': 'verdict single',
};

/** The ranked groups, best first; with `maxRows`, the first N and a line counting the rest. */
export function groupsTableHtml(lb: Leaderboard, maxRows?: number): string {
  const { shown, hidden } = capRows(lb.groups, maxRows);
  const m = lb.objective.metric;
  const headers = ['rank', ...lb.groupBy, 'n', `${m} mean ± std`, '95 % CI', 'min – max', 'val_loss', 'val_auc', 'best epoch', 'Δ vs best', 'p Welch', 'p paired', "Hedges' g", 'verdict'];
  const rows = shown.map((g) => [
    num(String(g.rank)),
    ...lb.groupBy.map((p) => td(formatLevel(g.params[p]))),
    num(String(g.n)),
    num(formatMeanStd(g.objective)),
    num(formatCi(g.objective)),
    num(`${formatMetric(g.objective.min)} – ${formatMetric(g.objective.max)}`),
    num(formatMeanStd(g.valLoss)),
    num(formatMeanStd(g.valAuc)),
    num(g.bestEpochMean.toFixed(1)),
    num(g.comparison ? formatSigned(g.comparison.meanDifference) : MISSING),
    num(formatP(g.comparison?.welch?.p)),
    num(formatP(g.comparison?.paired?.p)),
    num(g.comparison?.hedgesG == null ? MISSING : formatSigned(g.comparison.hedgesG, 2)),
    td(g.verdict, VERDICT_CLASS[g.verdict]),
  ]);
  const numeric = new Set(headers.map((_, i) => i).filter((i) => i === 0 || i > lb.groupBy.length && i < headers.length - 1));
  return table(headers, rows, numeric) + leftOut(shown.length, hidden.length, 'configurations by rank', '', LIST_ALL_GROUPS);
}

/** Every trial in the leaderboard's order; with `maxRows`, the first N and a line counting the rest by status. */
export function trialsTableHtml(lb: Leaderboard, maxRows?: number): string {
  const { shown, hidden } = capRows(lb.trials, maxRows);
  const params = lb.sweptParams.filter((p) => p !== 'seed');
  const extraObjective = !(SHOWN_METRICS as readonly string[]).includes(lb.objective.metric);
  const headers = ['rank', 'trial', ...params, 'seed', ...(extraObjective ? [lb.objective.metric] : []), 'val_accuracy', 'val_loss', 'val_auc', 'best epoch', 'epochs', 'duration', 'status', 'error'];
  const rows = shown.map((t: TrialRow) => [
    num(t.rank === null ? MISSING : String(t.rank)),
    `<td class="mono" title="${esc(t.id)}">${esc(t.shortId)}</td>`,
    ...params.map((p) => td(formatLevel(t.params[p]))),
    num(String(t.seed)),
    ...(extraObjective ? [num(formatMetric(t.objective))] : []),
    num(formatMetric(t.valAccuracy)),
    num(formatMetric(t.valLoss)),
    num(formatMetric(t.valAuc)),
    num(t.bestEpoch === null ? MISSING : String(t.bestEpoch)),
    num(String(t.epochsRun)),
    num(formatDuration(t.durationMs)),
    td(statusText(t), `status ${t.status.toLowerCase()}`),
    td(t.error ?? '', 'error'),
  ]);
  const first = 2 + params.length;
  const numeric = new Set([0, ...Array.from({ length: extraObjective ? 8 : 7 }, (_, i) => first + i)]);
  return table(headers, rows, numeric) + leftOut(shown.length, hidden.length, 'trials by rank', statusCounts(hidden), LIST_ALL_TRIALS);
}

/** Groups the scheduler stopped early: rung and mean there, no rank, no test, no verdict. */
export function prunedGroupsTableHtml(lb: Leaderboard, maxRows?: number): string {
  const { shown, hidden } = capRows(lb.pruned, maxRows);
  const headers = [...lb.groupBy, 'n', 'seeds', 'rung (epoch)', `${lb.objective.metric} at rung (mean over seeds)`, 'status'];
  const rows = shown.map((g) => [
    ...lb.groupBy.map((p) => td(formatLevel(g.params[p]))),
    num(String(g.n)),
    td(g.seeds.join(' ')),
    num(String(g.rung)),
    num(formatMetric(g.value) + (g.value !== null && g.valueN < g.n ? ` (n=${g.valueN})` : '')),
    td(g.label, 'status pruned'),
  ]);
  const first = lb.groupBy.length;
  return table(headers, rows, new Set([first, first + 2, first + 3])) + leftOut(shown.length, hidden.length, 'pruned configurations (deepest rung first)', '', LIST_ALL_GROUPS);
}

/**
 * Each param's levels with the objective over the ranked trials at each; a param with more than `maxLevels`
 * levels (a continuous or sampled one) gets one row saying how many, not a row per level.
 */
export function marginalsTableHtml(lb: Leaderboard, maxLevels = Infinity): string {
  const headers = ['param', 'level', 'n', `${lb.objective.metric} mean ± std`, '95 % CI'];
  const rows = lb.marginals.flatMap((m) => {
    if (m.levels.length > maxLevels) {
      const n = m.levels.reduce((sum, l) => sum + l.summary.n, 0);
      return [[td(m.param), td(`${count(m.levels.length)} levels: not listed (more than ${maxLevels}); see the parallel coordinates`, 'muted'), num(count(n)), num(''), num('')]];
    }
    return m.levels.map((l, i) => [td(i === 0 ? m.param : ''), td(String(l.level)), num(String(l.summary.n)), num(formatMeanStd(l.summary)), num(formatCi(l.summary))]);
  });
  return table(headers, rows, new Set([2, 3, 4]));
}

export function onnxTableHtml(view: SweepView): string | null {
  const checked = view.trials.filter((t): t is typeof t & { onnx: AnyOnnxCheck } => t.onnx !== undefined);
  if (checked.length === 0) return null;
  const headers = ['trial', 'result', 'max |Δ| vs tfjs', 'top-1 agreement', 'ORT p50 ms', 'ORT p99 ms', 'tfjs p50 ms', 'speedup', 'file'];
  const rows = checked.map((t) => {
    const text = onnxCheckText(t.onnx);
    return [
      `<td class="mono" title="${esc(t.id)}">${esc(t.id.slice(0, 8))}</td>`,
      td(text.verdict, t.onnx.ok ? 'verdict best' : 'verdict worse'),
      num(text.maxAbsDiff),
      num(text.top1),
      num(text.ortP50),
      num(text.ortP99),
      num(text.tfjsP50),
      num(text.speedup),
      td(t.onnx.file ?? '', 'mono'),
    ];
  });
  return table(headers, rows, new Set([2, 3, 4, 5, 6, 7]));
}
