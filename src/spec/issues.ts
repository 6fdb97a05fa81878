import { z } from 'zod';
import { formatPath, type SpecPath, type SpecProblem } from './errors.js';
import { isParameterName, PARAMETERS } from './parameters.js';
import { parameterForms, SCHEDULER_TYPES, schedulerForms } from './schema.js';
import { suggestionHint } from './suggest.js';

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

/** Validates `data` against `schema`, returning every problem in spec terms (empty when valid). */
export function schemaProblems(schema: z.ZodType, data: unknown, basePath: SpecPath = []): SpecProblem[] {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => issueProblems(issue, schema, basePath));
}

function issueProblems(issue: Issue, schema: z.ZodType, basePath: SpecPath): SpecProblem[] {
  const path = [...basePath, ...(issue.path as (string | number)[])];
  const where = formatPath(path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (input === undefined) {
        const key = String(path[path.length - 1]);
        const parent = formatPath(path.slice(0, -1));
        return [{ path, message: `missing required key '${key}' in ${parent}`, hint: `add '${key}:' (${expected})` }];
      }
      if (input === null) return [{ path, message: `${where} has no value`, hint: `write ${expected} after the colon, or remove the key` }];
      return [{ path, message: `${where} must be ${expected}, got ${describeValue(input)}`, hint: typeHint(issue.expected) }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const message =
        allowed.length === 1
          ? `${where} must be '${allowed[0]}', got ${describeValue(input)}`
          : `${where} must be one of ${allowed.join(', ')}; got ${describeValue(input)}`;
      return [{ path, message, hint: suggestionHint(String(input), allowed) }];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum;
      if (issue.origin === 'array') {
        return [{ path, message: `${where} must not be empty`, hint: 'list at least one value, or remove the key' }];
      }
      if (issue.origin === 'string') {
        return [{ path, message: `${where} must be at most ${String(limit)} characters`, hint: 'use a shorter value' }];
      }
      const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      return [{ path, message: `${where} must be ${op} ${String(limit)}, got ${describeValue(input)}`, hint: `use a value ${op} ${String(limit)}` }];
    }
    case 'unrecognized_keys': {
      const allowed = isSchedulerPath(path) ? schedulerKeys(input) : objectKeysAt(schema, issue.path as (string | number)[]);
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key' as const,
        message: `unknown key '${key}' in ${where}`,
        hint: key === 'seed' && path[0] === 'parameters' ? 'trial seeds are set with the top-level seeds or repeats' : suggestionHint(key, allowed, 'allowed keys'),
      }));
    }
    case 'invalid_union': {
      const isParameter = (path.length === 2 && path[0] === 'parameters') || (path.length === 3 && path[0] === 'quick' && path[1] === 'parameters');
      const explained = isParameter ? parameterProblems(path, input) : isSchedulerPath(path) ? schedulerProblems(path, input) : [];
      if (explained.length > 0) return explained;
      return [{ path, message: `${where} ${issue.message}`, hint: 'see docs/spec.md for the accepted forms' }];
    }
    case 'invalid_key': {
      // A record key its schema refused (a command spec's parameter, metric or env name).
      const key = String(path[path.length - 1]);
      const why = (issue as { issues?: Array<{ message: string }> }).issues?.[0]?.message ?? issue.message;
      const fixed = key.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
      return [{ path, at: 'key', message: `${formatPath(path.slice(0, -1))}: '${key}' is not a valid name: ${why}`, hint: `rename it, e.g. ${fixed}` }];
    }
    case 'invalid_format':
      return [{ path, message: `${where} ${issue.message} (got ${describeValue(input)})`, hint: "for example 'my-sweep-2'" }];
    default:
      return [{ path, message: `${where}: ${issue.message}`, hint: 'see docs/spec.md' }];
  }
}

