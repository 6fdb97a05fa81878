import { UnsupportedLayerError } from '../errors.js';
import type { ConversionContext } from './types.js';

/** [h, w, c] of an image-shaped layer input; rejects channelsFirst layers and non-image inputs. */
export function imageInput(ctx: ConversionContext): [number, number, number] {
  const { layer, input } = ctx;
  const dataFormat = layer.getConfig()['dataFormat'] as string | undefined;
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `dataFormat '${dataFormat}' is not supported (use channelsLast)`);
  }
  if (input.shape.length !== 3 || !input.channelsFirst) {
    throw new UnsupportedLayerError(layer.getClassName(), layer.name, `expects an image input [h, w, c], got [${input.shape.join(', ')}]`);
  }
  return input.shape as [number, number, number];
}
