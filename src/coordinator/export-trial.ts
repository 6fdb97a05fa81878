import type * as tf from '@tensorflow/tfjs';
import type { TrialRecord } from '../domain/trial-record.js';
import { datasetOf, type TrialConfig } from '../domain/trial-config.js';
import type { Dataset } from '../training/datasets/types.js';
import { buildModel } from '../training/models/build-model.js';
import { loadModelWeights } from '../training/model-weights.js';
import { pixelTable } from '../training/loop/batches.js';
import { exportToOnnxAsync } from '../export/onnx-exporter.js';
import { onnxMetadata, type Normalization } from '../export/metadata.js';
import { verifyOnnx, type OnnxVerification, type VerifyOptions } from '../export/verify.js';

export interface TrainedTrial {
  record: TrialRecord;
  config: TrialConfig;
  /** Bytes written by serializeModelWeights at the end of training. */
  weights: Uint8Array;
  /** The dataset the trial trained on, loaded with the workers' split seed. */
  dataset: Dataset;
}

export interface ExportedModel {
  onnx: Uint8Array;
  verification: OnnxVerification;
}

/**
 * Rebuilds a trained VGG trial from its config and final weights, exports it to ONNX with metadata
 * (sweep, trial, params, best-epoch metrics, backend, class names, normalization) and verifies the export
 * with onnxruntime on the first `maxImages` validation images.
 */
export async function exportTrainedTrial(trial: TrainedTrial, maxImages: number, verify: VerifyOptions = {}): Promise<ExportedModel> {
  const { record, config, dataset } = trial;
  const model = buildModel(config, { inputShape: dataset.shape, numClasses: dataset.classNames.length });
  try {
    loadModelWeights(model, trial.weights);
    const meta = onnxMetadata({
      sweep: record.sweepId,
      trial: record.trialId,
      params: record.params,
      metrics: exportedEpochMetrics(record, config),
      ...(record.result?.backend ? { sourceBackend: record.result.backend } : {}),
      normalization: normalizationOf(config, dataset),
      classNames: dataset.classNames,
    });
    const onnx = await exportToOnnxAsync(model, meta);
    const inputs = validationInputs(dataset, datasetOf(config).normalize, maxImages);
    const verification = await verifyOnnx(model, onnx, inputs.images, inputs.shape, inputs.labels, { ...verify, maxImages });
    return { onnx, verification };
  } finally {
    disposeModel(model);
  }
}

/** The normalization the training loop applied (see training/loop/batches.ts pixelTable). */
export function normalizationOf(config: TrialConfig, dataset: Dataset): Normalization {
  if (datasetOf(config).normalize === 'scale') return { kind: 'scale' };
  return { kind: 'standardize', mean: [...dataset.channelMean], std: [...dataset.channelStd] };
}

/**
 * Metrics of the epoch whose weights are exported (they carry their `epoch`): the final epoch, or the best one
 * when early stopping restored its weights.
 */
export function exportedEpochMetrics(record: TrialRecord, config: TrialConfig): Record<string, number> {
  const restored = config.training.early_stopping?.restore_best_weights === true && record.result?.stopReason === 'early_stopping';
  const epoch = restored ? record.epochs.find((e) => e.epoch === record.result?.bestEpoch) : record.epochs.at(-1);
  return epoch ? Object.fromEntries(Object.entries(epoch)) : {};
}

/** The first `max` validation images, normalized exactly as during training, with their labels. */
function validationInputs(dataset: Dataset, normalize: 'scale' | 'standardize', max: number) {
  const [h, w, c] = dataset.shape;
  const n = Math.min(max, dataset.validation.count);
  if (n < 1) throw new Error(`dataset '${dataset.name}' has no validation images to verify the ONNX export on`);
  const table = pixelTable(dataset, normalize);
  const pixels = dataset.validation.images.subarray(0, n * h * w * c);
  const images = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) images[i] = table[i % c]![pixels[i]!]!;
  return { images, labels: dataset.validation.labels.slice(0, n), shape: [n, h, w, c] as [number, number, number, number] };
}

function disposeModel(model: tf.LayersModel): void {
  try {
    model.dispose();
  } catch {
    // already disposed
  }
}
