import type { NatsConnection } from 'nats';
import { SweepError } from '../domain/errors.js';
import type { TrialRecord } from '../domain/trial-record.js';
import {
  ALL_STREAMS,
  DECISIONS_BUCKET,
  EVENTS_STREAM,
  JOBS_STREAM,
  SWEEPS_BUCKET,
  TRIALS_BUCKET,
  kvStream,
  sweepEventsFilter,
} from '../transport/names.js';
import { TrialStore } from '../transport/trial-store.js';
import { SweepStore } from '../transport/sweep-store.js';
import { purgeSweepJobs } from '../transport/job-queue.js';
import { readPoolAckWaitMs } from '../transport/bind-resources.js';
import { assertMayPurge, readBucketInventory, removeObject, removeTombstone, type StoredObject } from '../transport/object-inventory.js';
import { OBJECT_BUCKETS } from './collect-garbage.js';
import { cancelSweep } from './cancel.js';
import { reaperSettingsFromSpec, staleAfterMs } from './reaper.js';
import { UnknownSweepError } from './sweep-view.js';

/** `sweep delete` of a sweep whose trials are running, without --force. */
export class SweepHasRunningTrialsError extends SweepError {}

/** What deleting a sweep would remove, read before anything is. */
export interface DeletionPlan {
  sweepId: string;
  /** False when only trial records are left (a deletion that was cut short). */
  hasSweepRecord: boolean;
  trials: number;
  /** RUNNING trials whose owner heartbeats (stale ones' owners are gone). */
  running: number;
  objects: number;
  bytes: number;
  /** How long a RUNNING trial's heartbeat stays fresh (from the pool's lease). */
  staleAfterMs: number;
}

export interface DeletionOutcome {
  cancelled: boolean;
  /** RUNNING trials still heartbeating when the wait for them ended (their owners' next writes are refused). */
  stillRunning: number;
  jobs: number;
  decisions: number;
  events: number;
  objects: number;
  bytes: number;
  trials: number;
}

const KEY_STREAMS = { trials: kvStream(TRIALS_BUCKET), decisions: kvStream(DECISIONS_BUCKET), sweeps: kvStream(SWEEPS_BUCKET) };

export async function planSweepDeletion(nc: NatsConnection, sweepId: string, now = Date.now()): Promise<DeletionPlan> {
  const sweep = await (await SweepStore.open(nc)).get(sweepId);
  const records = [...(await (await TrialStore.open(nc)).snapshot(sweepId)).values()];
  if (!sweep && records.length === 0) throw new UnknownSweepError(`no sweep "${sweepId}" on this broker; see \`sweep list\``);
  const { ackWaitMs, pool } = reaperSettingsFromSpec(sweep?.value.spec);
  const poolAckWaitMs = await readPoolAckWaitMs(await nc.jetstreamManager(), pool).catch(() => ackWaitMs);
  const staleAfter = staleAfterMs(Math.max(ackWaitMs, poolAckWaitMs));
  const objects = (await sweepObjects(nc, sweepId)).filter((o) => !o.deleted);
  return {
    sweepId,
    hasSweepRecord: sweep !== null,
    trials: records.length,
    running: countLive(records, now - staleAfter),
    objects: objects.length,
    bytes: objects.reduce((n, o) => n + o.bytes, 0),
    staleAfterMs: staleAfter,
  };
}

/**
 * Removes everything of a sweep: jobs, prune decisions, events, checkpoints and models, trial records, and the
 * sweep record last, so that a deletion cut short is finished by running it again. Refused, with nothing changed,
 * while trials are running (unless `force`: the sweep is cancelled first and its running trials are given until
 * their heartbeats go stale to stop), and to a user who may not purge every stream of the sweep.
 */
export async function deleteSweep(
  nc: NatsConnection,
  plan: DeletionPlan,
  opts: { force: boolean; onWaiting?: (running: number) => void; pollMs?: number },
): Promise<DeletionOutcome> {
  const id = plan.sweepId;
  if (plan.running > 0 && !opts.force) {
    throw new SweepHasRunningTrialsError(
      `sweep ${id} has ${plan.running} running trial(s): cancel it first (\`sweep cancel ${id}\`) and wait for them to stop, or add --force, which does both`,
    );
  }
  await assertMayPurge(nc, ALL_STREAMS, permissionCheckSubject);
  let cancelled = false;
  let stillRunning = 0;
  if (plan.running > 0) {
    if (plan.hasSweepRecord) {
      await cancelSweep(nc, id);
      cancelled = true;
    }
    stillRunning = await waitForRunning(nc, id, plan.staleAfterMs, opts.onWaiting, opts.pollMs ?? 500);
  }
  const jsm = await nc.jetstreamManager();
  const jobs = await purgeSweepJobs(nc, id);
  const decisions = (await jsm.streams.purge(KEY_STREAMS.decisions, { filter: `$KV.${DECISIONS_BUCKET}.${id}.>` })).purged;
  const events = (await jsm.streams.purge(EVENTS_STREAM, { filter: sweepEventsFilter(id) })).purged;
  let objects = 0;
  let bytes = 0;
  for (const o of await sweepObjects(nc, id)) {
    if (o.deleted) await removeTombstone(jsm, o);
    else {
      await removeObject(jsm, o);
      objects++;
      bytes += o.bytes;
    }
  }
  const trials = (await jsm.streams.purge(KEY_STREAMS.trials, { filter: `$KV.${TRIALS_BUCKET}.${id}.>` })).purged;
  await jsm.streams.purge(KEY_STREAMS.sweeps, { filter: `$KV.${SWEEPS_BUCKET}.${id}` });
  return { cancelled, stillRunning, jobs, decisions, events, objects, bytes, trials };
}

/** A subject of each stream that no message is ever published on: purging it changes nothing. */
function permissionCheckSubject(stream: string): string {
  if (stream === JOBS_STREAM) return 'sweep.jobs.permission-check.none.none';
  if (stream === EVENTS_STREAM) return 'sweep.events.permission-check.none';
  if (stream.startsWith('KV_')) return `$KV.${stream.slice(3)}.permission-check.none`;
  return `$O.${stream.slice(4)}.C.permission-check`;
}

async function sweepObjects(nc: NatsConnection, sweepId: string): Promise<StoredObject[]> {
  const inventories = await Promise.all(OBJECT_BUCKETS.map((b) => readBucketInventory(nc, b)));
  return inventories.flatMap((inv) => inv.objects.filter((o) => o.name.startsWith(`${sweepId}/`)));
}

function countLive(records: Iterable<TrialRecord>, staleBefore: number): number {
  let n = 0;
  for (const r of records) if (r.status === 'RUNNING' && r.heartbeatAt !== null && Date.parse(r.heartbeatAt) >= staleBefore) n++;
  return n;
}

/** Waits until no RUNNING trial of the sweep heartbeats, for at most `limitMs`; returns how many still do. */
async function waitForRunning(nc: NatsConnection, sweepId: string, limitMs: number, onWaiting: ((n: number) => void) | undefined, pollMs: number): Promise<number> {
  const trials = await TrialStore.open(nc);
  const deadline = Date.now() + limitMs;
  for (;;) {
    const now = Date.now();
    const live = countLive((await trials.snapshot(sweepId)).values(), now - limitMs);
    if (live === 0 || now >= deadline) return live;
    onWaiting?.(live);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
