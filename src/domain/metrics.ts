import { z } from 'zod';

/**
 * One epoch's metrics, as records and events hold them: the 1-based epoch and numeric metrics under any names.
 * The built-in trainers report every field of EngineEpochMetrics; a command trainer, whatever its program prints.
 */
export const epochMetricsSchema = z.object({ epoch: z.number().int() }).catchall(z.number());
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

/** What the built-in trainers (vgg, sleep, spin) report for every epoch, plus any other numeric metric. */
export const engineEpochMetricsSchema = epochMetricsSchema.extend({
  loss: z.number(),
  accuracy: z.number(),
  val_loss: z.number(),
  val_accuracy: z.number(),
  val_auc: z.number(),
  /** Learning rate used during this epoch. */
  lr: z.number(),
  seconds: z.number(),
  images_per_sec: z.number(),
});
export type EngineEpochMetrics = z.infer<typeof engineEpochMetricsSchema>;

export const samplePredictionSchema = z.object({
  /** Index into the validation split. */
  index: z.number(),
  label: z.number(),
  predicted: z.number(),
  probabilities: z.array(z.number()),
});
export type SamplePrediction = z.infer<typeof samplePredictionSchema>;
