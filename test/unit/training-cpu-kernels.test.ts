import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useFastCpuConv2dBackpropFilter } from '../../src/training/cpu-kernels/conv2d-backprop-filter.js';
import { useFastCpuMaxPoolGrad } from '../../src/training/cpu-kernels/max-pool-grad.js';

await tf.setBackend('cpu');

function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], stride: number, pad: 'same' | 'valid'): Float32Array {
  return tf.tidy(() => {
    const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, stride, pad), dy)));
    return grad(tf.zeros(filterShape)).dataSync() as Float32Array;
  });
}

describe('fast cpu Conv2DBackpropFilter', () => {
  for (const [stride, pad, size] of [[1, 'same', 7], [2, 'same', 8], [2, 'valid', 9], [1, 'valid', 6]] as const) {
    test(`equals the original kernel (stride ${stride}, ${pad}, ${size}×${size})`, () => {
      const x = tf.randomNormal<tf.Rank.R4>([3, size, size, 4], 0, 1, 'float32', 1);
      const out = tf.conv2d(x, tf.zeros<tf.Rank.R4>([3, 3, 4, 5]), stride, pad);
      const dy = tf.randomNormal<tf.Rank.R4>(out.shape, 0, 1, 'float32', 2);
      useFastCpuConv2dBackpropFilter(false);
      const original = filterGradient(x, dy, [3, 3, 4, 5], stride, pad);
      useFastCpuConv2dBackpropFilter(true);
      const fast = filterGradient(x, dy, [3, 3, 4, 5], stride, pad);
      let maxAbs = 0;
      let maxDiff = 0;
      original.forEach((v, i) => {
        maxAbs = Math.max(maxAbs, Math.abs(v));
        maxDiff = Math.max(maxDiff, Math.abs(v - fast[i]!));
      });
      assert.ok(maxAbs > 1, 'the gradient is not trivially zero');
      assert.ok(maxDiff <= 1e-6 * maxAbs, `max difference ${maxDiff} (max |value| ${maxAbs})`);
      tf.dispose([x, out, dy]);
    });
  }
});

describe('fast cpu MaxPoolGrad', () => {
  const cases = [
    { name: '2×2 stride 2 valid, ties and values ≤ 0', size: 6, pool: 2, stride: 2, pad: 'valid' as const, ties: true },
    { name: '3×3 stride 2 same (overlapping windows)', size: 7, pool: 3, stride: 2, pad: 'same' as const, ties: false },
    { name: '2×2 stride 1 valid', size: 5, pool: 2, stride: 1, pad: 'valid' as const, ties: false },
  ];
  for (const c of cases) {
    test(`equals the original kernel (${c.name})`, () => {
      const x = c.ties
        ? tf.tidy(() => tf.round(tf.randomNormal([2, c.size, c.size, 3], -1, 1, 'float32', 3))) // many equal, negative maxima
        : tf.randomNormal([2, c.size, c.size, 3], 0, 1, 'float32', 3);
      const gradient = (enabled: boolean) => {
        useFastCpuMaxPoolGrad(enabled);
        return tf.tidy(() => {
          const out = tf.maxPool(x as tf.Tensor4D, c.pool, c.stride, c.pad);
          const dy = tf.randomNormal(out.shape, 0, 1, 'float32', 4);
          return Array.from(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, c.pool, c.stride, c.pad), dy)))(x).dataSync());
        });
      };
      const original = gradient(false);
      const fast = gradient(true);
      assert.ok(original.some((v) => v !== 0), 'the gradient is not trivially zero');
      fast.forEach((v, i) => assert.ok(Math.abs(v - original[i]!) < 1e-6, `index ${i}: ${v} vs ${original[i]}`));
      x.dispose();
    });
  }
});
