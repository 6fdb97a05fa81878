import { z } from 'zod';
import { blobRefSchema } from './blobs.js';

/** How an exported ONNX model compares with the tfjs model it came from ('parity'; records before kinds have none). */
export const onnxCheckSchema = z.object({
  kind: z.literal('parity').optional(),
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

/**
 * The check of a model a command trainer's program wrote ($SWEEP_OUTPUT_DIR/model.onnx). It has no tfjs twin to
 * compare with: it must load in onnxruntime, run on a batch shaped from its own first input, and its latency is
 * measured. `problem` says why it failed when ok is false.
 */
export const programOnnxCheckSchema = z.object({
  kind: z.literal('program'),
  ok: z.boolean(),
  input: z.object({ name: z.string(), type: z.string(), shape: z.array(z.number()) }),
  outputs: z.array(z.string()),
  /** null when it did not run. */
  ortP50Ms: z.number().nullable(),
  ortP99Ms: z.number().nullable(),
  problem: z.string().optional(),
  file: z.string().optional(),
});
export type ProgramOnnxCheck = z.infer<typeof programOnnxCheckSchema>;
export const programOnnxRecordSchema = programOnnxCheckSchema.extend({ ref: blobRefSchema });
export type ProgramOnnxRecord = z.infer<typeof programOnnxRecordSchema>;

/** Either check, as leaderboards show them. */
export type AnyOnnxCheck = OnnxCheck | ProgramOnnxCheck;
export const anyOnnxRecordSchema = z.union([programOnnxRecordSchema, onnxRecordSchema]);
export type AnyOnnxRecord = z.infer<typeof anyOnnxRecordSchema>;

export const isProgramCheck = (check: AnyOnnxCheck): check is ProgramOnnxCheck => check.kind === 'program';

/** The check fields of a recorded export of either kind (its `ref` dropped). */
export function anyOnnxCheckOf(source: AnyOnnxCheck): AnyOnnxCheck {
  return isProgramCheck(source) ? programOnnxCheckSchema.parse(source) : onnxCheckSchema.parse(source);
}
