import { SweepError } from '../domain/errors.js';

/** A layer (or a setting of one) that the ONNX exporter cannot translate. */
export class UnsupportedLayerError extends SweepError {
  constructor(
    readonly layerClass: string,
    readonly layerName: string,
    readonly reason: string,
  ) {
    super(
      `cannot export layer '${layerName}' (${layerClass}) to ONNX: ${reason}. ` +
        'Supported: Conv2D, BatchNormalization, MaxPooling2D, Dropout, Flatten, Dense, Activation ' +
        '(activations linear, relu, sigmoid, tanh, softmax; channelsLast data). ' +
        'Change the model or add a converter in src/export/converters/.',
    );
  }
}
