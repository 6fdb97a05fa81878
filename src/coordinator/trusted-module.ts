import { SweepError } from '../domain/errors.js';
import type { SweepRecord } from '../domain/sweep-record.js';
import type { TrialRecord } from '../domain/trial-record.js';

/** A trial names a model module its sweep record does not: the coordinator refuses to load it. */
export class UntrustedModuleError extends SweepError {}

/**
 * The sha256 of the only model-module bundle the coordinator may import for `record`: the one its sweep record
 * names (written by `launch`, which bundled it). The bundle's own name in the sweep-models store proves nothing,
 * since workers may write that store too; a config naming another hash is refused, never loaded.
 *
 * A sweep record without `moduleBundle` (written by a version before it existed) is refused as well rather than
 * trusting the trial's config: that fallback would load whatever hash a worker wrote, the very attack this stops.
 * Relaunching the same spec records the hash and keeps every completed trial.
 */
export function trustedModuleSha256(sweep: SweepRecord, record: Pick<TrialRecord, 'trialId' | 'config'>): string {
  const named = record.config?.module;
  if (!named) throw new UntrustedModuleError(`trial ${record.trialId}: its config names no model module`);
  const chosen = sweep.moduleBundle;
  const short = (sha: string) => `${sha.slice(0, 12)}…`;
  if (chosen === undefined) {
    throw new UntrustedModuleError(
      `trial ${record.trialId}: sweep ${sweep.id} was launched by an older version that did not record its model module's sha256, so its bundle cannot be told from one a worker stored; relaunch the same spec (completed trials are kept), then export again`,
    );
  }
  if (chosen === null) throw new UntrustedModuleError(`trial ${record.trialId}: its config names model module ${short(named.sha256)}, but sweep ${sweep.id} has none: not loaded`);
  if (named.sha256 !== chosen.sha256) {
    throw new UntrustedModuleError(`trial ${record.trialId}: its config names model module ${short(named.sha256)}, but sweep ${sweep.id} was launched with ${chosen.file} ${short(chosen.sha256)}: not loaded`);
  }
  return chosen.sha256;
}
