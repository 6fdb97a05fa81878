import { UnsupportedLayerError } from '../errors.js';
import type { ConversionContext, LayerConverter, TensorRef } from './types.js';

const ELEMENTWISE: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** Applies a tfjs activation (by its serialized name) to `x`; 'linear' adds nothing. */
export function applyActivation(ctx: ConversionContext, x: TensorRef, activation: unknown): TensorRef {
  const name = typeof activation === 'string' ? activation : 'linear';
  if (name === 'linear') return x;
  const op = ELEMENTWISE[name];
  if (op) return { ...x, name: ctx.graph.addNode(op, [x.name], ctx.layer.name) };
  if (name === 'softmax') {
    // tfjs softmax runs over the last (channel) axis; in NCHW that axis is 1.
    const axis = x.channelsFirst ? 1 : x.shape.length;
    return { ...x, name: ctx.graph.addNode('Softmax', [x.name], ctx.layer.name, { axis }) };
  }
  throw new UnsupportedLayerError(ctx.layer.getClassName(), ctx.layer.name, `activation '${name}' is not supported`);
}

export const convertActivation: LayerConverter = (ctx) =>
  applyActivation(ctx, ctx.input, ctx.layer.getConfig()['activation']);
