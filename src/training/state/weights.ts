import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { NamedTensorData } from './container.js';

/** Reads variables with `await data()` (dataSync fails on webgpu under Node). */
export async function readVariables(variables: tf.Variable[], prefix: string): Promise<NamedTensorData[]> {
  const out: NamedTensorData[] = [];
  for (const [i, v] of variables.entries()) {
    if (v.dtype !== 'float32') throw new Error(`variable ${v.name} is ${v.dtype}; only float32 state is supported`);
    out.push({ name: `${prefix}/${i}/${v.name}`, shape: [...v.shape], data: (await v.data()) as Float32Array });
  }
  return out;
}

/** Assigns saved tensors to variables by position, checking count and shapes. */
export function assignVariables(variables: tf.Variable[], saved: NamedTensorData[], what: string): void {
  if (saved.length !== variables.length) {
    throw new Error(
      `training state has ${saved.length} ${what} tensors but the model needs ${variables.length}: the checkpoint belongs to a different model or optimizer`,
    );
  }
  variables.forEach((v, i) => {
    const t = saved[i]!;
    if (t.shape.length !== v.shape.length || t.shape.some((d, k) => d !== v.shape[k])) {
      throw new Error(`training state: ${what} '${t.name}' has shape [${t.shape.join(',')}] but ${v.name} is [${v.shape.join(',')}]`);
    }
    const value = tf.tensor(t.data, v.shape, 'float32');
    v.assign(value);
    value.dispose();
  });
}

/** sha256 over the float32 bytes of every weight, in model order. */
export async function weightsSha256(variables: tf.Variable[]): Promise<string> {
  const hash = createHash('sha256');
  for (const v of variables) {
    const data = (await v.data()) as Float32Array;
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}
