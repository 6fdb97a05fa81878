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

/**
 * A model file `sweep predict` cannot use: missing, unreadable, not ONNX, not laid out as sweep exports models, or
 * with metadata it cannot read. Bad input: the CLI exits 2 with the message alone.
 */
export class ModelFileError extends SweepError {
  override readonly badInput = true;
}

/** An image `sweep predict` cannot classify: missing, unreadable, not a PNG or JPEG, corrupt or too large. Bad input. */
export class ImageFileError extends SweepError {
  override readonly badInput = true;
}

/** onnxruntime failed while running a model it had loaded: a failure of the run, not of the input (exit 1). */
export class InferenceError extends SweepError {}
