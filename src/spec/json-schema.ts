import { z } from 'zod';
import { specSchema } from './schema.js';

/** The JSON Schema of sweep specs (for editors), as committed in sweeps/sweep.schema.json. */
export function sweepJsonSchemaText(): string {
  const schema = z.toJSONSchema(specSchema, { target: 'draft-2020-12', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'sweep spec' }, null, 2)}\n`;
}
