import type { ReduceLROnPlateauConfig } from '../../domain/trial-config.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import { decodeBest, encodeBest, monitorGoal, monitoredValue } from './monitor.js';

export interface ReduceLROnPlateauState {
  best: number | string;
  wait: number;
  cooldownCounter: number;
}

/** Keras' ReduceLROnPlateau: multiply the learning rate by `factor` after `patience` epochs without improvement. */
export class ReduceLROnPlateau {
  private best: number;
  private wait = 0;
  private cooldownCounter = 0;
  private readonly goal: 'max' | 'min';

  constructor(private readonly config: ReduceLROnPlateauConfig) {
    if (!(config.factor > 0 && config.factor < 1)) {
      throw new Error(`reduce_lr_on_plateau.factor must be in (0, 1), got ${config.factor}`);
    }
    this.goal = monitorGoal(config.monitor);
    this.best = this.goal === 'min' ? Infinity : -Infinity;
  }

  private improved(current: number): boolean {
    const delta = Math.abs(this.config.min_delta);
    return this.goal === 'min' ? current < this.best - delta : current > this.best + delta;
  }

  private inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Returns the learning rate for the next epoch. */
  onEpochEnd(metrics: EngineEpochMetrics, lr: number): number {
    const current = monitoredValue(metrics, this.config.monitor);
    if (this.inCooldown()) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
      return lr;
    }
    if (this.inCooldown()) return lr;
    this.wait++;
    if (this.wait < this.config.patience || !(lr > this.config.min_lr)) return lr;
    this.cooldownCounter = this.config.cooldown;
    this.wait = 0;
    return Math.max(lr * this.config.factor, this.config.min_lr);
  }

  getState(): ReduceLROnPlateauState {
    return { best: encodeBest(this.best), wait: this.wait, cooldownCounter: this.cooldownCounter };
  }

  setState(state: ReduceLROnPlateauState): void {
    this.best = decodeBest(state.best);
    this.wait = state.wait;
    this.cooldownCounter = state.cooldownCounter;
  }
}
