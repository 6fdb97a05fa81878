import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../datasets/types.js';
import { identityOrder, makeBatch, type PixelTable } from './batches.js';

/** Softmax outputs for every image of `split` in inference mode, laid out [image][class]. */
export async function predictSplit(
  model: tf.LayersModel,
  dataset: Dataset,
  split: Split,
  table: PixelTable,
  batchSize: number,
): Promise<Float32Array> {
  const numClasses = dataset.classNames.length;
  const out = new Float32Array(split.count * numClasses);
  const order = identityOrder(split.count);
  for (let start = 0; start < split.count; start += batchSize) {
    const end = Math.min(start + batchSize, split.count);
    const batch = makeBatch(split, dataset.shape, table, order, start, end);
    const probabilities = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor);
    out.set(await probabilities.data(), start * numClasses);
    tf.dispose([batch.x, probabilities]);
  }
  return out;
}
