import { useFastCpuConv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { useFastCpuMaxPoolGrad } from './max-pool-grad.js';

/**
 * Swaps in faster versions of the pure-JS cpu backend's slowest training kernels (same results;
 * see test/unit/training-cpu-kernels.test.ts). Idempotent; a no-op when the cpu backend is absent.
 */
export function useFastCpuKernels(): void {
  useFastCpuConv2dBackpropFilter();
  useFastCpuMaxPoolGrad();
}
