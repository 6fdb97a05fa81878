import { trainVgg } from './loop/vgg-trainer.js';
import { trainSleep, trainSpin } from './sleep-trainer.js';
import type { TrainRequest, TrainResult } from './types.js';
import { SweepError } from '../domain/errors.js';

/** A job names a model family this build does not know: retrying cannot help. */
export class UnknownModelFamilyError extends SweepError {}

/**
 * Trains one trial on the current tfjs backend (select it first, see ./backends/).
 * `result.model` is a tf.LayersModel for the 'vgg' family (the caller disposes it).
 */
export async function trainTrial(req: TrainRequest): Promise<TrainResult> {
  const { family } = req.config.model;
  if (family === 'sleep') return trainSleep(req);
  if (family === 'spin') return trainSpin(req);
  // A module's model trains in the same loop as VGG's: only how it is built differs (models/build-model.ts).
  if (family === 'vgg' || family === 'module') return trainVgg(req);
  throw new UnknownModelFamilyError(`model.family '${String(family)}' is unknown; use 'vgg', 'sleep', 'spin' or a model module`);
}
