import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, type BackendName } from '../../domain/backends.js';
import { activateWasm, type WasmOptions } from './wasm.js';
import { activateTensorflow, loadTensorflowBinding } from './tensorflow.js';
import { activateWebGpu } from './webgpu.js';
import { mayHaveGpu } from './gpu-devices.js';
import { probeWebGpuQuietly } from './quiet-probe.js';

export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels/register.js';
export { ONEDNN_CONV_KERNELS, onednnConvKernelsInstalled } from './onednn/register.js';
export type { WasmOptions } from './wasm.js';
export { probeWebGpu } from './webgpu.js';

/**
 * Initializes and activates a tfjs backend and returns the name tfjs reports for it.
 * `auto` picks the fastest available: tensorflow (libtensorflow binding) > webgpu on a real GPU > wasm. It looks
 * for a WebGPU adapter only where a GPU device exists (gpu-devices.ts), and then in a child process whose stderr
 * is captured (quiet-probe.ts): Dawn's warnings reach the terminal or log only when webgpu is selected.
 * An explicit `webgpu` also accepts a software adapter (llvmpipe), for correctness checks. `wasm`, `cpu` and
 * `tensorflow` never load Dawn.
 * `wasm` (explicit or picked by `auto`) runs convolutions on oneDNN when its addon is built (see ./onednn/), unless
 * SWEEP_ONEDNN=0 or `options.onednn` is false; the log line says which kernels run and why.
 */
export async function selectBackend(name: BackendName, log: (m: string) => void = () => {}, options: WasmOptions = {}): Promise<string> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error("the tfjs 'cpu' backend failed to initialize");
      await tf.ready();
      break;
    case 'wasm':
      log(`backend ${(await activateWasm(options)).description}`);
      break;
    case 'tensorflow':
      log(`backend tensorflow: using ${await activateTensorflow()}`);
      break;
    case 'webgpu': {
      const probe = await activateWebGpu(true);
      log(`backend webgpu: ${probe.description}${probe.software ? ' (software emulation: slow, for correctness checks)' : ''}`);
      break;
    }
    case 'auto':
      await selectAuto(log, options);
      break;
    default:
      throw new Error(`unknown backend '${String(name)}': choose one of ${BACKEND_NAMES.join(', ')}`);
  }
  return tf.getBackend();
}

async function selectAuto(log: (m: string) => void, options: WasmOptions): Promise<void> {
  const binding = await loadTensorflowBinding();
  if (binding.loaded) {
    await activateTensorflow(binding);
    log(`backend auto → tensorflow (${binding.loaded} loaded)`);
    return;
  }
  const skipped = [`tensorflow: ${Object.values(binding.failures)[0] ?? 'not installed'}`];
  const device = mayHaveGpu();
  const gpu = device.possible ? await probeWebGpuQuietly(false) : null;
  if (!gpu) {
    skipped.push(`webgpu: ${device.reason}`);
  } else if (gpu.ok) {
    try {
      await activateWebGpu(false, gpu);
      log(`backend auto → webgpu on ${gpu.description} (no tfjs-node binding: ${skipped[0]})`);
      return;
    } catch (e) {
      skipped.push(`webgpu: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    skipped.push(`webgpu: ${gpu.reason}`);
  }
  const wasm = await activateWasm(options);
  log(`backend auto → ${wasm.description} because ${skipped.join('; ')}`);
}
