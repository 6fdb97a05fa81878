import { buildSync } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 */
export function bundleModule(file: string): ModuleBundle {
  const shims = shimDir();
  const result = (() => {
    try {
      return buildSync({
        entryPoints: [file],
        absWorkingDir: shims,
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        alias: {
          '@tensorflow/tfjs': join(shims, 'sweep-tfjs.cjs'),
          '@tensorflow/tfjs-core': join(shims, 'sweep-tfjs.cjs'),
          '@tensorflow/tfjs-layers': join(shims, 'sweep-tfjs.cjs'),
          zod: join(shims, 'sweep-zod.cjs'),
        },
        minifyWhitespace: true,
        legalComments: 'none',
        logLevel: 'silent',
      });
    } catch (e) {
      const errors = (e as { errors?: Array<{ text: string; location: { file: string; line: number; column: number } | null }> }).errors ?? [];
      const first = errors[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
      throw new ModuleBundleError(`cannot bundle ${file}: ${where}${first?.text ?? (e as Error).message}`, { cause: e });
    }
  })();
  const code = result.outputFiles[0]?.text ?? '';
  return { code, sha256: sha256Hex(code) };
}

/** Where the shims live: a fixed directory, so their paths in the bundle (relative to it) never change. */
function shimDir(): string {
  const dir = join(tmpdir(), 'sweep-module-shims');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sweep-tfjs.cjs'), `module.exports = globalThis.${BUNDLE_GLOBALS.tfjs};\n`);
  writeFileSync(join(dir, 'sweep-zod.cjs'), `module.exports = globalThis.${BUNDLE_GLOBALS.zod};\n`);
  return dir;
}
