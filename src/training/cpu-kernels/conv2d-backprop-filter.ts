import * as tf from '@tensorflow/tfjs';

/**
 * The cpu backend's Conv2DBackpropFilter reads every element through TensorBuffer.get(...) and
 * trains the seed model at ~2 images/s here. This one computes the same sum
 *   dW[r, c, i, o] = Σ_{b, y, x} X[b, y·s + r − pad, x·s + c − pad, i] · dY[b, y, x, o]
 * over flat typed arrays, innermost loop over the contiguous output channels, accumulating in
 * float64 like the original. Channels-first inputs fall back to the original kernel.
 */
type KernelConfig = ReturnType<typeof tf.getKernel>;
type CpuData = { data: { get(id: object): { values: Float32Array } } };

let original: KernelConfig | undefined;

function conv2dBackpropFilter(args: Parameters<NonNullable<KernelConfig>['kernelFunc']>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'] as tf.TensorInfo;
  const dy = inputs['dy'] as tf.TensorInfo;
  const a = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (a.dataFormat === 'NCHW') return original!.kernelFunc(args) as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const cpu = backend as unknown as CpuData & { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };
  const xs = cpu.data.get(x.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyBase = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xBase = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wBase = (wR * filterWidth + wC) * inChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = xs[xBase + d1]!;
              if (xv === 0) continue; // ReLU outputs are often zero
              const out = (wBase + d1) * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) acc[out + d2]! += xv * dys[dyBase + d2]!;
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(acc));
}

/** Replaces the cpu backend's Conv2DBackpropFilter (idempotent); `false` puts the original back. */
export function useFastCpuConv2dBackpropFilter(enabled = true): void {
  const current = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!current) return; // cpu backend not loaded
  original ??= current;
  const wanted = enabled ? conv2dBackpropFilter : original.kernelFunc;
  if (current.kernelFunc === wanted) return;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: wanted });
}
