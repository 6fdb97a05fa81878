// Writes sweeps/sweep.schema.json from the zod schema in src/spec/schema.ts. Run: npx tsx scripts/emit-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sweepJsonSchemaText } from '../src/spec/json-schema.js';

const target = fileURLToPath(new URL('../sweeps/sweep.schema.json', import.meta.url));
writeFileSync(target, sweepJsonSchemaText());
console.log(`wrote ${target}`);
