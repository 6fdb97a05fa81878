import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from '../graph-builder.js';

/** Values of one layer weight, keyed in `LayerWeights` by the last part of its name (kernel, bias, gamma, ...). */
export interface WeightValues {
  shape: number[];
  values: Float32Array;
}
export type LayerWeights = Map<string, WeightValues>;

/**
 * A tensor flowing through the exported graph. `shape` is the tfjs (channels-last) shape without the
 * batch dimension; `channelsFirst` says whether the ONNX tensor holds it transposed to NCHW.
 */
export interface TensorRef {
  name: string;
  shape: number[];
  channelsFirst: boolean;
}

export interface ConversionContext {
  layer: tf.layers.Layer;
  input: TensorRef;
  weights: LayerWeights;
  graph: GraphBuilder;
}

export type LayerConverter = (ctx: ConversionContext) => TensorRef;
