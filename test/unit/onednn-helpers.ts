import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadOnednn, type OnednnLoad } from '../../src/training/backends/onednn/addon.js';
import { onednnCallCount } from '../../src/training/backends/onednn/conv-call.js';
import type { HostTensor } from './wasm-parity-helpers.js';

/** The addon with the default settings (1 thread, oneDNN-chosen filter layout), as the backend loads it. */
export function onednnForTests(): OnednnLoad {
  return loadOnednn(1, 'any-weights');
}

/** Skips `t` with the loader's reason when the addon is not built or does not load; true when skipped. */
export function skipWithoutOnednn(t: TestContext): boolean {
  const load = onednnForTests();
  if (load.ok) return false;
  t.diagnostic(`oneDNN addon unavailable: ${load.reason}`);
  t.skip(`oneDNN addon unavailable: ${load.reason}`);
  return true;
}

/**
 * Runs a kernel on the wasm backend after filling the heap block its output will likely get with NaN (freed just
 * before the kernel allocates), so an output element the kernel forgets to write shows. Fails on leaked tensors or
 * backend memory. Returns the values and how many convolutions ran on oneDNN meanwhile.
 */
export async function runOnWasmCounted(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
  outSize: number,
): Promise<{ values: Float32Array; onednnCalls: number }> {
  await tf.setBackend('wasm');
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, h] of Object.entries(inputs)) tensors[name] = tf.tensor(h.data, h.shape, 'float32');
  const numTensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  tf.fill([outSize], NaN).dispose();
  const before = onednnCallCount();
  const out = tf.engine().runKernel<tf.Tensor>(kernelName, tensors, attrs as tf.NamedAttrMap);
  const onednnCalls = onednnCallCount() - before;
  const values = (await out.data()) as Float32Array;
  out.dispose();
  assert.equal(tf.memory().numTensors, numTensors, `${kernelName} leaked tensors`);
  assert.equal(tf.engine().backend.numDataIds(), dataIds, `${kernelName} leaked backend memory`);
  tf.dispose(Object.values(tensors));
  return { values, onednnCalls };
}
