import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJson, encodeJson, MalformedMessageError } from '../../src/transport/codecs.js';
import { SweepError } from '../../src/domain/errors.js';
import { jobMessageSchema, type JobMessage } from '../../src/domain/job.js';
import { trialEventSchema } from '../../src/domain/trial-event.js';
import { trialRecordSchema, type TrialRecord } from '../../src/domain/trial-record.js';
import { transition } from '../../src/domain/trial-state.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import { trialConfig } from '../fixtures/training/trial-config.js';
import type { Dataset } from '../../src/training/datasets/types.js';
import type { EngineEpochMetrics } from '../../src/domain/metrics.js';
import { recordForJob, resultRecord } from '../../src/worker/trial-records.js';

const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:01:00.000Z';
const T2 = '2026-11-26T10:02:00.000Z';

// Every optional section set, so the round trip covers the whole config schema.
const config: TrialConfig = trialConfig({
  model: { regularizer: 'dropout' },
  training: {
    epochs: 2,
    reduce_lr_on_plateau: { monitor: 'val_loss', factor: 0.1, patience: 10, min_lr: 0, cooldown: 0, min_delta: 1e-4 },
    early_stopping: { monitor: 'val_accuracy', patience: 3, min_delta: 0, restore_best_weights: true },
  },
  dataset: { validation: 0.2, normalize: 'standardize', subset: { train: 100, validation: null } },
  seed: 3,
  params: { regularizer: 'dropout', depth: 1, flag: true },
});

const job: JobMessage = { v: 1, sweepId: 's', trialId: 't', index: 3, maxDeliver: 5, checkpointEvery: 1, publishedAt: 1, fresh: true, config };

const dataset: Dataset = {
  name: 'synthetic',
  classNames: ['a', 'b'],
  shape: [2, 2, 1],
  train: { images: new Uint8Array(8 * 4), labels: new Uint8Array(8), count: 8 },
  validation: { images: Uint8Array.from({ length: 16 }, (_, i) => i * 10), labels: Uint8Array.from([0, 1, 0, 1]), count: 4 },
  channelMean: [0],
  channelStd: [1],
};

const epoch = (n: number): EngineEpochMetrics => ({
  epoch: n, loss: 1 / n, accuracy: 0.5, val_loss: 1.1 / n, val_accuracy: 0.4, val_auc: 0.6, lr: 0.001, seconds: 0.5, images_per_sec: 16,
});

/** The record a worker leaves after a requeued attempt and a completed one, with an ONNX export recorded. */
function workerRecord(): TrialRecord {
  const w1 = { worker: 'w1', attempt: 1 };
  const w2 = { worker: 'w2', attempt: 2 };
  const checkpoint = { name: 's/t/a1/epoch-1', sha256: 'c'.repeat(64), bytes: 10, epoch: 1 };
  let r: TrialRecord | null = recordForJob(null, job);
  r = transition(r, { type: 'claim', worker: 'w1', delivery: 1, at: T0, jobSeq: 41, queueLatencyMs: 12 });
  r = r && transition(r, { type: 'progress', owner: w1, at: T0, epochs: [epoch(1)], checkpoints: [checkpoint] });
  r = r && transition(r, { type: 'requeue', owner: w1, at: T1, error: 'LeaseLostError: lost' });
  r = r && transition(r, { type: 'claim', worker: 'w2', delivery: 2, at: T1, jobSeq: 42 });
  r = r && transition(r, { type: 'resume', owner: w2, resumeEpoch: 1, epochs: [epoch(1)], checkpoints: [checkpoint] });
  const result = resultRecord(
    {
      stopReason: 'completed', epochs: [epoch(1), epoch(2)], bestEpoch: 2, confusionMatrix: [[2, 0], [1, 1]], perClassAccuracy: [1, 0.5],
      samples: [{ index: 0, label: 0, predicted: 0, probabilities: [0.75, 0.25] }, { index: 1, label: 1, predicted: 0, probabilities: [0.5, 0.5] }],
      weightsSha256: 'w'.repeat(64), backend: 'cpu',
    },
    dataset,
  );
  const model = { name: 's/t/a2/weights', sha256: 'm'.repeat(64), bytes: 1234 };
  r = r && transition(r, { type: 'finish', owner: w2, at: T2, status: 'COMPLETED', epochs: [epoch(1), epoch(2)], result, model });
  assert.ok(r);
  const check = { ok: true, maxAbsDiff: 1e-6, top1Agreement: 1, ortP50Ms: 0.2, ortP99Ms: 0.4, tfjsP50Ms: 1, speedup: 5, file: 'exports/s/t.onnx' };
  return { ...r, onnx: { ...check, ref: { name: 's/t/model.onnx', sha256: 'o'.repeat(64), bytes: 99 } } };
}

const decodeRecord = (value: unknown) => decodeJson(encodeJson(value), trialRecordSchema, 'trial record s.t');

test('a trial record as the worker writes it round-trips through encodeJson/decodeJson unchanged', () => {
  const record = workerRecord();
  assert.ok(record.result?.sampleImages, 'the record carries sample images');
  assert.equal(record.history[0]?.queueLatencyMs, 12);
  assert.equal(record.history[0]?.error, 'LeaseLostError: lost');
  assert.deepStrictEqual(decodeRecord(record), record);
  assert.deepStrictEqual(decodeJson(encodeJson(job), jobMessageSchema, 'job'), job);
});

test('an epoch keeps a metric a trainer reports under its own name', () => {
  const metrics = { ...epoch(1), f1: 0.5 };
  const record = decodeRecord({ ...workerRecord(), epochs: [metrics] });
  assert.equal(record.epochs[0]?.['f1'], 0.5);
  const event = { v: 1, type: 'epoch', sweepId: 's', trialId: 't', worker: 'w', metrics, totalEpochs: 2, at: T0 };
  assert.deepStrictEqual(decodeJson(encodeJson(event), trialEventSchema, 'event'), event);
});

test('a wrong type in config is a MalformedMessageError naming its path', () => {
  const record = workerRecord();
  const bad = { ...record, config: { ...config, model: { ...config.model, depth: 'two' } } };
  assert.throws(
    () => decodeRecord(bad),
    (e: unknown) => e instanceof MalformedMessageError && e instanceof SweepError && !e.retryable && /^trial record s\.t: config\.model\.depth: /.test(e.message),
  );
});

test('as before: NaN per-class accuracy reads as null, and a record without result, config or onnx reads them as null', () => {
  const record = workerRecord();
  const nan = decodeRecord({ ...record, result: { ...record.result, perClassAccuracy: [NaN, 1] } });
  assert.deepEqual(nan.result?.perClassAccuracy, [null, 1]);
  const older: Record<string, unknown> = { ...record };
  for (const key of ['result', 'config', 'onnx']) delete older[key];
  const decoded = decodeRecord(older);
  assert.deepEqual([decoded.result, decoded.config, decoded.onnx], [null, null, null]);
});
