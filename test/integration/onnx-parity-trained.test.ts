import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { onnxMetadata } from '../../src/export/metadata.js';
import { verifyOnnx } from '../../src/export/verify.js';
import { activateWasm } from '../../src/training/backends/wasm.js';
import { REGULARIZERS, bnStatsDrift, briefTrain, seedArchitecture, syntheticImages, useBackend } from '../fixtures/onnx/models.js';

const TEST_VERIFY = { maxImages: 256, latencyRuns: 50, warmupRuns: 3, throughputBatches: [1, 32], throughputMinMs: 100 };
const meta = onnxMetadata({ normalization: { kind: 'none' } });

describe('ONNX parity after brief training', () => {
  const data = syntheticImages(256, 21);
  const trained = new Map<string, tf.LayersModel>();

  before(async () => {
    // The project's wasm training backend: the cpu backend needs ~50 s per conv training step here.
    await activateWasm();
    for (const regularizer of REGULARIZERS) {
      const model = seedArchitecture(regularizer, 5);
      await briefTrain(model, 9, 8, 32);
      trained.set(regularizer, model);
    }
  });

  for (const regularizer of REGULARIZERS) {
    test(regularizer, async () => {
      const model = trained.get(regularizer)!;
      if (regularizer.startsWith('batchnorm')) {
        const drift = bnStatsDrift(model);
        assert.ok(drift.mean > 1e-3 && drift.variance > 1e-3, `BN moving stats still trivial: ${JSON.stringify(drift)}`);
      }
      const v = await verifyOnnx(model, exportToOnnx(model, meta), data.images, data.shape, data.labels, TEST_VERIFY);
      assert.deepEqual(v.failures, []);
      assert.ok(v.ok && v.maxAbsDiff <= 1e-4 && v.top1Agreement >= 0.999);
      assert.equal(v.tfjsAccuracy!.toFixed(3), v.ortAccuracy!.toFixed(3));
    });
  }

  test('on the cpu backend too (fewer images)', async () => {
    await useBackend('cpu'); // the weights move over lazily
    try {
      const model = trained.get('batchnorm-every-conv')!;
      const v = await verifyOnnx(model, exportToOnnx(model, meta), data.images.subarray(0, 16 * 768), [16, 16, 16, 3], data.labels.subarray(0, 16), {
        ...TEST_VERIFY,
        latencyRuns: 5,
        warmupRuns: 1,
        throughputBatches: [1],
        throughputMinMs: 0,
      });
      assert.equal(v.tfjsBackend, 'cpu');
      assert.deepEqual(v.failures, []);
    } finally {
      await useBackend('wasm');
    }
  });

  test('a model exported from different weights fails verification', async () => {
    const model = trained.get('none')!;
    const other = seedArchitecture('none', 99);
    const v = await verifyOnnx(model, exportToOnnx(other, meta), data.images, data.shape, data.labels, { ...TEST_VERIFY, latencyRuns: 5, throughputBatches: [1] });
    assert.equal(v.ok, false);
    assert.match(v.failures.join('; '), /max \|Δprobability\|/);
    other.dispose();
  });
});
