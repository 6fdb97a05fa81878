import type { SpecInput } from './spec-input.js';
import type { DatasetName } from '../domain/trial-config.js';

export interface SpecOverrides {
  dataset?: DatasetName;
  epochs?: number;
}

/**
 * The spec with its quick profile applied. Entries replace whole: parameters.<name>, training.<key>,
 * dataset.<key> (dataset.subset per split), the seed axis (seeds/repeats), samples and scheduler.
 */
export function applyQuickProfile(spec: SpecInput): SpecInput {
  const { quick, ...base } = spec;
  if (!quick) return base;
  const merged: SpecInput = {
    ...base,
    training: { ...base.training, ...quick.training },
    parameters: { ...base.parameters, ...quick.parameters },
  };
  if (quick.dataset && base.dataset) {
    const { subset, ...rest } = quick.dataset;
    merged.dataset = withDatasetName({ ...base.dataset, ...rest, subset: { ...base.dataset.subset, ...subset } }, base.dataset.name, quick.dataset.synthetic !== undefined);
  }
  if (quick.seeds !== undefined || quick.repeats !== undefined) {
    delete merged.seeds;
    delete merged.repeats;
    if (quick.seeds !== undefined) merged.seeds = quick.seeds;
    if (quick.repeats !== undefined) merged.repeats = quick.repeats;
  }
  if (quick.samples !== undefined) merged.samples = quick.samples;
  if (quick.scheduler !== undefined) merged.scheduler = quick.scheduler;
  dropParametersFixedByTraining(merged, quick.training ?? {});
  return merged;
}

/** Command-line overrides (--dataset, --epochs) on top of the (possibly quick) spec. */
export function applyOverrides(spec: SpecInput, overrides: SpecOverrides | undefined): SpecInput {
  if (!overrides) return spec;
  const out: SpecInput = { ...spec, training: { ...spec.training }, parameters: { ...spec.parameters } };
  if (overrides.dataset !== undefined && spec.dataset) {
    out.dataset = withDatasetName({ ...spec.dataset, name: overrides.dataset }, spec.dataset.name, false);
  }
  if (overrides.epochs !== undefined) {
    out.training = { ...out.training, epochs: overrides.epochs };
    dropParametersFixedByTraining(out, { epochs: overrides.epochs });
  }
  return out;
}

/** A dataset renamed away from synthetic loses its synthetic options (unless new ones were given). */
function withDatasetName<T extends { name?: DatasetName; synthetic?: unknown }>(dataset: T, previousName: DatasetName, syntheticGiven: boolean): T {
  if (dataset.name !== previousName && dataset.name !== 'synthetic' && !syntheticGiven) {
    const { synthetic: _dropped, ...rest } = dataset;
    return rest as T;
  }
  return dataset;
}

/** A profile or override that fixes epochs/batch_size in training wins over a swept parameter of that name. */
function dropParametersFixedByTraining(spec: SpecInput, training: { epochs?: number; batch_size?: number }): void {
  if (!spec.parameters) return;
  for (const key of ['epochs', 'batch_size'] as const) {
    if (training[key] !== undefined) delete spec.parameters[key];
  }
}
