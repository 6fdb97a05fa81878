import type { SpecPath } from './errors.js';
import { crossFieldProblems, type CrossCheckOptions } from './cross-checks.js';
import { schemaProblems } from './issues.js';
import { specSchema, type SpecInput } from './schema.js';
import type { SpecSource } from './source.js';

/** Schema then cross-field checks; throws the first problem (by position in the file) as a SpecError. */
export function validateSpec(data: unknown, source: SpecSource, options: CrossCheckOptions & { preferPrefix?: SpecPath } = {}): SpecInput {
  const schemaIssues = schemaProblems(specSchema, data);
  if (schemaIssues.length > 0) throw source.firstError(schemaIssues, options.preferPrefix);
  const spec = specSchema.parse(data);
  const problems = crossFieldProblems(spec, options);
  if (problems.length > 0) throw source.firstError(problems, options.preferPrefix);
  return spec;
}
