import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../datasets/types.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { makeBatch, type PixelTable } from './batches.js';
import { reseedDropout } from './dropout-seeds.js';
import type { SeededRandom } from './rng.js';
import { trainStep } from './train-step.js';

export interface EpochContext {
  model: tf.LayersModel;
  trainable: tf.Variable[];
  optimizer: Optimizer;
  dataset: Dataset;
  table: PixelTable;
  batchSize: number;
  random: SeededRandom;
  dropout: { seed?: number }[];
  trialSeed: number;
  betweenBatches?: () => Promise<void>;
}

export interface TrainEpochResult {
  loss: number;
  accuracy: number;
  images: number;
  seconds: number;
}

/**
 * One pass over the shuffled training split. The optimizer's iteration count is the global step
 * (it survives a resume), so dropout seeds continue where they stopped. A last partial batch is
 * trained too, as Keras does.
 */
export async function trainEpoch(ctx: EpochContext): Promise<TrainEpochResult> {
  const { dataset, batchSize } = ctx;
  const count = dataset.train.count;
  const numClasses = dataset.classNames.length;
  const started = performance.now();
  const order = ctx.random.permutation(count);
  let lossSum: tf.Scalar = tf.scalar(0);
  let correct: tf.Scalar = tf.scalar(0);
  for (let start = 0; start < count; start += batchSize) {
    if (ctx.betweenBatches) await ctx.betweenBatches();
    const end = Math.min(start + batchSize, count);
    reseedDropout(ctx.dropout, ctx.trialSeed, ctx.optimizer.iterations);
    const batch = makeBatch(dataset.train, dataset.shape, ctx.table, order, start, end);
    const step = trainStep(ctx.model, ctx.trainable, ctx.optimizer, batch.x, batch.labels, numClasses);
    batch.x.dispose();
    const nextLoss = tf.add<tf.Scalar>(lossSum, step.lossSum);
    const nextCorrect = tf.add<tf.Scalar>(correct, step.correct);
    tf.dispose([lossSum, correct, step.lossSum, step.correct]);
    lossSum = nextLoss;
    correct = nextCorrect;
  }
  const [loss, right] = [(await lossSum.data())[0]!, (await correct.data())[0]!];
  tf.dispose([lossSum, correct]);
  return { loss: loss / count, accuracy: right / count, images: count, seconds: (performance.now() - started) / 1000 };
}
