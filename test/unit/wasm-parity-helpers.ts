import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Deterministic N(0,1)-ish values (sum of uniforms), so failures reproduce. */
export function randomHost(shape: number[], seed: number, offset = 0): HostTensor {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = next() + next() + next() - 1.5 + offset;
  return { shape, data };
}

/** Runs one kernel on `backendName` with inputs built from host data; returns the output's values. */
export async function runKernelOn(
  backendName: string,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
): Promise<Float32Array> {
  await tf.setBackend(backendName);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, h] of Object.entries(inputs)) tensors[name] = tf.tensor(h.data, h.shape, 'float32');
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel<tf.Tensor>(kernelName, tensors, attrs as tf.NamedAttrMap);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${kernelName} on ${backendName} leaked tensors`);
  Object.values(tensors).forEach((t) => t.dispose());
  return values;
}

/** max|a − b| / max|b|: a scale-aware relative error that stays meaningful where b crosses zero. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'output sizes differ');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export async function assertKernelMatchesCpu(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
  tolerance = 1e-4,
): Promise<number> {
  const expected = await runKernelOn('cpu', kernelName, inputs, attrs);
  const actual = await runKernelOn('wasm', kernelName, inputs, attrs);
  const err = relativeError(actual, expected);
  assert.ok(err <= tolerance, `${kernelName} ${JSON.stringify(attrs)}: wasm vs cpu relative error ${err} > ${tolerance}`);
  return err;
}

/**
 * Filter gradient of a stride-1 'same' 3×3-style conv computed on the cpu backend as patches(x)ᵀ · dy
 * (im2col + one matMul). An independent algorithm, and ~100× faster than the cpu backend's own
 * Conv2DBackpropFilter, which needs ~25 s for one 32×32×32→32 batch-8 layer.
 */
export async function cpuFilterGradViaPatches(x: HostTensor, dy: HostTensor, kernelSize: number): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const result = tf.tidy(() => {
    const [n, h, w, ci] = x.shape as [number, number, number, number];
    const co = dy.shape[3]!;
    const half = (kernelSize - 1) / 2;
    const padded = tf.pad(tf.tensor4d(x.data, [n, h, w, ci]), [[0, 0], [half, half], [half, half], [0, 0]]);
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < kernelSize; kh++) {
      for (let kw = 0; kw < kernelSize; kw++) taps.push(tf.slice(padded, [0, kh, kw, 0], [n, h, w, ci]));
    }
    const patches = tf.concat(taps, 3).reshape([n * h * w, kernelSize * kernelSize * ci]);
    return tf.matMul(patches, tf.tensor2d(dy.data, [n * h * w, co]), true, false);
  });
  const values = (await result.data()) as Float32Array;
  result.dispose();
  return values;
}
