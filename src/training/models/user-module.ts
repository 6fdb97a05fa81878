import * as tf from '@tensorflow/tfjs';
import * as zod from 'zod';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SweepError } from '../../domain/errors.js';
import type { ModuleTrial, Scalar } from '../../domain/trial-config.js';
import type { ModelShape } from './vgg.js';

/** What `build` gets besides the module's params. */
export interface BuildContext {
  inputShape: [number, number, number];
  classes: number;
  /** The trial's seed, for the module's initializers (the engine seeds shuffling and dropout itself). */
  seed: number;
  /** The engine's tfjs, the same instance `import * as tf from '@tensorflow/tfjs'` gives the module. */
  tf: typeof tf;
}

/** A model module, as its bundle exports it. */
export interface UserModule {
  build: (params: Record<string, Scalar>, ctx: BuildContext) => unknown;
  /** Optional: a zod schema of the module's params. */
  params?: { safeParse: (value: unknown) => { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } };
}

/** The module does not export what the contract asks for, or its build failed or returned no model. Not retryable. */
export class ModuleContractError extends SweepError {
  override readonly badInput = true;
}

const loaded = new Map<string, UserModule>();

/**
 * Imports a bundle (spec/module-bundle.ts) once per sha256 in this process. Its tfjs and zod imports read the
 * globals set here: the engine's own instances.
 */
export async function loadUserModule(sha256: string, code: string): Promise<UserModule> {
  const cached = loaded.get(sha256);
  if (cached) return cached;
  Object.assign(globalThis, { __sweepTfjs: tf, __sweepZod: zod });
  const dir = await mkdtemp(join(tmpdir(), 'sweep-module-'));
  const file = join(dir, `${sha256}.mjs`);
  await writeFile(file, code);
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ModuleContractError(`the model module failed to load: ${(e as Error).message}`, { cause: e });
  }
  if (typeof exported.build !== 'function') {
    const names = Object.keys(exported).join(', ') || 'nothing';
    throw new ModuleContractError(`the model module exports no build function (it exports ${names}); export function build(params, { inputShape, classes, seed, tf }) returning a tf.LayersModel`);
  }
  const params = exported.params as UserModule['params'] | undefined;
  if (params !== undefined && typeof params?.safeParse !== 'function') {
    throw new ModuleContractError('the model module exports `params`, but it is not a zod schema (no safeParse)');
  }
  const module: UserModule = { build: exported.build as UserModule['build'], ...(params ? { params } : {}) };
  loaded.set(sha256, module);
  return module;
}

/** Builds a module trial's model; its bundle must have been loaded in this process (loadUserModule). */
export function buildUserModel(trial: ModuleTrial, shape: ModelShape, seed: number): tf.LayersModel {
  const module = loaded.get(trial.sha256);
  if (!module) throw new Error(`model module ${trial.file} (${trial.sha256.slice(0, 12)}) was not loaded in this process`);
  return buildWith(module, trial, shape, seed);
}

/** Calls the module's build and checks that it returned a model of the dataset's shape. */
export function buildWith(module: UserModule, trial: ModuleTrial, shape: ModelShape, seed: number): tf.LayersModel {
  let model: unknown;
  try {
    model = module.build({ ...trial.params }, { inputShape: shape.inputShape, classes: shape.numClasses, seed, tf });
  } catch (e) {
    throw new ModuleContractError(`build() of ${trial.file} threw: ${(e as Error).message}`, { cause: e });
  }
  if (!(model instanceof tf.LayersModel)) {
    throw new ModuleContractError(`build() of ${trial.file} returned ${model === null ? 'null' : typeof model}, not a tf.LayersModel (tf.sequential() or tf.model())`);
  }
  const outputShape = model.outputs[0]?.shape;
  if (model.outputs.length !== 1 || outputShape?.at(-1) !== shape.numClasses) {
    model.dispose();
    throw new ModuleContractError(`build() of ${trial.file} returned a model whose output is ${JSON.stringify(outputShape)}; the engine needs one softmax output of ${shape.numClasses} classes`);
  }
  return model;
}
