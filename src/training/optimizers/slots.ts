import * as tf from '@tensorflow/tfjs';

export function zeroSlots(variables: tf.Variable[], name: string): tf.Variable[] {
  // tidy: tf.variable keeps its own reference, the zeros tensor itself would otherwise leak.
  return variables.map((v, i) => tf.tidy(() => tf.variable(tf.zerosLike(v), false, `${name}_${i}_${v.name}`)));
}

export function disposeAll(variables: tf.Variable[]): void {
  for (const v of variables) v.dispose();
}

export function checkGradientCount(variables: tf.Variable[], gradients: tf.Tensor[]): void {
  if (variables.length !== gradients.length) {
    throw new Error(`optimizer: ${gradients.length} gradients for ${variables.length} variables`);
  }
}
