import { isProgramCheck } from '../../domain/onnx.js';
import type { Leaderboard, LeaderboardMode } from '../leaderboard/types.js';
import type { SampleSummary } from '../stats/descriptive.js';
import { resolveMode, visibleGroups, visiblePruned, visibleTrials } from './visible-rows.js';

type Field = string | number | boolean | null | undefined;

/**
 * RFC 4180: quote fields containing a comma, quote, CR or LF; double embedded quotes; CRLF line ends.
 *
 * A cell that is not a number and starts with `=`, `+`, `-`, `@`, tab or CR would be read as a formula by a
 * spreadsheet (CSV injection: params, errors and statuses are text that a spec, a program or a worker wrote), so it
 * gets a leading `'` (OWASP), which the spreadsheet shows as text. Numbers, `-0.5` and `1e-3` as numbers or as
 * text, stay as they are.
 */
export function csvField(value: Field): string {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  const text = typeof value !== 'number' && FORMULA_START.test(raw) && !NUMBER.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number as CSV readers parse one (sign, digits, point, exponent); nothing else. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function csv(header: string[], rows: Field[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function summaryFields(s: SampleSummary | null): Field[] {
  return [s?.mean, s?.std, s?.ci95?.[0], s?.ci95?.[1], s?.min, s?.max];
}

function summaryHeader(prefix: string): string[] {
  return ['mean', 'std', 'ci95_low', 'ci95_high', 'min', 'max'].map((s) => `${prefix}_${s}`);
}

/**
 * The leaderboard as CSV, one row per trial or per group; raw numbers, empty fields where undefined.
 *
 * Pruned trials and groups (early termination) are never ranked: an empty rank, and a `pruned_at_epoch` column
 * (only when some row was pruned, so other sweeps keep their CSV shape). A pruned trial's objective and
 * metrics are at that epoch. A pruned group's row leaves every statistic and test empty, gives its mean at the
 * rung in `value_at_rung` and its label ("pruned at epoch 3") as the verdict.
 */
export function renderCsv(lb: Leaderboard, mode?: LeaderboardMode): string {
  const params = lb.sweptParams.filter((p) => p !== 'seed');
  if (resolveMode(lb, mode) === 'trials') {
    const rows = visibleTrials(lb);
    // ONNX columns only when some trial was exported, so sweeps without exports keep their CSV shape.
    const onnx = rows.some((t) => t.onnx !== null);
    const pruned = rows.some((t) => t.prunedAt !== null);
    const header = ['rank', 'trial_id', ...params, 'seed', 'objective', 'val_accuracy', 'val_loss', 'val_auc',
      'best_epoch', 'epochs_run', 'duration_ms', 'status', 'error', ...(onnx ? ['onnx_ok', 'onnx_ort_p50_ms', 'onnx_speedup'] : []),
      ...(pruned ? ['pruned_at_epoch'] : [])];
    return csv(header, rows.map((t) => [t.rank, t.id, ...params.map((p) => t.params[p]), t.seed,
      t.objective, t.valAccuracy, t.valLoss, t.valAuc, t.bestEpoch, t.epochsRun, t.durationMs, t.status, t.error,
      ...(onnx ? [t.onnx?.ok, t.onnx?.ortP50Ms, t.onnx && !isProgramCheck(t.onnx) ? t.onnx.speedup : null] : []),
      ...(pruned ? [t.prunedAt] : [])]));
  }
  const prunedGroups = visiblePruned(lb);
  const pruned = prunedGroups.length > 0;
  const header = ['rank', 'group', ...lb.groupBy, 'n', 'seeds', ...summaryHeader('objective'),
    ...summaryHeader('val_loss'), ...summaryHeader('val_auc'), 'best_epoch_mean', 'mean_diff_vs_best',
    'welch_t', 'welch_df', 'welch_p', 'paired_t', 'paired_df', 'paired_p', 'cohens_d', 'hedges_g', 'verdict',
    ...(pruned ? ['pruned_at_epoch', 'value_at_rung'] : [])];
  const ranked = visibleGroups(lb).map((g): Field[] => {
    const c = g.comparison;
    return [g.rank, g.key, ...lb.groupBy.map((p) => g.params[p]), g.n, g.seeds.join(' '),
      ...summaryFields(g.objective), ...summaryFields(g.valLoss), ...summaryFields(g.valAuc), g.bestEpochMean,
      c?.meanDifference, c?.welch?.t, c?.welch?.df, c?.welch?.p, c?.paired?.t, c?.paired?.df, c?.paired?.p,
      c?.cohensD, c?.hedgesG, g.verdict, ...(pruned ? [null, null] : [])];
  });
  // Every statistic and test between `seeds` and `verdict` stays empty for a pruned group.
  const empty: Field[] = Array.from({ length: header.indexOf('verdict') - header.indexOf('seeds') - 1 }, () => null);
  const stopped = prunedGroups.map((g): Field[] => [null, g.key, ...lb.groupBy.map((p) => g.params[p]), g.n, g.seeds.join(' '),
    ...empty, g.label, g.rung, g.value]);
  return csv(header, [...ranked, ...stopped]);
}
