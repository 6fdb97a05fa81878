import type * as tf from '@tensorflow/tfjs';
import type { TrialConfig } from '../../domain/trial-config.js';
import { buildUserModel } from './user-module.js';
import { buildVggModel, type ModelShape } from './vgg.js';

/** The model a trial trains: a user's module's (its bundle loaded in this process), or the VGG family's. */
export function buildModel(config: TrialConfig, shape: ModelShape): tf.LayersModel {
  return config.module ? buildUserModel(config.module, shape, config.seed) : buildVggModel(config.model, shape, config.seed);
}
