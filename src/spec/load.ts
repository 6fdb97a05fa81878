import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ModuleBundleError, bundleModule } from './module-bundle.js';
import { canonicalJson } from './canonical-json.js';
import { exportOf, executionOf, objectiveOf, schedulerOf } from './defaults.js';
import { SpecError } from './errors.js';
import { expandTrials } from './expand.js';
import { commandTemplateProblems } from './command-checks.js';
import { PARAMETERS } from './parameters.js';
import { applyOverrides, applyQuickProfile, type SpecOverrides } from './profile.js';
import { datasetNameSchema } from './schema.js';
import { SpecSource } from './source.js';
import { sha256Hex } from './trial-id.js';
import type { ExpandedSweep } from './types.js';
import { validateSpec } from './validate.js';
import { maxTrialsOf, trialLimitProblem } from './trial-limit.js';

export interface LoadSpecOptions {
  /** Apply the spec's `quick` profile. */
  quick?: boolean;
  overrides?: SpecOverrides;
  /**
   * The most trials the spec may expand to, over its execution.max_trials (default 100,000): a command-line
   * `--max-trials`. It changes no trial, so it is not an override and takes no part in the sweep's identity.
   */
  maxTrials?: number;
}

/** Reads, validates and expands a sweep spec file. Throws SpecError. */
export function loadSpecFile(path: string, opts: LoadSpecOptions = {}): ExpandedSweep {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SpecError(path, 1, 1, `cannot read the spec file (${reason})`, 'check the path; sweeps/ holds the bundled specs');
  }
  return parseSpec(text, path, opts);
}

/** Validates and expands a sweep spec given as YAML text; `file` names it in errors. Throws SpecError. */
export function parseSpec(text: string, file: string, opts: LoadSpecOptions = {}): ExpandedSweep {
  const source = SpecSource.parse(text, file);
  const spec = validateSpec(source.toJS(), source);
  const specHash = sha256Hex(canonicalJson(spec));
  // The quick profile is checked even when not used, so a broken profile shows up before someone needs it.
  const quick = validateSpec(applyQuickProfile(spec), source, { preferPrefix: ['quick'], allowUnreachableConditions: true, allowSchedulerBeyondEpochs: true });
  const { quick: _profile, ...plain } = spec;
  const chosen = opts.quick ? quick : plain;
  checkOverrides(opts.overrides, source, file, spec.trainer !== undefined);
  const effective = validateSpec(applyOverrides(chosen, opts.overrides), source, {
    ...(opts.quick ? { preferPrefix: ['quick'] } : {}),
    allowUnreachableConditions: opts.quick === true || opts.overrides !== undefined,
    allowSchedulerBeyondEpochs: opts.quick === true || opts.overrides !== undefined,
  });
  // Counted, not enumerated: a 600-million-trial grid is refused in milliseconds instead of exhausting memory.
  const maxTrials = maxTrialsOf(effective, opts.maxTrials);
  const tooMany = trialLimitProblem(effective, maxTrials);
  if (tooMany) throw source.error(tooMany, opts.quick ? ['quick'] : undefined);
  const specDir = dirname(resolve(file));
  const module = typeof effective.model === 'object' ? moduleBundleOf(effective.model.module, specDir, source) : null;
  const trials = expandTrials(effective, specDir, module ?? undefined);
  const templateProblems = commandTemplateProblems(trials);
  if (templateProblems.length > 0) throw source.firstError(templateProblems, opts.quick ? ['quick'] : undefined);
  return {
    name: spec.name,
    id: spec.name,
    specHash,
    spec,
    objective: objectiveOf(effective),
    export: exportOf(effective),
    execution: executionOf(effective),
    scheduler: schedulerOf(effective),
    profileNote: profileNoteOf(spec.quick?.note, opts),
    module,
    trials,
  };
}

/** "quick profile: <its note>; --epochs 3": what the findings must say about how these trials differ from the spec. */
function profileNoteOf(quickNote: string | undefined, opts: LoadSpecOptions): string | null {
  const parts: string[] = [];
  if (opts.quick) parts.push(quickNote ? `quick profile: ${quickNote}` : 'quick profile');
  if (opts.overrides?.dataset !== undefined) parts.push(`--dataset ${opts.overrides.dataset}`);
  if (opts.overrides?.epochs !== undefined) parts.push(`--epochs ${opts.overrides.epochs}`);
  return parts.length > 0 ? parts.join('; ') : null;
}

function checkOverrides(overrides: SpecOverrides | undefined, source: SpecSource, file: string, command: boolean): void {
  if (!overrides) return;
  if (overrides.dataset !== undefined && command) {
    const pos = source.positionOf(['trainer']);
    throw new SpecError(file, pos.line, pos.column, '--dataset does not apply to a trainer: the program loads its own data', 'leave --dataset out, or pass the data the program should use as a parameter');
  }
  if (overrides.dataset !== undefined && !datasetNameSchema.safeParse(overrides.dataset).success) {
    const pos = source.positionOf(['dataset', 'name']);
    throw new SpecError(file, pos.line, pos.column, `--dataset ${String(overrides.dataset)} is not a dataset`, `use one of ${datasetNameSchema.options.join(', ')}`);
  }
  if (overrides.epochs !== undefined && !PARAMETERS.epochs.value.safeParse(overrides.epochs).success) {
    const pos = source.positionOf(['training', 'epochs']);
    throw new SpecError(file, pos.line, pos.column, `--epochs ${String(overrides.epochs)} is not a valid epoch count`, 'use a whole number >= 1');
  }
}

/** Bundles a module spec's model module (relative to the spec's directory); a failure is a SpecError at model.module. */
function moduleBundleOf(path: string, specDir: string, source: SpecSource): { file: string; sha256: string; code: string } {
  const file = resolve(specDir, path);
  try {
    return { file: basename(file), ...bundleModule(file) };
  } catch (e) {
    if (!(e instanceof ModuleBundleError)) throw e;
    throw source.error({ path: ['model', 'module'], message: e.message, hint: 'the module is a .ts or .js file that exports build(params, { inputShape, classes, seed, tf }); see docs/module-trainer.md' });
  }
}
