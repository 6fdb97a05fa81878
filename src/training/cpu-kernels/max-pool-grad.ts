import * as tf from '@tensorflow/tfjs';

/**
 * The cpu backend's MaxPoolGrad reads through TensorBuffer.get(...) and costs as much as a conv
 * layer. This one scatters each output gradient to the first maximum of its window (the same
 * choice as the original: strict `>` from −∞) over flat typed arrays.
 */
type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type CpuBackend = {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
};

let original: KernelConfig | undefined;

function maxPoolGrad(args: Parameters<KernelConfig['kernelFunc']>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const input = inputs['input'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const a = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(input.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * channels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rMin = Math.max(0, yR * strideHeight - top);
      const rMax = Math.min(inHeight, yR * strideHeight - top + filterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const cMin = Math.max(0, yC * strideWidth - left);
        const cMax = Math.min(inWidth, yC * strideWidth - left + filterWidth);
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let r = rMin; r < rMax; r++) {
            for (let c = cMin; c < cMax; c++) {
              const index = ((b * inHeight + r) * inWidth + c) * channels + d;
              if (xs[index]! > best) {
                best = xs[index]!;
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex]! += dys[dyBase + d]!;
        }
      }
    }
  }
  return cpu.makeTensorInfo([...input.shape], 'float32', dx);
}

/** Replaces the cpu backend's MaxPoolGrad (idempotent); `false` puts the original back. */
export function useFastCpuMaxPoolGrad(enabled = true): void {
  const current = tf.getKernel('MaxPoolGrad', 'cpu');
  if (!current) return; // cpu backend not loaded
  original ??= current;
  const wanted = enabled ? maxPoolGrad : original.kernelFunc;
  if (current.kernelFunc === wanted) return;
  tf.unregisterKernel('MaxPoolGrad', 'cpu');
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'cpu', kernelFunc: wanted });
}
