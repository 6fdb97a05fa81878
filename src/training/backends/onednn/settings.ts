/**
 * Environment settings of the oneDNN convolution kernels:
 * - `SWEEP_ONEDNN=0` turns them off (plain wasm kernels; the escape hatch, and the benchmark's comparison).
 * - `SWEEP_ONEDNN_THREADS` (default 1): OpenMP threads per process. sweep runs one worker process per core, and
 *   the PyTorch comparison uses one thread.
 * - `SWEEP_ONEDNN_LAYOUT` (default `any-weights`): `user` runs the primitives directly on the NHWC/HWIO tensors,
 *   `any-weights` lets oneDNN pick the filter layout (reordered each call; activations stay NHWC), `any` also
 *   reorders the activations. The convolutions of one seed-model step (batch 64, bench/onednn-conv.ts, 1 thread,
 *   AVX-512 Xeon): `user` 148 ms (oneDNN falls back to im2col + GEMM on plain filters), `any-weights` 60 ms (jit
 *   and brgconv kernels on NHWC), `any` 74 ms (the activation reorders cost more than they gain); wasm's own: 441 ms.
 */
export const ONEDNN_LAYOUTS = { user: 0, 'any-weights': 1, any: 2 } as const;
export type OnednnLayout = keyof typeof ONEDNN_LAYOUTS;

export interface OnednnSettings {
  enabled: boolean;
  threads: number;
  layout: OnednnLayout;
}

/** The settings in `env`, or what is wrong with them. */
export function onednnSettings(env: NodeJS.ProcessEnv = process.env): OnednnSettings | { error: string } {
  const enabled = env['SWEEP_ONEDNN'] !== '0';
  const threadsText = env['SWEEP_ONEDNN_THREADS']?.trim() || '1';
  const threads = Number(threadsText);
  if (!/^\d+$/.test(threadsText) || threads < 1 || threads > 1024) {
    return { error: `SWEEP_ONEDNN_THREADS='${threadsText}' is not a whole number from 1 to 1024` };
  }
  const layout = env['SWEEP_ONEDNN_LAYOUT']?.trim() || 'any-weights';
  if (!Object.hasOwn(ONEDNN_LAYOUTS, layout)) {
    return { error: `SWEEP_ONEDNN_LAYOUT='${layout}' is not one of ${Object.keys(ONEDNN_LAYOUTS).join(', ')}` };
  }
  return { enabled, threads, layout: layout as OnednnLayout };
}
