import { convertActivation } from './activation.js';
import { convertBatchNormalization } from './batch-normalization.js';
import { convertConv2d } from './conv2d.js';
import { convertDense } from './dense.js';
import { convertFlatten } from './flatten.js';
import { convertMaxPooling2d } from './max-pooling2d.js';
import type { LayerConverter } from './types.js';

/** Converters by tfjs layer class name. Dropout is the identity at inference. */
export const LAYER_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: convertConv2d,
  BatchNormalization: convertBatchNormalization,
  MaxPooling2D: convertMaxPooling2d,
  Dropout: ({ input }) => input,
  Flatten: convertFlatten,
  Dense: convertDense,
  Activation: convertActivation,
};
