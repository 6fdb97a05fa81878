import type { Scalar } from './trial-config.js';

/** The swept parameter that tells a configuration's repeats apart; every other swept parameter names the configuration. */
export const SEED_PARAM = 'seed';

/**
 * The configuration group of a trial: its swept parameters except the seed, as `name=value` sorted by name
 * ("(all)" when only seeds are swept). All seeds of one configuration share it, so early termination decides
 * for them together and the leaderboard's groups stay comparable.
 */
export function configGroup(params: Record<string, Scalar>): string {
  const names = Object.keys(params).filter((n) => n !== SEED_PARAM).sort();
  return names.length === 0 ? '(all)' : names.map((n) => `${n}=${String(params[n])}`).join(', ');
}
