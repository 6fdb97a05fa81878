import { UnsupportedLayerError } from '../errors.js';
import type { LayerConverter } from './types.js';
import { requireWeight } from './weights.js';

/** BatchNormalization (inference form: moving statistics) → BatchNormalization over the channel axis. */
export const convertBatchNormalization: LayerConverter = (ctx) => {
  const { layer, input, graph } = ctx;
  const config = layer.getConfig();
  const rank = input.shape.length + 1;
  const axis = Number(config['axis'] ?? -1);
  if (axis !== -1 && axis !== rank - 1) {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `axis ${axis} is not supported (only the last, channel axis)`);
  }
  if (rank !== 2 && !(rank === 4 && input.channelsFirst)) {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `input rank ${rank} is not supported (2 or 4)`);
  }
  const mean = requireWeight(ctx, 'moving_mean');
  const variance = requireWeight(ctx, 'moving_variance');
  const channels = mean.values.length;
  const gamma = config['scale'] === false ? new Float32Array(channels).fill(1) : requireWeight(ctx, 'gamma').values;
  const beta = config['center'] === false ? new Float32Array(channels) : requireWeight(ctx, 'beta').values;
  const param = (key: string, values: Float32Array) => graph.addFloatInitializer(`${layer.name}/${key}`, [channels], values);
  const name = graph.addNode(
    'BatchNormalization',
    [input.name, param('gamma', gamma), param('beta', beta), param('moving_mean', mean.values), param('moving_variance', variance.values)],
    layer.name,
    { epsilon: Number(config['epsilon'] ?? 1e-3) },
  );
  return { ...input, name };
};
