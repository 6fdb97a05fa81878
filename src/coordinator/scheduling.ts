import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import type { PruneDecision, SchedulerConfig } from '../domain/scheduler.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { DecisionStore } from '../transport/decision-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { createScheduler, type GroupDecision } from './schedulers/index.js';
import { RecordFeed } from './record-feed.js';

export interface SchedulingSettings {
  sweepId: string;
  config: SchedulerConfig;
  /** Every trial of the sweep and its configuration group (configGroup of its params). */
  groups: ReadonlyMap<string, string>;
  log: Logger;
}

export interface SchedulingHandle {
  /** STOP decisions made so far (groups). */
  readonly stopped: number;
  stop(): Promise<void>;
}

/**
 * Early termination while `launch` or `attach` follows a sweep. The scheduler decides on facts: the trial records
 * (KV `sweep-trials`, each written by its owning attempt with compare-and-set), which carry every epoch's metrics,
 * not the unacknowledged epoch events (a lost event would leave a rung unjudged, or judged on the wrong
 * evidence). Each new epoch of a record feeds the pure scheduler (./schedulers/) with the attempt that trained
 * it, and a terminal record ends its trial; each STOP becomes a PruneDecision for every trial of its group in KV
 * `sweep-decisions`, which the trials' owners apply at their next epoch boundary. An `attach` after a coordinator
 * restart rebuilds the scheduler from the records as they are, and decisions already stored are kept.
 */
export async function startScheduling(nc: NatsConnection, s: SchedulingSettings): Promise<SchedulingHandle> {
  const membership = new Map<string, string[]>();
  for (const [trialId, group] of s.groups) membership.set(group, [...(membership.get(group) ?? []), trialId]);
  const scheduler = createScheduler(s.config, membership);
  const store = await DecisionStore.open(nc);
  const trials = await TrialStore.open(nc);
  const reader = new RecordFeed(s.config.metric);
  let stopped = 0;
  let failed = false;

  const apply = async (decisions: GroupDecision[]) => {
    for (const d of decisions) {
      if (d.decision !== 'STOP') continue;
      stopped++;
      const at = new Date().toISOString();
      let created = 0;
      for (const trialId of membership.get(d.group) ?? []) {
        const decision: PruneDecision = {
          v: 1, sweepId: s.sweepId, trialId, group: d.group, scheduler: d.scheduler, epoch: d.epoch,
          value: finiteOrNull(d.value), cutoff: finiteOrNull(d.cutoff), at,
        };
        if ((await store.put(decision)).created) created++;
      }
      if (created > 0) s.log.info({ group: d.group, epoch: d.epoch, value: d.value, cutoff: d.cutoff, compared: d.compared }, `early termination: group ${d.group} pruned at epoch ${d.epoch}`);
    }
  };

  const onRecord = async (r: TrialRecord) => {
    const group = s.groups.get(r.trialId);
    if (group === undefined || scheduler.isStopped(group)) return;
    for (const input of reader.inputs(r)) {
      if (input.kind === 'result') await apply(scheduler.onResult({ ...input, group }));
      else await apply(scheduler.onTrialEnd({ ...input, group }));
    }
  };

  // Records arrive from the watch in revision order; decisions are made and stored one record at a time.
  let queue: Promise<void> = Promise.resolve();
  const watch = await trials.watch(
    s.sweepId,
    (r) => {
      queue = queue.then(() => (failed ? undefined : onRecord(r))).catch((err: unknown) => {
        failed = true;
        s.log.error({ err }, 'early termination stopped: a decision could not be stored');
      });
    },
    (key, err) => s.log.warn({ key, err }, 'malformed trial record ignored by the scheduler'),
  );

  return {
    get stopped() {
      return stopped;
    },
    async stop() {
      await watch.stop();
      await queue;
    },
  };
}

const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

/** Each trial's group from the sweep record's trial list; null when the record predates groups or lists no trials. */
export function groupsOfSweep(trials: readonly { id: string; group?: string | undefined }[] | null): Map<string, string> | null {
  if (!trials || trials.some((t) => t.group === undefined)) return null;
  return new Map(trials.map((t) => [t.id, t.group!]));
}
