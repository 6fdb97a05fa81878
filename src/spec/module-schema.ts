import { z } from 'zod';
import { freeParametersSchema } from './command-schema.js';
import { quickSchema, specSchema } from './schema.js';

/**
 * The spec of a sweep over a user's model module (`model: { module: ./model.ts }`): the built-in engine trains it
 * (dataset, training, callbacks, checkpoints, export as for vgg), but its parameters are free: the engine's own
 * (optimizer, learning_rate, momentum, epochs, batch_size) and any the module takes, checked by the module's
 * `params` zod schema when it exports one (coordinator/module-check.ts).
 */
export const moduleSpecSchema = specSchema.extend({
  model: z.strictObject({ module: z.string().min(1).describe("the model module (.ts or .js), relative to the spec file's directory") }),
  parameters: freeParametersSchema.optional(),
  quick: quickSchema.extend({ parameters: freeParametersSchema.optional() }).describe('profile applied by --quick').optional(),
});

/** `model:` given as a mapping makes a document a module spec. */
export function isModuleSpecDocument(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const model = (data as Record<string, unknown>).model;
  return typeof model === 'object' && model !== null && !Array.isArray(model);
}
