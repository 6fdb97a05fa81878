import assert from 'node:assert/strict';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { onnxMetadata } from '../../src/export/metadata.js';
import { verifyOnnx } from '../../src/export/verify.js';
import { before, describe, test } from 'node:test';
import { REGULARIZERS, randomizeBatchNorm, seedArchitecture, syntheticImages, useBackend } from '../fixtures/onnx/models.js';

// Fewer images and shorter timings than a real run (1,000 images, batches 1/64/256): keeps the file fast.
const TEST_VERIFY = { maxImages: 256, latencyRuns: 50, warmupRuns: 3, throughputBatches: [1, 32], throughputMinMs: 100 };

describe('ONNX parity with random weights (onnxruntime vs tfjs wasm)', () => {
  before(() => useBackend('wasm'));
  const data = syntheticImages(256, 7);
  for (const regularizer of REGULARIZERS) {
    test(regularizer, async () => {
      const model = seedArchitecture(regularizer, 3);
      randomizeBatchNorm(model, 11); // no-op without BatchNorm layers
      const bytes = exportToOnnx(model, onnxMetadata({ normalization: { kind: 'none' } }));
      const v = await verifyOnnx(model, bytes, data.images, data.shape, data.labels, TEST_VERIFY);
      assert.deepEqual(v.failures, []);
      assert.equal(v.ok, true);
      assert.equal(v.images, 256);
      assert.equal(v.tfjsBackend, 'wasm');
      assert.ok(v.maxAbsDiff <= 1e-4, `max |Δ| ${v.maxAbsDiff}`);
      assert.ok(v.top1Agreement >= 0.999, `top-1 agreement ${v.top1Agreement}`);
      assert.equal(v.tfjsAccuracy!.toFixed(3), v.ortAccuracy!.toFixed(3));
      assert.ok(v.ortP50Ms > 0 && v.ortP99Ms >= v.ortP50Ms && v.tfjsP99Ms >= v.tfjsP50Ms);
      assert.deepEqual(v.throughput.map((t) => t.batch), [1, 32]);
      assert.ok(v.throughput.every((t) => t.ortImagesPerSec > 0 && t.tfjsImagesPerSec > 0));
      model.dispose();
    });
  }
});
