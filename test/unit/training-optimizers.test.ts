import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer } from '../../src/training/optimizers/create-optimizer.js';
import type { OptimizerName } from '../../src/domain/trial-config.js';

await tf.setBackend('cpu');

const GRADIENTS = [0.5, -1.0, 2.0];

/** Applies GRADIENTS to w = 1 and returns w after each step. */
function trajectory(name: OptimizerName, lr = 0.1, momentum = 0.9): number[] {
  const w = tf.variable(tf.scalar(1));
  const optimizer = createOptimizer({ name, learning_rate: lr, momentum }, [w]);
  const out = GRADIENTS.map((g) => {
    const gradient = tf.scalar(g);
    optimizer.applyGradients([gradient]);
    gradient.dispose();
    return w.dataSync()[0]!;
  });
  optimizer.dispose();
  w.dispose();
  return out;
}

/** The Keras update rules, in float64. */
function reference(name: OptimizerName, lr = 0.1, m = 0.9): number[] {
  let w = 1;
  let v = 0;
  let s = 0;
  return GRADIENTS.map((g, i) => {
    const t = i + 1;
    if (name === 'sgd') w -= lr * g;
    if (name === 'momentum') {
      v = m * v - lr * g;
      w += v;
    }
    if (name === 'nesterov') {
      v = m * v - lr * g;
      w += m * v - lr * g;
    }
    if (name === 'adam') {
      v = 0.9 * v + 0.1 * g;
      s = 0.999 * s + 0.001 * g * g;
      w -= ((lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (v / (Math.sqrt(s) + 1e-7));
    }
    if (name === 'rmsprop') {
      s = 0.9 * s + 0.1 * g * g;
      v = m * v + (lr * g) / (Math.sqrt(s) + 1e-7);
      w -= v;
    }
    return w;
  });
}

describe('optimizers follow the Keras update rules', () => {
  for (const name of ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop'] as const) {
    test(name, () => {
      const got = trajectory(name);
      const want = reference(name);
      got.forEach((value, i) => assert.ok(Math.abs(value - want[i]!) < 1e-5, `${name} step ${i + 1}: ${value} vs ${want[i]}`));
    });
  }

  test('rmsprop without momentum', () => {
    const got = trajectory('rmsprop', 0.01, 0);
    const want = reference('rmsprop', 0.01, 0);
    got.forEach((value, i) => assert.ok(Math.abs(value - want[i]!) < 1e-6, `step ${i + 1}: ${value} vs ${want[i]}`));
  });

  test('a changed learning rate applies from the next step', () => {
    const w = tf.variable(tf.scalar(0));
    const optimizer = createOptimizer({ name: 'sgd', learning_rate: 1, momentum: 0 }, [w]);
    const g = tf.scalar(1);
    optimizer.applyGradients([g]);
    optimizer.learningRate = 0.25;
    optimizer.applyGradients([g]);
    assert.equal(w.dataSync()[0], -1.25);
    tf.dispose([g, w]);
    optimizer.dispose();
  });

  test('copying slots and iterations into a fresh optimizer continues bit for bit', () => {
    const run = (steps: number[], from?: { w: number; slots: Float32Array[]; iterations: number }) => {
      const w = tf.variable(tf.scalar(from?.w ?? 1));
      const optimizer = createOptimizer({ name: 'adam', learning_rate: 0.1, momentum: 0 }, [w]);
      if (from) {
        optimizer.slots.forEach((s, i) => s.assign(tf.tensor(from.slots[i]!, s.shape)));
        optimizer.iterations = from.iterations;
      }
      for (const g of steps) tf.tidy(() => optimizer.applyGradients([tf.scalar(g)]));
      const state = { w: w.dataSync()[0]!, slots: optimizer.slots.map((s) => s.dataSync() as Float32Array), iterations: optimizer.iterations };
      optimizer.dispose();
      w.dispose();
      return state;
    };
    const straight = run([0.5, -1, 2, 0.3]);
    const resumed = run([2, 0.3], run([0.5, -1]));
    assert.deepEqual(resumed, straight);
  });

  test('bad settings are clear errors', () => {
    const w = tf.variable(tf.scalar(0));
    assert.throws(() => createOptimizer({ name: 'sgd', learning_rate: 0, momentum: 0 }, [w]), /learning_rate must be > 0/);
    assert.throws(() => createOptimizer({ name: 'lamb' as OptimizerName, learning_rate: 1, momentum: 0 }, [w]), /'lamb' is unknown/);
    const optimizer = createOptimizer({ name: 'sgd', learning_rate: 1, momentum: 0 }, [w]);
    assert.throws(() => optimizer.applyGradients([]), /0 gradients for 1 variables/);
    w.dispose();
  });
});
