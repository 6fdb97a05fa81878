import * as tf from '@tensorflow/tfjs';

/** conv (no bias) → batch norm → relu → 2×2 max-pool: a relative import, bundled with the module. */
export function convBlock(
  model: tf.Sequential,
  opts: { filters: number; kernelSize: number; init: () => ReturnType<typeof tf.initializers.heNormal>; inputShape?: [number, number, number] },
): void {
  model.add(
    tf.layers.conv2d({
      ...(opts.inputShape ? { inputShape: opts.inputShape } : {}),
      filters: opts.filters,
      kernelSize: opts.kernelSize,
      padding: 'same',
      useBias: false,
      kernelInitializer: opts.init(),
    }),
  );
  model.add(tf.layers.batchNormalization({}));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
}
