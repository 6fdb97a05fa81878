import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors.js';

/** Adapters that emulate a GPU on the CPU: fine for correctness checks, far slower than the wasm backend. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

export interface WebGpuAdapterProbe {
  ok: boolean;
  /** Adapter description (vendor, architecture, device) when one was found. */
  description: string;
  software: boolean;
  /** Dawn options used (e.g. backend=opengl) and whether the adapter needs featureLevel 'compatibility'. */
  dawnOptions: string[];
  compatibility: boolean;
  reason: string;
}

interface DawnModule {
  create(options: string[]): GPU;
  /** GPUBufferUsage, GPUMapMode, ...: the constants a browser defines globally. */
  globals: Record<string, unknown>;
}

async function loadDawn(): Promise<DawnModule> {
  const moduleName: string = 'webgpu'; // optional dependency
  return (await import(moduleName)) as DawnModule;
}

function describe(adapter: GPUAdapter): string {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown adapter';
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ') || 'unnamed adapter';
}

interface Candidate {
  dawnOptions: string[];
  compatibility: boolean;
}

/** Dawn's default (Vulkan on Linux) first; then OpenGL through EGL, which reaches Mesa's llvmpipe on CPU hosts. */
const CANDIDATES: Candidate[] = [
  { dawnOptions: [], compatibility: false },
  { dawnOptions: ['backend=opengl'], compatibility: true },
];

let chosen: { gpu: GPU; probe: WebGpuAdapterProbe; globals: Record<string, unknown> } | null = null;

/**
 * Finds a WebGPU adapter through Dawn's node binding. `allowSoftware` also accepts CPU emulation
 * (llvmpipe), which `auto` must not pick. Dawn prints its own warnings on stderr while it looks (native code);
 * `auto` runs this in a child process instead (quiet-probe.ts).
 */
export async function probeWebGpu(allowSoftware: boolean, candidates: readonly Candidate[] = CANDIDATES): Promise<WebGpuAdapterProbe> {
  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (e) {
    return failed(`npm package 'webgpu' (Dawn for Node) is not installed or does not load: ${firstLine(e)}`);
  }
  process.env.EGL_PLATFORM ??= 'surfaceless'; // OpenGL without a display server
  const seen: string[] = [];
  for (const c of candidates) {
    let gpu: GPU;
    let adapter: GPUAdapter | null;
    try {
      gpu = dawn.create(c.dawnOptions);
      const options = { powerPreference: 'high-performance', ...(c.compatibility ? { featureLevel: 'compatibility' } : {}) };
      adapter = await gpu.requestAdapter(options as GPURequestAdapterOptions);
    } catch (e) {
      seen.push(`${label(c)}: ${firstLine(e)}`);
      continue;
    }
    if (!adapter) {
      seen.push(`${label(c)}: no adapter`);
      continue;
    }
    const description = describe(adapter);
    const software = SOFTWARE_ADAPTER.test(description);
    const probe: WebGpuAdapterProbe = { ok: true, description, software, dawnOptions: c.dawnOptions, compatibility: c.compatibility, reason: '' };
    if (software && !allowSoftware) {
      seen.push(`${label(c)}: only a software adapter (${description}), slower than wasm`);
      continue;
    }
    chosen = { gpu, probe, globals: dawn.globals };
    return probe;
  }
  return failed(seen.join('; '));
}

/**
 * Activates @tensorflow/tfjs-backend-webgpu on the adapter `probeWebGpu` found (in this process, or, given as
 * `found`, in a probe process: then only its Dawn options are tried). Read tensors with `await t.data()` on this
 * backend: `dataSync()` fails under Node.
 */
export async function activateWebGpu(allowSoftware: boolean, found?: WebGpuAdapterProbe): Promise<WebGpuAdapterProbe> {
  const candidates = found ? [{ dawnOptions: found.dawnOptions, compatibility: found.compatibility }] : CANDIDATES;
  const probe = chosen && (allowSoftware || !chosen.probe.software) ? chosen.probe : await probeWebGpu(allowSoftware, candidates);
  if (!probe.ok || !chosen) throw new BackendUnavailableError(`backend 'webgpu' is not available: ${probe.reason}`);
  installNavigatorGpu(chosen.gpu, probe.compatibility);
  for (const [name, value] of Object.entries(chosen.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' only if navigator.gpu exists at load
  if (!tf.findBackendFactory('webgpu')) {
    throw new Error("@tensorflow/tfjs-backend-webgpu was loaded before navigator.gpu was set, so it did not register 'webgpu'; select the backend before importing it elsewhere");
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error(`the webgpu backend failed to initialize on ${probe.description}`);
  await tf.ready();
  return probe;
}

/** Node 20 has no navigator; tfjs-backend-webgpu requests its adapter from navigator.gpu without a feature level. */
function installNavigatorGpu(gpu: GPU, compatibility: boolean): void {
  const wrapped = {
    requestAdapter: (options?: GPURequestAdapterOptions) =>
      gpu.requestAdapter({ ...options, ...(compatibility ? { featureLevel: 'compatibility' } : {}) }),
    getPreferredCanvasFormat: () => 'rgba8unorm' as GPUTextureFormat,
    get wgslLanguageFeatures() {
      return gpu.wgslLanguageFeatures;
    },
  };
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav) {
    Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  }
}

function label(c: Candidate): string {
  return c.dawnOptions.length ? c.dawnOptions.join(',') : 'default (Vulkan)';
}

function failed(reason: string): WebGpuAdapterProbe {
  return { ok: false, description: '', software: false, dawnOptions: [], compatibility: false, reason };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}
