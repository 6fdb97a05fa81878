/**
 * A model of your own for sweep's module trainer: a CNN whose width, depth and kernel size are parameters.
 * `build` returns a tf.LayersModel, and sweep trains it with its own loop (optimizer, callbacks, checkpoints,
 * resume, ONNX export), as it trains its built-in VGG family. `params`, a zod schema, types the module's own
 * parameters, so a bad value in the spec is an error at its line there.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { convBlock } from './blocks.js';

export const params = z.object({
  /** Filters of the first block; each further block doubles them. */
  width: z.number().int().min(4).max(256),
  /** Conv blocks, each ending in a 2×2 max-pool. */
  blocks: z.number().int().min(1).max(4),
  kernel_size: z.union([z.literal(3), z.literal(5)]),
  /** Dropout before the classifier. */
  dropout: z.number().min(0).lt(1),
});

export function build(p: z.infer<typeof params>, ctx: { inputShape: [number, number, number]; classes: number; seed: number }): tf.LayersModel {
  let seed = ctx.seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const model = tf.sequential({ name: `cnn_w${p.width}_b${p.blocks}_k${p.kernel_size}` });
  for (let b = 0; b < p.blocks; b++) {
    convBlock(model, { filters: p.width * 2 ** b, kernelSize: p.kernel_size, init, ...(b === 0 ? { inputShape: ctx.inputShape } : {}) });
  }
  model.add(tf.layers.flatten());
  if (p.dropout > 0) model.add(tf.layers.dropout({ rate: p.dropout, seed: seed++ }));
  model.add(tf.layers.dense({ units: ctx.classes, activation: 'softmax', kernelInitializer: init() }));
  return model;
}
