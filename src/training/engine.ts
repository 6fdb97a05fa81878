import { trainVgg } from './loop/vgg-trainer.js';
import { trainSleep } from './sleep-trainer.js';
import type { TrainRequest, TrainResult } from './types.js';

/**
 * Trains one trial on the current tfjs backend (select it first, see ./backends/).
 * `result.model` is a tf.LayersModel for the 'vgg' family (the caller disposes it).
 */
export async function trainTrial(req: TrainRequest): Promise<TrainResult> {
  const { family } = req.config.model;
  if (family === 'sleep') return trainSleep(req);
  if (family === 'vgg') return trainVgg(req);
  throw new Error(`model.family '${String(family)}' is unknown; use 'vgg' or 'sleep'`);
}
