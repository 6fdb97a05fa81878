import type { GroupRow, Leaderboard, LeaderboardMode, PrunedGroupRow, TrialRow, Verdict } from '../leaderboard/types.js';
import { formatLevel } from '../leaderboard/group-key.js';
import { ciLegend, formatCi, formatDuration, formatMeanStd, formatMetric, formatP, formatSigned, MISSING } from './format.js';
import { findingsText } from '../leaderboard/findings-text.js';
import { terminalSafe } from '../../domain/terminal-text.js';
import { renderTextTable, type Cell, type CellStyle, type Column } from './text-table.js';
import { resolveMode, SHOWN_METRICS, statusText, visibleGroups, visiblePruned, visibleTrials } from './visible-rows.js';
import { ONNX_COLUMNS, onnxCells, renderOnnxChecks } from './onnx-columns.js';
import { capRows, checkCap, count, moreRowsLine, statusCounts } from './row-cap.js';

export interface RenderTableOptions {
  color?: boolean;
  mode?: LeaderboardMode;
  /**
   * At most this many trial rows: the best by rank in trials mode (after `top`), and the first failed trials in
   * groups mode's failure list. A line under the table counts the rest by status and names `--all`. Default: all
   * (a terminal wants e.g. 20; JSON and CSV are never capped).
   */
  maxTrialRows?: number;
  /**
   * At most this many rows of ranked groups, of pruned groups, and of levels per param in the marginal table, the
   * rest counted the same way. Default: all.
   */
  maxGroupRows?: number;
}

const VERDICT_STYLE: Record<Verdict, CellStyle> = {
  best: 'green',
  'not distinguishable from best at 95 %': 'yellow',
  worse: 'red',
  'n=1, no test': 'dim',
};

const STATUS_STYLE: Partial<Record<TrialRow['status'], CellStyle>> = { FAILED: 'red', STOPPED: 'yellow', COMPLETED: 'green', PRUNED: 'dim' };

function title(lb: Leaderboard): string {
  return terminalSafe(`Sweep ${lb.sweepName} (${lb.sweepId}) — objective: ${lb.objective.goal} ${lb.objective.metric}`);
}

function objectiveIsShown(lb: Leaderboard): boolean {
  return (SHOWN_METRICS as readonly string[]).includes(lb.objective.metric);
}

function trialsTable(lb: Leaderboard, rows: readonly TrialRow[], color: boolean): string {
  const showError = rows.some((r) => r.error !== null);
  const showOnnx = rows.some((r) => r.onnx !== null);
  const extraObjective = !objectiveIsShown(lb);
  const params = lb.sweptParams.filter((p) => p !== 'seed');
  // A column only for a built-in metric some trial reported (a command trainer's program need not report them).
  const side = TRIAL_SIDE_METRICS.filter((m) => rows.some((r) => r[m.field] !== null));
  const columns: Column[] = [
    { header: 'rank', align: 'right' },
    { header: 'trial', align: 'left' },
    ...params.map((p) => ({ header: p, align: 'left' as const })),
    { header: 'seed', align: 'right' },
    ...(extraObjective ? [{ header: lb.objective.metric, align: 'right' as const }] : []),
    ...side.map((m) => ({ header: m.header, align: 'right' as const })),
    { header: 'best epoch', align: 'right' },
    { header: 'epochs', align: 'right' },
    { header: 'duration', align: 'right' },
    { header: 'status', align: 'left' },
    ...(showOnnx ? ONNX_COLUMNS : []),
    ...(showError ? [{ header: 'error', align: 'left' as const }] : []),
  ];
  const cells = rows.map((r): Cell[] => [
    { text: r.rank === null ? MISSING : String(r.rank), ...(r.rank === 1 ? { style: 'green' as const } : {}) },
    { text: r.shortId },
    ...params.map((p) => ({ text: formatLevel(r.params[p]) })),
    { text: String(r.seed) },
    ...(extraObjective ? [{ text: formatMetric(r.objective) }] : []),
    ...side.map((m) => ({ text: formatMetric(r[m.field]) })),
    { text: r.bestEpoch === null ? MISSING : String(r.bestEpoch) },
    { text: String(r.epochsRun) },
    { text: formatDuration(r.durationMs) },
    { text: statusText(r), ...(STATUS_STYLE[r.status] ? { style: STATUS_STYLE[r.status]! } : {}) },
    ...(showOnnx ? onnxCells(r.onnx) : []),
    ...(showError ? [{ text: oneLine(r.error ?? ''), style: 'red' as const }] : []),
  ]);
  return renderTextTable(columns, cells, color);
}

