import type { ValueRange } from '../stats/descriptive.js';

/** Name parts that mark a metric bounded in [0, 1]. */
const UNIT_INTERVAL_TOKENS = new Set(['accuracy', 'acc', 'auc', 'auroc', 'auprc', 'precision', 'recall', 'f1']);

/**
 * The range of a metric, by its name: 'unit-interval' when a part of the name (split at anything but letters
 * and digits, case ignored) is accuracy, acc, auc, auroc, auprc, precision, recall or f1, or the name contains
 * "accuracy" (top5accuracy); a name with a part "loss" is always 'unbounded', as is every other name. So
 * val_accuracy, accuracy and val_auc are bounded; loss and val_loss are not.
 */
export function metricRange(metric: string): ValueRange {
  const parts = metric.toLowerCase().split(/[^a-z0-9]+/).filter((p) => p !== '');
  if (parts.includes('loss')) return 'unbounded';
  const bounded = parts.some((p) => UNIT_INTERVAL_TOKENS.has(p)) || metric.toLowerCase().includes('accuracy');
  return bounded ? 'unit-interval' : 'unbounded';
}
