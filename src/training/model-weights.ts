import type * as tf from '@tensorflow/tfjs';
import { decodeContainer, encodeContainer, sha256Hex } from './state/container.js';
import { assignVariables, readVariables } from './state/weights.js';

const KIND = 'sweep-model-weights';

/** The final weights of a trained model (incl. BatchNorm moving statistics), for export long after training. */
export async function serializeModelWeights(model: tf.LayersModel): Promise<{ bytes: Uint8Array; sha256: string }> {
  const variables = model.weights.map((w) => w.read() as tf.Variable);
  const bytes = encodeContainer({ kind: KIND, layers: model.layers.map((l) => l.getClassName()) }, await readVariables(variables, 'w'));
  return { bytes, sha256: sha256Hex(bytes) };
}

/** Loads weights written by serializeModelWeights into a model built from the same config. */
export function loadModelWeights(model: tf.LayersModel, bytes: Uint8Array): void {
  const { meta, tensors } = decodeContainer(bytes);
  if ((meta as { kind?: string }).kind !== KIND) throw new Error('not a sweep model-weights file');
  assignVariables(model.weights.map((w) => w.read() as tf.Variable), tensors, 'model weight');
}
