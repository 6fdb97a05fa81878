import * as tf from '@tensorflow/tfjs';
import type { ModelParams } from '../../domain/trial-config.js';

export interface ModelShape {
  inputShape: [number, number, number];
  numClasses: number;
}

/**
 * The VGG-style family of the seed study. With depth 2 each regularizer gives, layer for layer,
 * one of the seed's models (see test/unit/vgg-model.test.ts for the lists).
 * `seed` makes every initializer deterministic.
 */
export function buildVggModel(params: ModelParams, shape: ModelShape, seed: number): tf.LayersModel {
  let nextSeed = seed * 1000;
  const init = () => tf.initializers.glorotUniform({ seed: nextSeed++ });
  const model = tf.sequential({ name: `vgg${params.depth}_${params.regularizer}` });
  const bn = () => model.add(tf.layers.batchNormalization({}));
  const dropout = (rate: number) => model.add(tf.layers.dropout({ rate, seed: nextSeed++ }));

  for (let block = 0; block < params.depth; block++) {
    const filters = 32 * 2 ** block;
    for (let c = 0; c < 2; c++) {
      model.add(
        tf.layers.conv2d({
          ...(block === 0 && c === 0 ? { inputShape: shape.inputShape } : {}),
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: init(),
        }),
      );
      if (params.regularizer === 'batchnorm-every-conv') bn();
    }
    if (params.regularizer === 'batchnorm') bn();
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
    if (params.regularizer === 'batchnorm-every-conv') bn();
    if (params.regularizer === 'dropout') dropout(params.dropout_rate);
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: params.dense_units, activation: 'relu', kernelInitializer: init() }));
  if (params.regularizer === 'batchnorm' || params.regularizer === 'batchnorm-every-conv') bn();
  if (params.regularizer === 'dropout') dropout(params.dense_dropout_rate);
  model.add(tf.layers.dense({ units: shape.numClasses, activation: 'softmax', kernelInitializer: init() }));
  return model;
}

/** Short names of the layers, in order: 'conv', 'bn', 'pool', 'dropout', 'flatten', 'dense'. */
export function layerKinds(model: tf.LayersModel): string[] {
  const names: Record<string, string> = {
    Conv2D: 'conv',
    BatchNormalization: 'bn',
    MaxPooling2D: 'pool',
    Dropout: 'dropout',
    Flatten: 'flatten',
    Dense: 'dense',
  };
  return model.layers.map((l) => names[l.getClassName()] ?? l.getClassName());
}
