import * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../../domain/trial-config.js';
import { EarlyStopping } from '../callbacks/early-stopping.js';
import { ReduceLROnPlateau } from '../callbacks/reduce-lr-on-plateau.js';
import type { Dataset } from '../datasets/types.js';
import { buildModel } from '../models/build-model.js';
import { createOptimizer } from '../optimizers/create-optimizer.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { sha256Hex, type NamedTensorData } from '../state/container.js';
import { decodeTrainingState, encodeTrainingState } from '../state/training-state.js';
import { assignVariables, readVariables } from '../state/weights.js';
import type { TrainingState } from '../types.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import { SeededRandom } from './rng.js';

export interface CallbackOutcome {
  earlyStop: boolean;
  /** Early stopping put back the weights of an earlier epoch. */
  restoredEpoch: number | null;
}

/**
 * Everything a trial changes while it trains: weights (incl. BatchNorm moving statistics),
 * optimizer slots and step count, learning rate, callback states, shuffle RNG, metrics so far.
 * `save()` and `restore()` carry exactly this, so a resumed trial continues bit for bit.
 */
export class TrainingSession {
  readonly model: tf.LayersModel;
  readonly weights: tf.Variable[];
  readonly trainable: tf.Variable[];
  readonly optimizer: Optimizer;
  random: SeededRandom;
  epochs: EngineEpochMetrics[] = [];
  private readonly reduceLr: ReduceLROnPlateau | null;
  private readonly earlyStopping: EarlyStopping | null;
  private bestWeights: NamedTensorData[] | null = null;

  constructor(
    private readonly config: TrialConfig,
    dataset: Dataset,
  ) {
    this.model = buildModel(config, { inputShape: dataset.shape, numClasses: dataset.classNames.length });
    this.weights = this.model.weights.map((w) => w.read() as tf.Variable);
    this.trainable = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    try {
      this.optimizer = createOptimizer(config.optimizer, this.trainable);
      const { reduce_lr_on_plateau, early_stopping } = config.training;
      this.reduceLr = reduce_lr_on_plateau ? new ReduceLROnPlateau(reduce_lr_on_plateau) : null;
      this.earlyStopping = early_stopping ? new EarlyStopping(early_stopping) : null;
    } catch (e) {
      this.model.dispose();
      throw e;
    }
    this.random = SeededRandom.fromSeed(config.seed);
  }

  /** Early stopping's best epoch so far (0 when it is not configured). */
  get earlyStoppingBestEpoch(): number {
    return this.earlyStopping?.bestEpochSoFar ?? 0;
  }

  /** Records the epoch's metrics and runs ReduceLROnPlateau, then EarlyStopping (Keras order of our callback list). */
  async endEpoch(metrics: EngineEpochMetrics): Promise<CallbackOutcome> {
    this.epochs = [...this.epochs, metrics];
    if (this.reduceLr) this.optimizer.learningRate = this.reduceLr.onEpochEnd(metrics, metrics.lr);
    if (!this.earlyStopping) return { earlyStop: false, restoredEpoch: null };
    const decision = this.earlyStopping.onEpochEnd(metrics);
    if (decision.improved && this.config.training.early_stopping?.restore_best_weights) {
      this.bestWeights = await readVariables(this.weights, 'best');
    }
    if (decision.restoreBestWeights && this.bestWeights) {
      assignVariables(this.weights, this.bestWeights, 'best weight');
      return { earlyStop: true, restoredEpoch: this.earlyStopping.bestEpochSoFar };
    }
    return { earlyStop: decision.stop, restoredEpoch: null };
  }

  async save(): Promise<TrainingState> {
    const bytes = encodeTrainingState(
      {
        kind: 'vgg',
        seed: this.config.seed,
        epoch: this.epochs.length,
        learningRate: this.optimizer.learningRate,
        optimizer: { name: this.config.optimizer.name, iterations: this.optimizer.iterations },
        randomState: this.random.getState(),
        reduceLr: this.reduceLr?.getState() ?? null,
        earlyStopping: this.earlyStopping?.getState() ?? null,
        epochs: this.epochs,
      },
      {
        weights: await readVariables(this.weights, 'w'),
        slots: await readVariables(this.optimizer.slots, 's'),
        best: this.bestWeights,
      },
    );
    return { epoch: this.epochs.length, bytes, sha256: sha256Hex(bytes) };
  }

  restore(bytes: Uint8Array): void {
    const { meta, tensors } = decodeTrainingState(bytes);
    if (meta.seed !== this.config.seed || meta.optimizer.name !== this.config.optimizer.name) {
      throw new Error(
        `training state is for seed ${meta.seed} / optimizer ${meta.optimizer.name}, but this trial has seed ${this.config.seed} / optimizer ${this.config.optimizer.name}`,
      );
    }
    assignVariables(this.weights, tensors.weights, 'weight');
    assignVariables(this.optimizer.slots, tensors.slots, 'optimizer slot');
    this.optimizer.iterations = meta.optimizer.iterations;
    this.optimizer.learningRate = meta.learningRate;
    this.random = new SeededRandom(meta.randomState);
    if (this.reduceLr && meta.reduceLr) this.reduceLr.setState(meta.reduceLr);
    if (this.earlyStopping && meta.earlyStopping) this.earlyStopping.setState(meta.earlyStopping);
    this.bestWeights = tensors.best;
    this.epochs = meta.epochs;
  }

  /** Frees the optimizer; the model stays alive for the caller. */
  disposeOptimizer(): void {
    this.optimizer.dispose();
  }
}
