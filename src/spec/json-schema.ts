import { z } from 'zod';
import { commandSpecSchema } from './command-schema.js';
import { moduleSpecSchema } from './module-schema.js';
import { specSchema } from './schema.js';

/**
 * The JSON Schema of sweep specs (for editors), as committed in sweeps/sweep.schema.json: one of a built-in model's
 * spec (`model: vgg`), a model module's (`model: { module: ... }`) and a program's (`trainer:`).
 */
export function sweepJsonSchemaText(): string {
  const schema = z.toJSONSchema(z.union([specSchema, moduleSpecSchema, commandSpecSchema]), { target: 'draft-2020-12', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'sweep spec' }, null, 2)}\n`;
}
