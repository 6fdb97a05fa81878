import type { SpecPath } from './errors.js';
import { crossFieldProblems, type CrossCheckOptions } from './cross-checks.js';
import { schemaProblems } from './issues.js';
import { specSchema } from './schema.js';
import type { SpecInput } from './spec-input.js';
import { commandSpecSchema, isCommandSpecDocument } from './command-schema.js';
import { isModuleSpecDocument, moduleSpecSchema } from './module-schema.js';
import type { SpecProblem } from './errors.js';
import type { SpecSource } from './source.js';

/** Schema then cross-field checks; throws the first problem (by position in the file) as a SpecError. */
export function validateSpec(data: unknown, source: SpecSource, options: CrossCheckOptions & { preferPrefix?: SpecPath } = {}): SpecInput {
  const command = isCommandSpecDocument(data);
  const kindIssues = command ? commandOnlyProblems(data as Record<string, unknown>) : [];
  if (kindIssues.length > 0) throw source.firstError(kindIssues, options.preferPrefix);
  const schema = command ? commandSpecSchema : isModuleSpecDocument(data) ? moduleSpecSchema : specSchema;
  const schemaIssues = schemaProblems(schema, data);
  if (schemaIssues.length > 0) throw source.firstError(schemaIssues, options.preferPrefix);
  const spec = schema.parse(data) as SpecInput;
  const problems = crossFieldProblems(spec, options);
  if (problems.length > 0) throw source.firstError(problems, options.preferPrefix);
  return spec;
}

/** Keys of a built-in model's spec that a command spec (`trainer:`) must not have, with why. */
function commandOnlyProblems(doc: Record<string, unknown>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (doc.model !== undefined) {
    problems.push({ path: ['model'], at: 'key', message: 'model and trainer are both given', hint: 'a spec trains a built-in model (model: vgg) or your own program (trainer: { command: [...] }); keep one' });
  }
  if (doc.dataset !== undefined) {
    problems.push({ path: ['dataset'], at: 'key', message: 'dataset does not apply to a trainer: your program loads its own data', hint: 'remove dataset; pass what the program needs as parameters ({name} placeholders)' });
  }
  return problems;
}
