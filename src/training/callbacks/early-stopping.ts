import type { EarlyStoppingConfig } from '../../domain/trial-config.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import { decodeBest, encodeBest, monitorGoal, monitoredValue } from './monitor.js';

export interface EarlyStoppingState {
  best: number | string;
  bestEpoch: number;
  wait: number;
}

export interface EarlyStoppingDecision {
  /** This epoch is the new best: snapshot the weights if restore_best_weights. */
  improved: boolean;
  stop: boolean;
  /** Stop and put back the weights of `bestEpoch`. */
  restoreBestWeights: boolean;
}

/** Keras' EarlyStopping: stop after `patience` epochs without an improvement larger than `min_delta`. */
export class EarlyStopping {
  private best: number;
  private bestEpoch = 0;
  private wait = 0;
  private readonly goal: 'max' | 'min';

  constructor(private readonly config: EarlyStoppingConfig) {
    this.goal = monitorGoal(config.monitor);
    this.best = this.goal === 'min' ? Infinity : -Infinity;
  }

  get bestEpochSoFar(): number {
    return this.bestEpoch;
  }

  private improved(current: number): boolean {
    const delta = Math.abs(this.config.min_delta);
    return this.goal === 'min' ? current + delta < this.best : current - delta > this.best;
  }

  onEpochEnd(metrics: EngineEpochMetrics): EarlyStoppingDecision {
    const current = monitoredValue(metrics, this.config.monitor);
    this.wait++;
    const improved = this.improved(current);
    if (improved) {
      this.best = current;
      this.bestEpoch = metrics.epoch;
      this.wait = 0;
    }
    // As in Keras: an improving epoch never stops, nor does the first epoch (its `epoch > 0`).
    const stop = !improved && this.wait >= this.config.patience && metrics.epoch > 1;
    return { improved, stop, restoreBestWeights: stop && this.config.restore_best_weights && this.bestEpoch > 0 };
  }

  getState(): EarlyStoppingState {
    return { best: encodeBest(this.best), bestEpoch: this.bestEpoch, wait: this.wait };
  }

  setState(state: EarlyStoppingState): void {
    this.best = decodeBest(state.best);
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
  }
}
