import * as tf from '@tensorflow/tfjs';
import type { Dataset, Split } from '../datasets/types.js';

/** Per channel, the float value of each uint8 pixel value: x/255 or (x − mean)/std. */
export type PixelTable = Float32Array[];

export function pixelTable(dataset: Dataset, mode: 'scale' | 'standardize'): PixelTable {
  const channels = dataset.shape[2];
  return Array.from({ length: channels }, (_, c) => {
    const table = new Float32Array(256);
    if (mode === 'scale') {
      for (let v = 0; v < 256; v++) table[v] = v / 255;
      return table;
    }
    const mean = dataset.channelMean[c];
    const std = dataset.channelStd[c];
    if (mean === undefined || std === undefined || !(std > 0)) {
      throw new Error(
        `dataset '${dataset.name}': normalize 'standardize' needs channelMean/channelStd for channel ${c} with std > 0 (got mean ${mean}, std ${std})`,
      );
    }
    for (let v = 0; v < 256; v++) table[v] = (v - mean) / std;
    return table;
  });
}

export interface Batch {
  x: tf.Tensor4D;
  labels: Int32Array;
}

/** Images `order[start..end)` of `split` as a float NHWC tensor, with their labels. */
export function makeBatch(
  split: Split,
  shape: [number, number, number],
  table: PixelTable,
  order: ArrayLike<number>,
  start: number,
  end: number,
): Batch {
  const [h, w, channels] = shape;
  const pixels = h * w * channels;
  const size = end - start;
  const x = new Float32Array(size * pixels);
  const labels = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const index = order[start + b]!;
    const source = index * pixels;
    const target = b * pixels;
    for (let p = 0; p < pixels; p++) x[target + p] = table[p % channels]![split.images[source + p]!]!;
    labels[b] = split.labels[index]!;
  }
  return { x: tf.tensor4d(x, [size, h, w, channels]), labels };
}

export function identityOrder(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}
