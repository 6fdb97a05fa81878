import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { notExportableReason } from '../../src/coordinator/export-winners.js';
import { exportedEpochMetrics, normalizationOf } from '../../src/coordinator/export-trial.js';
import { buildLeaderboard, renderCsv, renderTable } from '../../src/report/index.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import type { Dataset } from '../../src/training/datasets/types.js';
import type { TrialView } from '../../src/report/types.js';
import { aTrialRecord, aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

const epoch = (n: number, valAccuracy: number) => anEpoch(n, { val_loss: 1 - valAccuracy, val_accuracy: valAccuracy });

function config(restoreBest: boolean, family: 'vgg' | 'sleep' = 'vgg'): TrialConfig {
  return {
    version: 1,
    model: { family, depth: 1, regularizer: 'batchnorm', dropout_rate: 0, dense_dropout_rate: 0, dense_units: 8, sleep_ms: 0 },
    optimizer: { name: 'adam', learning_rate: 0.01, momentum: 0 },
    training: { epochs: 3, batch_size: 8, reduce_lr_on_plateau: null, early_stopping: { monitor: 'val_loss', patience: 1, min_delta: 0, restore_best_weights: restoreBest } },
    dataset: { name: 'synthetic', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: null },
    seed: 1,
    params: {},
  };
}

function record(over: Partial<TrialRecord> = {}): TrialRecord {
  return aTrialRecord({
    trialId: 't1', status: 'COMPLETED', attempt: 1, worker: 'w', durationMs: 1,
    epochs: [epoch(1, 0.5), epoch(2, 0.8), epoch(3, 0.7)], config: config(false), model: { name: 's/t1/weights', sha256: 'a'.repeat(64), bytes: 10 },
    result: { stopReason: 'completed', bestEpoch: 2, weightsSha256: '', backend: 'wasm', classNames: [], confusionMatrix: [], perClassAccuracy: [], samples: [] },
    ...over,
  });
}

describe('which trials can be exported', () => {
  test('a COMPLETED vgg trial with final weights can', () => {
    assert.equal(notExportableReason(record()), null);
  });
  test('every other case names its reason', () => {
    assert.match(notExportableReason(record({ status: 'RUNNING' }))!, /it is RUNNING; only COMPLETED trials have final weights \(wait until it finishes\)/);
    assert.match(notExportableReason(record({ status: 'STOPPED' }))!, /it is STOPPED/);
    assert.match(notExportableReason(record({ config: config(false, 'sleep') }))!, /family is 'sleep', which trains no model/);
    assert.match(notExportableReason(record({ model: null }))!, /no final weights/);
    assert.match(notExportableReason(record({ config: null }))!, /no config/);
  });
});

describe('metadata of the exported weights', () => {
  test('metrics are those of the final epoch unless early stopping restored the best one', () => {
    assert.equal(exportedEpochMetrics(record(), config(false)).epoch, 3);
    const stopped = record({ result: { ...record().result!, stopReason: 'early_stopping' } });
    assert.equal(exportedEpochMetrics(stopped, config(true)).epoch, 2);
    assert.equal(exportedEpochMetrics(stopped, config(false)).epoch, 3);
  });
  test('normalization follows the dataset config; standardize carries the train-split statistics', () => {
    const dataset = { channelMean: [120.5], channelStd: [60.25] } as Dataset;
    assert.deepEqual(normalizationOf(config(false), dataset), { kind: 'scale' });
    const std = { ...config(false), dataset: { ...config(false).dataset!, normalize: 'standardize' as const } };
    assert.deepEqual(normalizationOf(std, dataset), { kind: 'standardize', mean: [120.5], std: [60.25] });
  });
});

describe('leaderboard renderers with exported trials', () => {
  const trial = (id: string, acc: number, onnx?: TrialView['onnx']): TrialView =>
    aTrialView({ id, params: { lr: acc }, epochs: [epoch(1, acc)], bestEpoch: 1, durationMs: 1000, ...(onnx ? { onnx } : {}) });
  const check = { ok: false, maxAbsDiff: 2e-3, top1Agreement: 0.98, ortP50Ms: 0.25, ortP99Ms: 0.5, tfjsP50Ms: 1, speedup: 4, file: 'exports/s/aaaa.onnx' };
  const view = { id: 's', name: 's', objective: { metric: 'val_accuracy' as const, goal: 'max' as const }, trials: [trial('aaaaaaaa11', 0.9, check), trial('bbbbbbbb22', 0.8)] };

  test('the trials table gets onnx, ORT p50 ms and speed-up columns only when a trial was exported', () => {
    const text = renderTable(buildLeaderboard(view), { mode: 'trials' });
    assert.match(text, /status\s+onnx\s+ORT p50 ms\s+speed-up/);
    assert.match(text, /aaaaaaaa .*COMPLETED\s+MISMATCH\s+0\.250\s+4\.0×/);
    assert.match(text, /bbbbbbbb .*COMPLETED\s+—\s+—\s+—/);
    const plain = renderTable(buildLeaderboard({ ...view, trials: [trial('bbbbbbbb22', 0.8)] }), { mode: 'trials' });
    assert.doesNotMatch(plain, /ORT p50/);
  });
  test('CSV carries the check of exported trials', () => {
    const lines = renderCsv(buildLeaderboard(view), 'trials').trim().split('\r\n');
    assert.match(lines[0]!, /,onnx_ok,onnx_ort_p50_ms,onnx_speedup$/);
    assert.match(lines[1]!, /,false,0\.25,4$/);
    assert.match(lines[2]!, /,,,$/);
  });
});
