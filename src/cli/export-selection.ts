import type { NatsConnection } from 'nats';
import { notExportableReason } from '../coordinator/export-winners.js';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { TrialArgumentError, UnknownSweepArgumentError } from './errors.js';

/**
 * The sweep and trials named on `sweep export`'s command line, checked before anything is exported: an unknown
 * sweep, a trial ID or prefix that names no trial (or several), or a trial that cannot be exported is bad input
 * (exit 2). Returns the full trial IDs, or null when the selection is by --top.
 */
export async function resolveExportArguments(nc: NatsConnection, sweepId: string, trialIds: readonly string[] | undefined): Promise<string[] | null> {
  const sweeps = await SweepStore.open(nc);
  const sweep = (await sweeps.get(sweepId))?.value;
  if (!sweep) {
    const known = (await sweeps.list()).map((s) => s.id);
    throw new UnknownSweepArgumentError(
      `no sweep "${sweepId}" on this broker; ` + (known.length ? `known sweeps: ${known.join(', ')} (see \`sweep list\`)` : 'launch one with `sweep launch <spec>`'),
    );
  }
  if (!trialIds) return null;
  const records = await (await TrialStore.open(nc)).snapshot(sweepId);
  // The sweep lists its trials when launched; a trial's record appears once a worker claims it.
  const ids = [...new Set([...(sweep.trials ?? []).map((t) => t.id), ...records.keys()])];
  const out: string[] = [];
  for (const id of trialIds) {
    const trialId = trialIdOf(ids, id, sweepId);
    const record = records.get(trialId);
    const reason = record ? notExportableReason(record) : 'it has not started yet; only COMPLETED trials have final weights (wait until it finishes)';
    if (reason) throw new TrialArgumentError(`cannot export trial ${trialId}: ${reason}; choose a COMPLETED trial (see \`sweep leaderboard ${sweepId} --trials\`)`);
    if (!out.includes(trialId)) out.push(trialId);
  }
  return out;
}

/** The full ID of the one trial `id` names, exactly or as a prefix. */
function trialIdOf(ids: readonly string[], id: string, sweepId: string): string {
  if (ids.includes(id)) return id;
  const matches = ids.filter((t) => t.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  const known = ids.slice(0, 12).map((k) => k.slice(0, 8));
  const why = matches.length > 1 ? `"${id}" matches ${matches.length} trials; give more characters` : `no trial "${id}" in sweep ${sweepId}`;
  throw new TrialArgumentError(`${why}; its trials are: ${known.join(', ') || '(none)'}${ids.length > known.length ? ', …' : ''} (see \`sweep leaderboard ${sweepId} --trials\`)`);
}
