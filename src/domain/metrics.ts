import { z } from 'zod';

/**
 * One epoch's metrics. Open: the known fields plus any other numeric metric a trainer reports under its own name.
 */
export const epochMetricsSchema = z
  .object({
    /** 1-based. */
    epoch: z.number().int(),
    loss: z.number(),
    accuracy: z.number(),
    val_loss: z.number(),
    val_accuracy: z.number(),
    val_auc: z.number(),
    /** Learning rate used during this epoch. */
    lr: z.number(),
    seconds: z.number(),
    images_per_sec: z.number(),
  })
  .catchall(z.number());
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

export const samplePredictionSchema = z.object({
  /** Index into the validation split. */
  index: z.number(),
  label: z.number(),
  predicted: z.number(),
  probabilities: z.array(z.number()),
});
export type SamplePrediction = z.infer<typeof samplePredictionSchema>;
