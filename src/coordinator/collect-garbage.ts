import type { NatsConnection } from 'nats';
import { secondsSetting } from '../domain/settings.js';
import { CHECKPOINTS_BUCKET, MODELS_BUCKET, objectStream } from '../transport/names.js';
import { TrialStore } from '../transport/trial-store.js';
import { SweepStore } from '../transport/sweep-store.js';
import {
  assertMayPurge,
  newestChunkAt,
  readBucketInventory,
  removeChunkSet,
  removeObject,
  removeTombstone,
} from '../transport/object-inventory.js';
import { findGarbage, referencesOf, unnamedChunkSets, type Garbage, type GarbageFindings } from './garbage-rules.js';

export const OBJECT_BUCKETS = [CHECKPOINTS_BUCKET, MODELS_BUCKET] as const;

/**
 * How old an unreferenced object must be before it is collected: SWEEP_GC_GRACE_S, default 15 minutes. It covers
 * the writers that store an object before the record or job that names it (an ONNX export, a launch's module
 * bundle, a put's chunks before its metadata); an owner's own attempt is protected by its RUNNING record anyway.
 */
export const gcGraceMs = (env: NodeJS.ProcessEnv = process.env) => secondsSetting('SWEEP_GC_GRACE_S', 900, env, true);

export interface GarbageOptions {
  /** Only this sweep's objects (and chunks no metadata names); null: the whole broker. */
  sweepId: string | null;
  dryRun: boolean;
  graceMs?: number;
  now?: number;
}

export interface GarbageReport extends Omit<GarbageFindings, 'garbage'> {
  garbage: GarbageLine[];
  removed: number;
  /** Bytes of the removed (or, in a dry run, removable) objects; chunks without metadata are counted by message. */
  bytes: number;
  malformedRecords: number;
}

/** One removable thing, as `sweep gc` lists it. */
export interface GarbageLine {
  bucket: string;
  kind: Garbage['kind'];
  /** The object's name; for chunks without metadata, their nuid. */
  name: string;
  bytes: number;
  reason: string;
}

/**
 * Finds what no record references (see garbage-rules.ts) and, unless a dry run, removes it. The references are read
 * before the objects, so an object written after them is young, and kept. A user who may not purge the object
 * streams is refused before anything is removed.
 */
export async function collectGarbage(nc: NatsConnection, opts: GarbageOptions): Promise<GarbageReport> {
  if (!opts.dryRun) await assertMayPurge(nc, OBJECT_BUCKETS.map(objectStream), (s) => `$O.${s.slice('OBJ_'.length)}.C.permission-check`);
  const malformed: string[] = [];
  const trials = await TrialStore.open(nc);
  const records = opts.sweepId === null ? await trials.everyRecord((key) => malformed.push(key)) : [...(await trials.snapshot(opts.sweepId, (key) => malformed.push(key))).values()];
  const sweeps = opts.sweepId === null ? await (await SweepStore.open(nc)).list() : [];
  const refs = referencesOf(records, malformed, sweeps);
  const inventories = await Promise.all(OBJECT_BUCKETS.map((b) => readBucketInventory(nc, b)));
  const chunkTimes = new Map<string, number>();
  for (const c of unnamedChunkSets(inventories)) {
    const at = await newestChunkAt(nc, c);
    if (at !== null) chunkTimes.set(`${c.bucket}/${c.nuid}`, at);
  }
  const findings = findGarbage(inventories, refs, chunkTimes, { sweepId: opts.sweepId, now: opts.now ?? Date.now(), graceMs: opts.graceMs ?? gcGraceMs() });
  let removed = 0;
  if (!opts.dryRun) {
    const jsm = await nc.jetstreamManager();
    for (const g of findings.garbage) {
      if (g.kind === 'object') await removeObject(jsm, g.object);
      else if (g.kind === 'tombstone') await removeTombstone(jsm, g.object);
      else await removeChunkSet(jsm, g.chunks);
      removed++;
    }
  }
  const garbage = findings.garbage.map(lineOf);
  return { ...findings, garbage, removed, bytes: garbage.reduce((n, g) => n + g.bytes, 0), malformedRecords: malformed.length };
}

function lineOf(g: Garbage): GarbageLine {
  if (g.kind === 'chunks') return { bucket: g.chunks.bucket, kind: g.kind, name: g.chunks.nuid, bytes: 0, reason: g.reason };
  return { bucket: g.object.bucket, kind: g.kind, name: g.object.name, bytes: g.object.bytes, reason: g.reason };
}
