import { UnsupportedLayerError } from '../errors.js';
import { applyActivation } from './activation.js';
import type { LayerConverter } from './types.js';
import { requireWeight } from './weights.js';

/** Dense on a [N, features] input → Gemm (kernel [in, units] as B, bias as C) + activation. */
export const convertDense: LayerConverter = (ctx) => {
  const { layer, input, graph } = ctx;
  if (input.shape.length !== 1) {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `input [${input.shape.join(', ')}] is not flat; add a Flatten before it`);
  }
  const config = layer.getConfig();
  const kernel = requireWeight(ctx, 'kernel');
  const units = kernel.shape[1]!;
  const inputs = [input.name, graph.addFloatInitializer(`${layer.name}/kernel`, kernel.shape, kernel.values)];
  if (config['useBias'] !== false) {
    const bias = requireWeight(ctx, 'bias');
    inputs.push(graph.addFloatInitializer(`${layer.name}/bias`, bias.shape, bias.values));
  }
  const name = graph.addNode('Gemm', inputs, layer.name);
  return applyActivation(ctx, { name, shape: [units], channelsFirst: false }, config['activation']);
};
