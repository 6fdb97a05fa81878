import { dirname, isAbsolute, resolve } from 'node:path';
import type { SweepRecord } from '../domain/sweep-record.js';
import { canonicalJson } from '../spec/canonical-json.js';
import { SpecError } from '../spec/errors.js';
import { expandTrials } from '../spec/expand.js';
import { SpecSource } from '../spec/source.js';
import type { SpecInput } from '../spec/spec-input.js';
import { sha256Hex } from '../spec/trial-id.js';
import { validateSpec } from '../spec/validate.js';

/** The trials of a sweep (trial ID → index), or why they cannot be known exactly. */
export type SpecTrials = { trials: ReadonlyMap<string, number> } | { refused: string };

/**
 * The trials of a sweep whose record lists only their count (over 10,000), re-expanded from the spec it stores.
 * Re-expansion is exact only when the record holds everything the launch's expansion read, so it is refused when:
 * - the record has no spec, or the spec does not hash to the recorded spec hash;
 * - the trials were launched with the quick profile or an override (`profileNote`): the record keeps them only as a
 *   note for people, and an older record (no `profileNote` field) cannot say there were none;
 * - a module spec's record holds no module hash (the bundle is part of every trial ID; re-bundling the file today
 *   could give another one);
 * - a command spec was launched by a relative path: its trainer's working directory, part of every trial ID, was
 *   resolved against the launch's current directory, which the record does not keep;
 * - the expansion gives another number of trials than the record counts.
 * The trials of a spec that `--extend` replaced are not re-expanded: they stay without a job (refused, not wrong).
 */
export function reexpandSweepTrials(sweep: SweepRecord): SpecTrials {
  const refused = (why: string): SpecTrials => ({ refused: `its record lists no trials (over 10,000) and its spec cannot be re-expanded exactly: ${why}` });
  const stored = sweep.spec;
  if (stored === undefined || stored === null || typeof stored !== 'object' || Array.isArray(stored)) return refused('the record holds no spec');
  if (sha256Hex(canonicalJson(stored)) !== sweep.specHash) return refused('the stored spec does not hash to the recorded spec hash');
  if (sweep.profileNote === undefined) return refused('the record predates profileNote, so the quick profile or overrides it was launched with are unknown');
  if (sweep.profileNote !== null) return refused(`it was launched with ${sweep.profileNote}, which the record keeps only as a note`);
  const { quick: _quick, ...plain } = stored as SpecInput;
  let spec: SpecInput;
  try {
    spec = validateSpec(plain, SpecSource.parse(JSON.stringify(plain), sweep.specFile));
  } catch (e) {
    if (e instanceof SpecError) return refused(`the stored spec no longer validates (${e.message.split('\n')[0]})`);
    throw e;
  }
  const isModule = typeof spec.model === 'object';
  if (isModule && !sweep.moduleBundle) return refused("the record holds no model module's sha256");
  if (spec.trainer && !isAbsolute(sweep.specFile)) return refused(`its trainer's working directory was resolved from the relative spec path ${sweep.specFile}`);
  const trials = expandTrials(spec, dirname(resolve(sweep.specFile)), isModule && sweep.moduleBundle ? sweep.moduleBundle : undefined);
  if (trials.length !== sweep.trialCount) return refused(`it expands to ${trials.length} trials, the record counts ${sweep.trialCount}`);
  return { trials: new Map(trials.map((t) => [t.id, t.index])) };
}
