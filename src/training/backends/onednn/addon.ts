import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ONEDNN_LAYOUTS, type OnednnLayout } from './settings.js';

/** Where `npm run build:native` (node-gyp in native/onednn) puts the addon; the same from src/ and dist/. */
export const ONEDNN_ADDON_PATH = fileURLToPath(new URL('../../../../native/onednn/build/Release/sweep_onednn.node', import.meta.url));

/** Convolution kinds of `conv` (native/onednn/src/conv_geometry.h). */
export const ConvKind = { forward: 0, backwardData: 1, backwardWeights: 2 } as const;
export type ConvKind = (typeof ConvKind)[keyof typeof ConvKind];

/** The N-API surface of native/onednn/src/addon.cc. */
export interface OnednnAddon {
  /** OpenMP threads and primitive layout (0 user, 1 any weights, 2 any) for every following call. */
  configure(threads: number, layout: number): void;
  info(): { version: string; isa: string; threads: number; layout: number; plans: number };
  /**
   * Runs one convolution on float32 tensors inside `heap` (zero-copy), given as byte offsets: forward (x, filter,
   * bias or −1, y), backward data (dy, filter, −1, dx), backward weights (x, dy, −1, dW). `geometry` is
   * [batch, inH, inW, inC, outC, kH, kW, outH, outW, strideH, strideW, padTop, padLeft, padBottom, padRight];
   * layouts NHWC and HWIO. The primitive for each shape is created once and cached.
   */
  conv(
    kind: ConvKind,
    heap: ArrayBuffer,
    aOffset: number,
    bOffset: number,
    biasOffset: number,
    outOffset: number,
    geometry: Int32Array,
    activation: number,
    alpha: number,
  ): void;
  /** oneDNN's implementation name for a convolution (e.g. "jit:avx512_core"); creates its primitive. */
  implementation(kind: ConvKind, geometry: Int32Array, hasBias: boolean, activation: number, alpha: number): string;
  /**
   * The native twin of ../wasm-kernels/batch-norm-training.ts's forward (bit-identical; no oneDNN): x is
   * [rows, channels] channels-last; writes y, the batch mean and the biased variance. Byte offsets into `heap`.
   */
  batchNormTrainForward(
    heap: ArrayBuffer,
    xOffset: number,
    gammaOffset: number,
    betaOffset: number,
    yOffset: number,
    meanOffset: number,
    varianceOffset: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /** The native twin of the backward there: dx, dγ, dβ from dy, x and the forward's statistics. */
  batchNormTrainBackward(
    heap: ArrayBuffer,
    dyOffset: number,
    xOffset: number,
    meanOffset: number,
    varianceOffset: number,
    gammaOffset: number,
    dxOffset: number,
    dGammaOffset: number,
    dBetaOffset: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /**
   * The native twin of ../wasm-kernels/max-pool-grad.ts (bit-identical): dx from dy and x, NHWC. `geometry` is
   * [batch, inH, inW, channels, outH, outW, strideH, strideW, filterH, filterW, padTop, padLeft].
   */
  maxPoolGrad(heap: ArrayBuffer, dyOffset: number, xOffset: number, dxOffset: number, geometry: Int32Array): void;
}

/**
 * Every function OnednnAddon declares, checked on the loaded module: an addon built from older sources (a stale
 * native/onednn/build) loads fine and would only throw at its first call of a missing one, mid-training.
 */
export const ONEDNN_ADDON_EXPORTS = [
  'configure',
  'info',
  'conv',
  'implementation',
  'batchNormTrainForward',
  'batchNormTrainBackward',
  'maxPoolGrad',
] as const satisfies readonly (keyof OnednnAddon)[];

// Compile-time: the list names every member of the interface (a new member fails here until it is listed).
type UncheckedExports = Exclude<keyof OnednnAddon, (typeof ONEDNN_ADDON_EXPORTS)[number]>;
const everyExportChecked: [UncheckedExports] extends [never] ? true : never = true;
void everyExportChecked;

/** The module as OnednnAddon when it exports every function of ONEDNN_ADDON_EXPORTS, else why it cannot be used. */
export function checkOnednnExports(mod: unknown, path: string): OnednnAddon | { error: string } {
  const exports = (typeof mod === 'object' || typeof mod === 'function') && mod !== null ? (mod as Record<string, unknown>) : {};
  const missing = ONEDNN_ADDON_EXPORTS.filter((name) => typeof exports[name] !== 'function');
  if (missing.length === 0) return mod as OnednnAddon;
  return {
    error:
      `the addon at ${path} is stale or not this project's: it does not export ${missing.join(', ')}; ` +
      'rebuild it with `npm run build:native`',
  };
}

export type OnednnLoad =
  | { ok: true; addon: OnednnAddon; version: string; isa: string; threads: number; layout: OnednnLayout }
  | { ok: false; reason: string };

const modules = new Map<string, OnednnAddon | { error: string }>();

/**
 * Loads the addon (once per process and path) and configures it: OpenMP threads and primitive layout, applied to
 * every following call. Says why when it cannot load.
 */
export function loadOnednn(threads: number, layout: OnednnLayout, path = ONEDNN_ADDON_PATH): OnednnLoad {
  let loaded = modules.get(path);
  if (!loaded) {
    loaded = requireAddon(path);
    modules.set(path, loaded);
  }
  if ('error' in loaded) return { ok: false, reason: loaded.error };
  try {
    loaded.configure(threads, ONEDNN_LAYOUTS[layout]);
  } catch (e) {
    return { ok: false, reason: `the addon rejected its settings: ${e instanceof Error ? e.message : String(e)}` };
  }
  const info = loaded.info();
  return { ok: true, addon: loaded, version: info.version, isa: info.isa, threads: info.threads, layout };
}

function requireAddon(path: string): OnednnAddon | { error: string } {
  if (!existsSync(path)) {
    return { error: `the addon is not built (${path} is missing): run \`npm run build:native\` (needs g++, make, python3 and libdnnl-dev)` };
  }
  // libgomp reads this once, when it loads with the addon: idle OpenMP threads sleep instead of spinning while the
  // wasm kernels run between convolutions (matters only with SWEEP_ONEDNN_THREADS > 1).
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
  try {
    return checkOnednnExports(createRequire(import.meta.url)(path) as unknown, path);
  } catch (e) {
    return { error: `the addon failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}
