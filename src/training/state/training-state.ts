import type { EarlyStoppingState } from '../callbacks/early-stopping.js';
import type { ReduceLROnPlateauState } from '../callbacks/reduce-lr-on-plateau.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import { decodeContainer, encodeContainer, type NamedTensorData } from './container.js';

/** Everything besides tensors that a resumed trial needs to continue exactly. */
export interface TrainingStateMeta {
  kind: 'vgg';
  seed: number;
  epoch: number;
  learningRate: number;
  optimizer: { name: string; iterations: number };
  randomState: number;
  reduceLr: ReduceLROnPlateauState | null;
  earlyStopping: EarlyStoppingState | null;
  epochs: EngineEpochMetrics[];
}

export interface TrainingStateTensors {
  weights: NamedTensorData[];
  slots: NamedTensorData[];
  /** Early stopping's best weights (restore_best_weights), if any. */
  best: NamedTensorData[] | null;
}

const GROUPS = ['weights', 'slots', 'best'] as const;

export function encodeTrainingState(meta: TrainingStateMeta, tensors: TrainingStateTensors): Uint8Array {
  const all = GROUPS.flatMap((group) => (tensors[group] ?? []).map((t) => ({ ...t, name: `${group}:${t.name}` })));
  return encodeContainer({ ...meta, hasBest: tensors.best !== null }, all);
}

export function decodeTrainingState(bytes: Uint8Array): { meta: TrainingStateMeta; tensors: TrainingStateTensors } {
  const { meta, tensors } = decodeContainer(bytes);
  const m = meta as TrainingStateMeta & { hasBest: boolean };
  if (m.kind !== 'vgg') throw new Error(`training state is of kind '${String(m.kind)}', expected 'vgg'`);
  const group = (name: string) => tensors.filter((t) => t.name.startsWith(`${name}:`));
  return {
    meta: m,
    tensors: { weights: group('weights'), slots: group('slots'), best: m.hasBest ? group('best') : null },
  };
}
