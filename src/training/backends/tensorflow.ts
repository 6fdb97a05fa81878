import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors.js';

/** The GPU build first; where CUDA is missing it fails to load and the CPU build is tried. */
const BINDINGS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const TENSORFLOW_INSTALL_HINT =
  "install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 + cuDNN 8 at run time) or @tensorflow/tfjs-node " +
  '(CPU) next to sweep, e.g. `npm install @tensorflow/tfjs-node-gpu@4.22.0`; the GPU worker image does this';

export interface BindingProbe {
  loaded: string | null;
  /** Why each binding could not be loaded, by package name. */
  failures: Record<string, string>;
}

/** Tries to load a libtensorflow binding; importing one registers the 'tensorflow' backend. */
export async function loadTensorflowBinding(): Promise<BindingProbe> {
  const failures: Record<string, string> = {};
  for (const name of BINDINGS) {
    try {
      const moduleName: string = name; // a variable, so tsc does not look for the optional package's types
      await import(moduleName);
      return { loaded: name, failures };
    } catch (e) {
      failures[name] = firstLine(e);
    }
  }
  return { loaded: null, failures };
}

export async function activateTensorflow(probe?: BindingProbe): Promise<string> {
  const result = probe ?? (await loadTensorflowBinding());
  if (!result.loaded) {
    const reasons = Object.entries(result.failures).map(([n, why]) => `${n}: ${why}`).join('; ');
    throw new BackendUnavailableError(`backend 'tensorflow' is not available (${reasons}). To use it, ${TENSORFLOW_INSTALL_HINT}.`);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new Error(`${result.loaded} loaded but the 'tensorflow' backend failed to initialize (check CUDA/cuDNN libraries)`);
  }
  await tf.ready();
  return result.loaded;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}
