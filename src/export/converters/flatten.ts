import type { LayerConverter } from './types.js';

/**
 * Flatten → (Transpose back to NHWC) + Flatten, so the flattened order is tfjs's channels-last order
 * and the following Dense kernel can be used unchanged.
 */
export const convertFlatten: LayerConverter = ({ layer, input, graph }) => {
  const size = input.shape.reduce((a, b) => a * b, 1);
  if (input.shape.length === 1) return input;
  const nhwc = input.channelsFirst ? graph.addNode('Transpose', [input.name], layer.name, { perm: [0, 2, 3, 1] }) : input.name;
  const name = graph.addNode('Flatten', [nhwc], layer.name, { axis: 1 });
  return { name, shape: [size], channelsFirst: false };
};
