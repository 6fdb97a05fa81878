import type * as tf from '@tensorflow/tfjs';
import { deriveSeed } from './rng.js';

/**
 * tfjs Dropout layers reuse their constructor seed on every call, so each step would drop the
 * same units. The layer reads `this.seed` at call time, so before every step we give each
 * dropout layer a seed derived from (trial seed, global step, layer index).
 */
interface SeededLayer {
  seed?: number;
}

export function dropoutLayers(model: tf.LayersModel): SeededLayer[] {
  return model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as SeededLayer[];
}

export function reseedDropout(layers: SeededLayer[], trialSeed: number, step: number): void {
  layers.forEach((layer, i) => {
    layer.seed = deriveSeed(trialSeed, step, i);
  });
}
