import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { canonicalJson, SpecSource, type ExpandedSweep } from '../spec/index.js';
import { datasetOf } from '../domain/trial-config.js';
import { selectBackend } from '../training/backends/index.js';
import { declaredShape } from '../training/datasets/declared-shape.js';
import { ModuleContractError, buildWith, loadUserModule } from '../training/models/user-module.js';

const HINT = 'a model module exports build(params, { inputShape, classes, seed, tf }) returning a tf.LayersModel, and optionally `params`, a zod schema of its params; see docs/module-trainer.md';

/**
 * What can be known of a module spec before anything is published (--dry-run included), as spec errors at the
 * spec's file:line:col: the bundle loads and exports `build`; each distinct set of the module's params passes its
 * `params` schema; and `build` returns a model of the dataset's shape for the first trial.
 */
export async function checkModuleSweep(sweep: ExpandedSweep, specFile: string): Promise<void> {
  if (!sweep.module) return;
  const source = (): SpecSource => SpecSource.parse(readFileSync(specFile, 'utf8'), specFile);
  let module;
  try {
    module = await loadUserModule(sweep.module.sha256, sweep.module.code);
  } catch (e) {
    if (e instanceof ModuleContractError) throw source().error({ path: ['model', 'module'], message: `${sweep.module.file}: ${e.message}`, hint: HINT });
    throw e;
  }
  if (module.params) {
    const seen = new Set<string>();
    for (const trial of sweep.trials) {
      const params = trial.config.module?.params ?? {};
      const key = canonicalJson(params);
      if (seen.has(key)) continue;
      seen.add(key);
      const result = module.params.safeParse(params);
      const issue = result.success ? undefined : result.error?.issues[0];
      if (result.success || !issue) continue;
      const name = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
      const written = name !== undefined && sweep.trials.some((t) => t.config.params[name] !== undefined || t.config.module?.params[name] !== undefined);
      throw source().error({
        path: written && name !== undefined ? ['parameters', name] : ['model', 'module'],
        message: `${name ?? 'the params'} of trial #${trial.index}: ${issue.message} (the params schema of ${sweep.module.file})`,
        hint: written ? 'use a value the module accepts' : `set ${name ?? 'the missing parameter'} under parameters`,
      });
    }
  }
  const first = sweep.trials[0];
  if (!first?.config.module) return;
  // PROD: the cpu backend's advice to install tfjs-node (a console.warn at its first tensor) is not for a spec check.
  tf.env().set('PROD', true);
  await selectBackend('cpu', () => undefined);
  try {
    buildWith(module, first.config.module, declaredShape(datasetOf(first.config)), first.config.seed).dispose();
  } catch (e) {
    if (e instanceof ModuleContractError) throw source().error({ path: ['model', 'module'], message: e.message, hint: HINT });
    throw e;
  }
}
