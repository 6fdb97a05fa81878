import * as tf from '@tensorflow/tfjs';
import { datasetOf, type MetricName } from '../../domain/trial-config.js';
import { monitorGoal } from '../callbacks/monitor.js';
import { useFastCpuKernels } from '../cpu-kernels/register.js';
import { samplePredictions } from '../metrics/samples.js';
import { validationMetrics } from '../metrics/validation.js';
import { weightsSha256 } from '../state/weights.js';
import type { StopReason, TrainRequest, TrainResult } from '../types.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import { pixelTable } from './batches.js';
import { dropoutLayers } from './dropout-seeds.js';
import { predictSplit } from './predict.js';
import { TrainingSession } from './session.js';
import { trainEpoch } from './train-epoch.js';

/** Inference batches can be larger than training ones: no activations are kept for gradients. */
const MIN_EVAL_BATCH = 256;

/** Trains the VGG family with a custom loop; see TrainRequest/TrainResult in ../types.ts. */
export async function trainVgg(req: TrainRequest): Promise<TrainResult> {
  const { config, dataset, hooks } = req;
  const log = hooks?.log ?? (() => {});
  const numClasses = dataset.classNames.length;
  const batchSize = config.training.batch_size;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`training.batch_size must be a positive integer, got ${batchSize}`);
  }
  if (dataset.train.count === 0) throw new Error(`dataset '${dataset.name}' has an empty training split`);
  const table = pixelTable(dataset, datasetOf(config).normalize);
  const evalBatch = Math.max(batchSize, MIN_EVAL_BATCH);

  if (tf.getBackend() === 'cpu') useFastCpuKernels();
  const session = new TrainingSession(config, dataset);
  const { model } = session;
  try {
    if (req.resumeFrom) {
      session.restore(req.resumeFrom);
      log(`resumed after epoch ${session.epochs.length}`);
    }
    const dropout = dropoutLayers(model);
    let stopReason: StopReason = 'completed';
    let lastProbabilities: Float32Array | null = null;
    for (let epoch = session.epochs.length + 1; epoch <= config.training.epochs; epoch++) {
      if (await hooks?.shouldStop?.()) {
        stopReason = 'stopped';
        break;
      }
      const started = performance.now();
      const lr = session.optimizer.learningRate;
      const train = await trainEpoch({
        model,
        trainable: session.trainable,
        optimizer: session.optimizer,
        dataset,
        table,
        batchSize,
        random: session.random,
        dropout,
        trialSeed: config.seed,
        ...(hooks?.betweenBatches ? { betweenBatches: hooks.betweenBatches } : {}),
      });
      lastProbabilities = await predictSplit(model, dataset, dataset.validation, table, evalBatch);
      const val = validationMetrics(dataset.validation.labels, lastProbabilities, numClasses);
      const metrics: EngineEpochMetrics = {
        epoch,
        loss: train.loss,
        accuracy: train.accuracy,
        val_loss: val.val_loss,
        val_accuracy: val.val_accuracy,
        val_auc: val.val_auc,
        lr,
        seconds: (performance.now() - started) / 1000,
        images_per_sec: train.images / train.seconds,
      };
      const outcome = await session.endEpoch(metrics);
      if (outcome.restoredEpoch !== null) {
        lastProbabilities = null;
        log(`early stopping: restored the weights of epoch ${outcome.restoredEpoch}`);
      }
      log(
        `epoch ${epoch}: loss ${metrics.loss.toFixed(4)} acc ${metrics.accuracy.toFixed(4)} val_loss ${metrics.val_loss.toFixed(4)} val_acc ${metrics.val_accuracy.toFixed(4)} lr ${lr} (${metrics.images_per_sec.toFixed(0)} img/s)`,
      );
      await hooks?.onEpochEnd?.(metrics, () => session.save());
      if (outcome.earlyStop) {
        stopReason = 'early_stopping';
        break;
      }
    }

    const probabilities = lastProbabilities ?? (await predictSplit(model, dataset, dataset.validation, table, evalBatch));
    const final = validationMetrics(dataset.validation.labels, probabilities, numClasses);
    return {
      stopReason,
      epochs: session.epochs,
      bestEpoch: session.earlyStoppingBestEpoch || bestEpochBy(session.epochs, 'val_loss'),
      confusionMatrix: final.confusionMatrix,
      perClassAccuracy: final.perClassAccuracy,
      samples: samplePredictions(dataset.validation.labels, probabilities, dataset.classNames),
      weightsSha256: await weightsSha256(session.weights),
      backend: tf.getBackend(),
      model,
    };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    session.disposeOptimizer();
  }
}

/** The first epoch with the best value of `monitor` (0 when there are none). */
function bestEpochBy(epochs: EngineEpochMetrics[], monitor: MetricName): number {
  const sign = monitorGoal(monitor) === 'max' ? -1 : 1;
  let best: EngineEpochMetrics | undefined;
  for (const m of epochs) if (!best || sign * m[monitor] < sign * best[monitor]) best = m;
  return best?.epoch ?? 0;
}
