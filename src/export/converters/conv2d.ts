import { applyActivation } from './activation.js';
import { imageInput } from './image-input.js';
import { padWindow, pair } from './padding.js';
import type { LayerConverter } from './types.js';
import { requireWeight, transposeValues } from './weights.js';

/** Conv2D → Conv (+ activation). Kernel [kh, kw, in, out] becomes ONNX's [out, in, kh, kw]. */
export const convertConv2d: LayerConverter = (ctx) => {
  const [h, w] = imageInput(ctx);
  const config = ctx.layer.getConfig();
  const kernel = requireWeight(ctx, 'kernel');
  const [kh, kw, , filters] = kernel.shape as [number, number, number, number];
  const win = { kernel: [kh, kw] as [number, number], strides: pair(config['strides'], 1), dilations: pair(config['dilationRate'], 1) };
  const { pads, outHeight, outWidth } = padWindow(ctx, config['padding'], [h, w], win);

  const oihw = transposeValues(kernel.values, kernel.shape, [3, 2, 0, 1]);
  const inputs = [ctx.input.name, ctx.graph.addFloatInitializer(`${ctx.layer.name}/kernel`, oihw.shape, oihw.values)];
  if (config['useBias'] !== false) {
    const bias = requireWeight(ctx, 'bias');
    inputs.push(ctx.graph.addFloatInitializer(`${ctx.layer.name}/bias`, bias.shape, bias.values));
  }
  const conv = ctx.graph.addNode('Conv', inputs, ctx.layer.name, {
    kernel_shape: [kh, kw],
    strides: win.strides,
    dilations: win.dilations,
    pads,
  });
  return applyActivation(ctx, { name: conv, shape: [outHeight, outWidth, filters], channelsFirst: true }, config['activation']);
};