/** Stored text (an error a program or worker wrote) as one terminal-safe line of at most 120 columns. */
function oneLine(text: string): string {
  const flat = terminalSafe(text).replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

const TRIAL_SIDE_METRICS = [
  { header: 'val_accuracy', field: 'valAccuracy' },
  { header: 'val_loss', field: 'valLoss' },
  { header: 'val_auc', field: 'valAuc' },
] as const;

function groupsTable(lb: Leaderboard, rows: readonly GroupRow[], color: boolean): string {
  const metric = lb.objective.metric;
  const showLoss = metric !== 'val_loss' && rows.some((g) => g.valLoss !== null);
  const showAuc = metric !== 'val_auc' && rows.some((g) => g.valAuc !== null);
  const columns: Column[] = [
    { header: 'rank', align: 'right' },
    ...lb.groupBy.map((p) => ({ header: p, align: 'left' as const })),
    { header: 'n', align: 'right' },
    { header: `${metric} mean ± std`, align: 'right' },
    { header: '95 % CI', align: 'right' },
    { header: 'min', align: 'right' },
    { header: 'max', align: 'right' },
    ...(showLoss ? [{ header: 'val_loss', align: 'right' as const }] : []),
    ...(showAuc ? [{ header: 'val_auc', align: 'right' as const }] : []),
    { header: 'best ep', align: 'right' },
    { header: 'Δ vs best', align: 'right' },
    { header: 'p Welch', align: 'right' },
    { header: 'p paired', align: 'right' },
    { header: 'g', align: 'right' },
    { header: 'verdict', align: 'left' },
  ];
  const cells = rows.map((g: GroupRow): Cell[] => [
    { text: String(g.rank) },
    ...lb.groupBy.map((p) => ({ text: formatLevel(g.params[p]) })),
    { text: String(g.n) },
    { text: formatMeanStd(g.objective) },
    { text: formatCi(g.objective), ...(g.objective.ci95 === null ? { style: 'dim' as const } : {}) },
    { text: formatMetric(g.objective.min) },
    { text: formatMetric(g.objective.max) },
    ...(showLoss ? [{ text: formatMeanStd(g.valLoss) }] : []),
    ...(showAuc ? [{ text: formatMeanStd(g.valAuc) }] : []),
    { text: g.bestEpochMean.toFixed(1) },
    { text: g.comparison ? formatSigned(g.comparison.meanDifference) : MISSING },
    { text: formatP(g.comparison?.welch?.p) },
    { text: formatP(g.comparison?.paired?.p) },
    { text: g.comparison?.hedgesG == null ? MISSING : formatSigned(g.comparison.hedgesG, 2) },
    { text: g.verdict, style: VERDICT_STYLE[g.verdict] },
  ]);
  return renderTextTable(columns, cells, color);
}

/** Pruned groups apart from the ranked ones: the rung and the mean there, no rank, no test, no verdict. */
function prunedTable(lb: Leaderboard, rows: readonly PrunedGroupRow[], color: boolean): string {
  const columns: Column[] = [
    ...lb.groupBy.map((p) => ({ header: p, align: 'left' as const })),
    { header: 'n', align: 'right' },
    { header: 'rung', align: 'right' },
    { header: `${lb.objective.metric} at rung`, align: 'right' },
    { header: 'status', align: 'left' },
  ];
  const cells = rows.map((g): Cell[] => [
    ...lb.groupBy.map((p) => ({ text: formatLevel(g.params[p]) })),
    { text: String(g.n) },
    { text: String(g.rung) },
    { text: formatMetric(g.value) + (g.value !== null && g.valueN < g.n ? ` (n=${g.valueN})` : '') },
    { text: g.label, style: 'dim' },
  ]);
  return renderTextTable(columns, cells, color);
}

export const PRUNED_CAPTION =
  'Stopped early by the scheduler (not ranked: their values are the mean over seeds at the rung, the last epoch ' +
  'they trained, not at the end of training, so they are not compared with the groups above):';

function marginalsTable(lb: Leaderboard, color: boolean, maxLevels: number | undefined): string {
  const columns: Column[] = [
    { header: 'param', align: 'left' },
    { header: 'level', align: 'left' },
    { header: 'n', align: 'right' },
    { header: `${lb.objective.metric} mean ± std`, align: 'right' },
    { header: '95 % CI', align: 'right' },
  ];
  const cells = lb.marginals.flatMap((m) => {
    const { shown, hidden } = capRows(m.levels, maxLevels);
    const rows = shown.map((l, i): Cell[] => [
      { text: i === 0 ? m.param : '' },
      { text: String(l.level) },
      { text: String(l.summary.n) },
      { text: formatMeanStd(l.summary) },
      { text: formatCi(l.summary) },
    ]);
    if (hidden.length > 0) rows.push([{ text: '' }, { text: `… ${count(hidden.length)} more levels`, style: 'dim' }, { text: '' }, { text: '' }, { text: '' }]);
    return rows;
  });
  return renderTextTable(columns, cells, color);
}

function groupsLegend(lb: Leaderboard): string {
  const methods = new Set(lb.groups.map((g) => g.objective.ci95Method));
  return (
    `${ciLegend(lb.objective.metric, methods)}. Δ, g: (group − best); g is Hedges' g. ` +
    'p: two-sided vs the best group (Welch; paired by seed when both groups ran the same seeds). Welch decides the verdict.'
  );
}

/** The leaderboard as aligned text; ANSI colours only when `color` is true. */
export function renderTable(lb: Leaderboard, opts: RenderTableOptions = {}): string {
  const color = opts.color === true;
  const mode = resolveMode(lb, opts.mode);
  checkCap(opts.maxTrialRows, 'maxTrialRows');
  checkCap(opts.maxGroupRows, 'maxGroupRows');
  const parts = [title(lb), ...(lb.earlyTermination ? [lb.earlyTermination.line] : []), ''];
  const more = (hidden: readonly unknown[], noun: string, detail = ''): string[] => (hidden.length > 0 ? [moreRowsLine(hidden.length, noun, detail)] : []);
  if (mode === 'trials' || lb.groups.length === 0) {
    const trials = capRows(visibleTrials(lb), opts.maxTrialRows);
    parts.push(lb.trials.length === 0 ? 'No trials.' : trialsTable(lb, trials.shown, color), ...more(trials.hidden, 'trials', statusCounts(trials.hidden)));
    if (lb.findings.factors.length > 0) parts.push('', terminalSafe(findingsText(lb.findings), { multiline: true }));
  } else {
    const groups = capRows(visibleGroups(lb), opts.maxGroupRows);
    parts.push(groupsTable(lb, groups.shown, color), ...more(groups.hidden, 'groups'), '', groupsLegend(lb));
    const pruned = capRows(visiblePruned(lb), opts.maxGroupRows);
    if (pruned.shown.length > 0) parts.push('', PRUNED_CAPTION, '', prunedTable(lb, pruned.shown, color), ...more(pruned.hidden, 'pruned groups'));
    if (lb.findings.factors.length > 0) parts.push('', terminalSafe(findingsText(lb.findings), { multiline: true }));
    if (lb.marginals.some((m) => m.levels.length > 1)) {
      parts.push('', 'Marginal effect of each swept param (all ranked trials at each level):', '', marginalsTable(lb, color, opts.maxGroupRows));
    }
    const exported = lb.trials.flatMap((t) => (t.onnx ? [{ trialId: t.id, check: t.onnx }] : []));
    if (exported.length > 0) parts.push('', "Exported to ONNX (onnxruntime vs tfjs, latency at batch 1; a command trainer's own model: it loads and runs, latency at batch 1):", '', renderOnnxChecks(exported, color));
    const failed = lb.trials.filter((t) => t.status === 'FAILED');
    if (failed.length > 0) {
      parts.push('', `${failed.length} failed trial(s):`);
      const listed = capRows(failed, opts.maxTrialRows);
      for (const f of listed.shown) parts.push(`  ${f.shortId}  ${oneLine(f.error ?? '(no error recorded)')}`);
      parts.push(...more(listed.hidden, 'failed trials'));
    }
  }
  return parts.join('\n') + '\n';
}
