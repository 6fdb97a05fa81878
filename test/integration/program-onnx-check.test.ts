import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { checkProgramOnnx } from '../../src/export/program-onnx-check.js';

/** The check of a command trainer's own model.onnx: real onnxruntime sessions on real and broken models. */
describe('checkProgramOnnx', () => {
  test('a model that loads and runs: ok, fed a batch of 1 shaped from its input, timed', async () => {
    const m = tf.sequential();
    m.add(tf.layers.flatten({ inputShape: [6, 6, 2] }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    const check = await checkProgramOnnx(exportToOnnx(m, { normalize: 'none' }));
    m.dispose();
    assert.equal(check.ok, true, check.problem);
    assert.deepEqual(check.input, { name: 'input', type: 'float32', shape: [1, 6, 6, 2] });
    assert.deepEqual(check.outputs, ['probabilities']);
    assert.ok(check.ortP50Ms !== null && check.ortP50Ms > 0 && check.ortP99Ms !== null && check.ortP99Ms >= check.ortP50Ms);
  });

  test('bytes that are no ONNX model: not ok, with the reason, and no latency', async () => {
    const check = await checkProgramOnnx(new TextEncoder().encode('not a model'));
    assert.equal(check.ok, false);
    assert.match(check.problem ?? '', /^onnxruntime cannot load it: /);
    assert.equal(check.ortP50Ms, null);
  });
});
