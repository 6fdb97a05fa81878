import type { Leaderboard } from '../leaderboard/types.js';

/**
 * The leaderboard as JSON (schema: src/report/leaderboard/types.ts, schemaVersion 1). Early termination shows as
 * `pruned` (groups stopped at a rung: rung, mean there, label; never ranked), `prunedAt` on pruned trials (rank
 * null) and `earlyTermination` (epochs trained vs planned, groups pruned, and the summary `line`). Every summary
 * states how its `ci95` was computed in `ci95Method` ('t', or 'logit-t' for metrics bounded in [0, 1]); `findings`
 * gives each swept factor's level effects with their method, CI, p and sentence (docs/statistics.md).
 */
export function renderJson(lb: Leaderboard): string {
  return (
    JSON.stringify(
      lb,
      (key, value: unknown) => {
        if (typeof value === 'number' && !Number.isFinite(value)) {
          throw new Error(`leaderboard field '${key}' is ${value}; the JSON schema allows only finite numbers or null`);
        }
        return value;
      },
      2,
    ) + '\n'
  );
}
