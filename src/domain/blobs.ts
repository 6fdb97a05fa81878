import { z } from 'zod';

/** An object in a JetStream object store, with the digest it was stored with. */
export const blobRefSchema = z.object({
  name: z.string(),
  sha256: z.string(),
  bytes: z.number(),
});
export type BlobRef = z.infer<typeof blobRefSchema>;

/** A stored training state, saved at the end of `epoch`. */
export const checkpointRefSchema = blobRefSchema.extend({ epoch: z.number() });
export type CheckpointRef = z.infer<typeof checkpointRefSchema>;
