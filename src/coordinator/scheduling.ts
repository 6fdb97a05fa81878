import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import type { PruneDecision, SchedulerConfig } from '../domain/scheduler.js';
import type { TrialEvent } from '../domain/trial-event.js';
import { isTerminal } from '../domain/trial-state.js';
import { DecisionStore } from '../transport/decision-store.js';
import { decodeEventBatch } from '../transport/events.js';
import { EVENTS_STREAM, sweepEventsFilter } from '../transport/names.js';
import { createScheduler, type GroupDecision } from './schedulers/index.js';

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
 * Early termination while `launch` or `attach` follows a sweep: the sweep's events, read in stream order from the
 * first one, feed a pure scheduler (./schedulers/); each STOP becomes a PruneDecision for every trial of its
 * group in KV `sweep-decisions`, which the trials' owners apply at their next epoch boundary. Replaying the same
 * stream rebuilds the same decisions, so an `attach` after a coordinator restart goes on where it left off
 * (decisions already stored are kept as they are).
 */
export async function startScheduling(nc: NatsConnection, s: SchedulingSettings): Promise<SchedulingHandle> {
  const membership = new Map<string, string[]>();
  for (const [trialId, group] of s.groups) membership.set(group, [...(membership.get(group) ?? []), trialId]);
  const scheduler = createScheduler(s.config, membership);
  const store = await DecisionStore.open(nc);
  const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: sweepEventsFilter(s.sweepId) });
  const messages = await consumer.consume();
  const last = new Map<string, { epoch: number; value: number | null }>();
  let stopped = 0;

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

  const onEvent = async (ev: TrialEvent) => {
    const group = s.groups.get(ev.trialId);
    if (group === undefined || scheduler.isStopped(group)) return;
    if (ev.type === 'epoch') {
      const raw = ev.metrics[s.config.metric];
      const value = typeof raw === 'number' ? raw : NaN;
      last.set(ev.trialId, { epoch: ev.metrics.epoch, value: Number.isFinite(value) ? value : null });
      await apply(scheduler.onResult({ trialId: ev.trialId, group, epoch: ev.metrics.epoch, attempt: ev.attempt ?? 0, value }));
    } else if (ev.type === 'finished' && isTerminal(ev.status)) {
      const end = last.get(ev.trialId);
      await apply(scheduler.onTrialEnd({ trialId: ev.trialId, group, lastEpoch: end?.epoch ?? 0, lastValue: end?.value ?? null }));
    }
  };

  const loop = (async () => {
    for await (const m of messages) {
      const events = decodeEventBatch(m.data, `events ${m.subject} #${m.seq}`, (err) => s.log.warn({ err }, 'malformed event ignored by the scheduler'));
      for (const ev of events) await onEvent(ev);
    }
  })().catch((err: unknown) => s.log.error({ err }, 'early termination stopped: the scheduler could not read events or store a decision'));

  return {
    get stopped() {
      return stopped;
    },
    async stop() {
      await messages.close();
      await loop;
    },
  };
}

const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

/** Each trial's group from the sweep record's trial list; null when the record predates groups or lists no trials. */
export function groupsOfSweep(trials: readonly { id: string; group?: string | undefined }[] | null): Map<string, string> | null {
  if (!trials || trials.some((t) => t.group === undefined)) return null;
  return new Map(trials.map((t) => [t.id, t.group!]));
}
