import { SweepError } from './errors.js';

/** An environment setting with a value that cannot be used (exit 2, like a bad flag). */
export class InvalidSettingError extends SweepError {
  override readonly badInput = true;
}

/**
 * A duration setting given in seconds in the environment (e.g. SWEEP_GC_GRACE_S), in ms; `defaultS` when unset or
 * empty. Time-based limits are settings so that a test can cross them. `allowZero` accepts 0 (e.g. "no grace").
 */
export function secondsSetting(name: string, defaultS: number, env: NodeJS.ProcessEnv = process.env, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return defaultS * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0 || (s === 0 && !allowZero)) {
    throw new InvalidSettingError(`${name}=${raw} is not a ${allowZero ? 'non-negative' : 'positive'} number of seconds; unset it for the default of ${defaultS}`);
  }
  return Math.round(s * 1000);
}
