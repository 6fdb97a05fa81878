import { imageInput } from './image-input.js';
import { padWindow, pair } from './padding.js';
import type { LayerConverter } from './types.js';

/** MaxPooling2D → MaxPool. ONNX treats pad cells as -∞ for MaxPool, as TensorFlow's 'same' does. */
export const convertMaxPooling2d: LayerConverter = (ctx) => {
  const [h, w, c] = imageInput(ctx);
  const config = ctx.layer.getConfig();
  const kernel = pair(config['poolSize'], 2);
  const strides = pair(config['strides'] ?? config['poolSize'], 2);
  const { pads, outHeight, outWidth } = padWindow(ctx, config['padding'], [h, w], { kernel, strides, dilations: [1, 1] });
  const name = ctx.graph.addNode('MaxPool', [ctx.input.name], ctx.layer.name, { kernel_shape: kernel, strides, pads });
  return { name, shape: [outHeight, outWidth, c], channelsFirst: true };
};
