import type { ExpandedSweep } from '../spec/types.js';

export interface LaunchVariant {
  quick?: boolean;
  dataset?: string;
  epochs?: number;
}

/**
 * A quick run or a dataset override trains different trials than the full spec: they get their own sweep ID,
 * so their results never mix into the full study's leaderboard.
 */
export function effectiveSweepId(sweep: ExpandedSweep, v: LaunchVariant): string {
  let id = sweep.id;
  if (v.quick) id += '-quick';
  if (v.dataset) id += `-${v.dataset}`;
  if (v.epochs !== undefined) id += `-e${v.epochs}`;
  return id;
}
