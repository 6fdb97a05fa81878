import { z } from 'zod';
import { blobRefSchema } from './blobs.js';

/** How an exported ONNX model compares with the tfjs model it came from. */
export const onnxCheckSchema = z.object({
  ok: z.boolean(),
  maxAbsDiff: z.number(),
  top1Agreement: z.number(),
  ortP50Ms: z.number(),
  ortP99Ms: z.number(),
  tfjsP50Ms: z.number(),
  /** tfjs latency / ORT latency at batch 1. */
  speedup: z.number(),
  file: z.string().optional(),
});
export type OnnxCheck = z.infer<typeof onnxCheckSchema>;

/** The check fields of anything that holds them (a full verification, a trial's ONNX record), and nothing else. */
export function onnxCheckOf(source: OnnxCheck): OnnxCheck {
  return onnxCheckSchema.parse(source); // z.object drops the keys it does not name
}

/** A trial's recorded export: the check and the model in the sweep-models store. */
export const onnxRecordSchema = onnxCheckSchema.extend({ ref: blobRefSchema });
export type OnnxRecord = z.infer<typeof onnxRecordSchema>;