/** A parameter failed every form: pick the form it was meant to be by its shape and explain that one. */
function parameterProblems(path: SpecPath, input: unknown): SpecProblem[] {
  const name = String(path[path.length - 1]);
  if (!isParameterName(name)) return [];
  const forms = parameterForms(PARAMETERS[name]);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    if (Array.isArray(input)) {
      return [{ path, message: `parameter ${name} is a plain list`, hint: `write a grid as ${name}: { values: [...] }` }];
    }
    return schemaProblems(forms.scalar, input, path);
  }
  const obj = input as Record<string, unknown>;
  if ('distribution' in obj) {
    const kind = obj.distribution;
    const allowed = Object.keys(forms.distributions);
    const schema = typeof kind === 'string' ? forms.distributions[kind] : undefined;
    if (!schema) {
      return [
        {
          path: [...path, 'distribution'],
          message: `parameter ${name} cannot use distribution ${describeValue(kind)}; it allows ${allowed.join(', ')}`,
          hint: PARAMETERS[name].kind === 'name' ? `${name} takes names: use distribution: choice` : suggestionHint(String(kind), allowed),
        },
      ];
    }
    return schemaProblems(schema, input, path);
  }
  if ('values' in obj) return schemaProblems(forms.grid, input, path);
  if ('value' in obj) return schemaProblems(forms.fixed, input, path);
  const keys = Object.keys(obj);
  const hint = keys.length > 0 ? suggestionHint(keys[0] ?? '', ['values', 'value', 'distribution', 'when'], 'allowed keys') : 'write a value, { values: [...] } or { distribution: ... }';
  return [
    {
      path,
      message: `parameter ${name} must be a value, { values: [...] } (grid) or { distribution: ... } (random)`,
      hint,
    },
  ];
}

/** `scheduler` or `quick.scheduler`. */
function isSchedulerPath(path: SpecPath): boolean {
  return (path.length === 1 && path[0] === 'scheduler') || (path.length === 2 && path[0] === 'quick' && path[1] === 'scheduler');
}

function schedulerKeys(input: unknown): string[] {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  const form = typeof type === 'string' && type in schedulerForms ? schedulerForms[type as keyof typeof schedulerForms] : undefined;
  return form ? Object.keys(form.shape) : [];
}

/** A scheduler block matched no form: a mapping without a known type, or not a name or a mapping at all. */
function schedulerProblems(path: SpecPath, input: unknown): SpecProblem[] {
  const types = z.enum(SCHEDULER_TYPES);
  if (typeof input === 'string') return schemaProblems(types, input, path);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (!('type' in input)) {
      return [{ path, message: `missing required key 'type' in ${formatPath(path)}`, hint: `add 'type:' (${SCHEDULER_TYPES.join(', ')})` }];
    }
    const type = input.type;
    // A known type whose fields are wrong: explain that form (the union itself only says "invalid input").
    if (typeof type === 'string' && type in schedulerForms) return schemaProblems(schedulerForms[type as keyof typeof schedulerForms], input, path);
    return schemaProblems(types, type, [...path, 'type']);
  }
  return [
    {
      path,
      message: `${formatPath(path)} must be ${SCHEDULER_TYPES.join(', ')} or a mapping { type: ..., ... }; got ${describeValue(input)}`,
      hint: 'for example scheduler: { type: asha, grace_epochs: 1, reduction_factor: 3 }',
    },
  ];
}

/** The keys an object schema at `path` allows, for "did you mean" hints. */
function objectKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of [...path, null]) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    if (segment === null) break;
    if (current instanceof z.ZodObject) current = current.shape[String(segment)] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function typeHint(expected: string): string {
  if (expected === 'int') return 'write a whole number such as 3';
  if (expected === 'object') return 'write a mapping of keys, e.g. { key: value } or indented lines';
  if (expected === 'array') return 'write a list, e.g. [1, 2, 3]';
  if (expected === 'string') return 'write text; quote it if YAML reads it as a number or boolean';
  return `write ${EXPECTED[expected] ?? expected}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}
