import type { EngineEpochMetrics } from '../../domain/metrics.js';
import type { MetricName } from '../../domain/trial-config.js';

/**
 * Keras 'auto' mode: accuracy and AUC are maximized, losses minimized. (Keras' ReduceLROnPlateau
 * only looks for 'acc' in the name and would minimize val_auc; we treat AUC as higher-is-better
 * in both callbacks.)
 */
export function monitorGoal(monitor: MetricName): 'max' | 'min' {
  return monitor.endsWith('accuracy') || monitor.endsWith('auc') ? 'max' : 'min';
}

export function monitoredValue(metrics: EngineEpochMetrics, monitor: MetricName): number {
  const value = metrics[monitor];
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new Error(`callback monitor '${monitor}' has no value in epoch ${metrics.epoch}'s metrics`);
  }
  return value;
}

/** JSON cannot hold ±Infinity; the initial "best" of a callback is one. */
export function encodeBest(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

export function decodeBest(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
