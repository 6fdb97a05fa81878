import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { SweepError } from '../domain/errors.js';
import { sha256Hex } from './trial-id.js';

/** The module cannot be bundled (missing file, syntax error, an import that does not resolve). */
export class ModuleBundleError extends SweepError {
  override readonly badInput = true;
}

/** The globals the engine sets before it imports a bundle: its own tfjs and zod, which the bundle's imports resolve to. */
export const BUNDLE_GLOBALS = { tfjs: '__sweepTfjs', zod: '__sweepZod' } as const;

export interface ModuleBundle {
  /** One ESM file: the module and its relative imports; tfjs and zod imports read the engine's own. */
  code: string;
  sha256: string;
}

/**
 * Bundles a model module with its imports (esbuild, which ships with tsx) into one ESM file. Imports of
 * `@tensorflow/tfjs*` and `zod` are not bundled: they resolve to the engine's own instances at load time, so the
 * module's layers are built on the worker's backend and its params schema is checked by the spec's zod. The
 * output holds no absolute path, so the same source gives the same sha256 on any machine.
 *
 * Those imports resolve to two tiny shims that exist only in esbuild's memory (the `sweep-engine` namespace of a
 * plugin): no file in a shared directory, so no other local user can put code into a bundle. esbuild runs plugins
 * only in its asynchronous API, and spec loading is synchronous: the build runs on a worker thread that this
 * thread waits for (Atomics.wait), bounded by BUNDLE_TIMEOUT_MS.
 */
export function bundleModule(file: string): ModuleBundle {
  const outcome = buildOnWorker(file);
  if (!outcome.ok) {
    const first = outcome.errors[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
    throw new ModuleBundleError(`cannot bundle ${file}: ${where}${first?.text ?? outcome.message}`);
  }
  return { code: outcome.code, sha256: sha256Hex(outcome.code) };
}

const BUNDLE_TIMEOUT_MS = 120_000;

type BuildOutcome =
  | { ok: true; code: string }
  | { ok: false; message: string; errors: Array<{ text: string; location: { file: string; line: number; column: number } | null }> };

/** The virtual module (in the plugin's `sweep-engine` namespace) each engine import resolves to. */
const SHIM_OF: Record<string, keyof typeof BUNDLE_GLOBALS> = {
  '@tensorflow/tfjs': 'tfjs',
  '@tensorflow/tfjs-core': 'tfjs',
  '@tensorflow/tfjs-layers': 'tfjs',
  zod: 'zod',
};

/**
 * The worker's program (a CommonJS script: `eval` workers are). The options are those of the former buildSync
 * call; the build's working directory is the module's own, so paths esbuild writes into the bundle are relative to
 * the module. Each shim's code reads the global the engine sets to its own instance before it imports a bundle.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { file, dir, esbuildPath, shimOf, globals, port, signal } = workerData;
const esbuild = require(esbuildPath);
const plugin = {
  name: 'sweep-engine-shims',
  setup(build) {
    build.onResolve({ filter: /^(@tensorflow\\/tfjs(-core|-layers)?|zod)$/ }, (args) =>
      Object.hasOwn(shimOf, args.path) ? { path: shimOf[args.path], namespace: 'sweep-engine' } : undefined);
    build.onLoad({ filter: /^(tfjs|zod)$/, namespace: 'sweep-engine' }, (args) => ({
      contents: 'module.exports = globalThis.' + globals[args.path] + ';\\n',
      loader: 'js',
    }));
  },
};
const finish = (message) => {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
};
esbuild
  .build({
    entryPoints: [file], absWorkingDir: dir, bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20',
    plugins: [plugin], minifyWhitespace: true, legalComments: 'none', logLevel: 'silent',
  })
  .then(
    (result) => finish({ ok: true, code: result.outputFiles[0] ? result.outputFiles[0].text : '' }),
    (e) => finish({
      ok: false,
      message: String(e && e.message),
      errors: (e && Array.isArray(e.errors) ? e.errors : []).map((m) => ({
        text: m.text,
        location: m.location ? { file: m.location.file, line: m.location.line, column: m.location.column } : null,
      })),
    }),
  )
  .finally(() => esbuild.stop && esbuild.stop());
`;

/** Runs the esbuild build (with the shim plugin) on a worker thread and waits for its answer. */
function buildOnWorker(file: string): BuildOutcome {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: resolve(file), dir: dirname(resolve(file)), esbuildPath: createRequire(import.meta.url).resolve('esbuild'), shimOf: SHIM_OF, globals: BUNDLE_GLOBALS, port: port2, signal },
    transferList: [port2],
    stdout: true,
    stderr: true,
  });
  try {
    const waited = Atomics.wait(signal, 0, 0, BUNDLE_TIMEOUT_MS);
    const answer = receiveMessageOnPort(port1)?.message as BuildOutcome | undefined;
    if (answer) return answer;
    return { ok: false, message: waited === 'timed-out' ? `esbuild did not finish within ${BUNDLE_TIMEOUT_MS / 1000} s` : 'esbuild gave no answer', errors: [] };
  } finally {
    port1.close();
    void worker.terminate();
  }
}
