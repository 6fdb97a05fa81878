import type { Leaderboard } from '../leaderboard/types.js';

/** The leaderboard as JSON (schema: src/report/leaderboard/types.ts, schemaVersion 1). */
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
