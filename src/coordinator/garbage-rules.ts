import type { TrialRecord } from '../domain/trial-record.js';
import type { SweepRecord } from '../domain/sweep-record.js';
import type { BucketInventory, ChunkSet, StoredObject } from '../transport/object-inventory.js';

/**
 * Which stored objects are garbage (pure). An object is kept while a trial record names it (checkpoints, final
 * weights or program model, ONNX export), while it belongs to the attempt that owns a RUNNING trial (an owner saves
 * a checkpoint or its weights before the fenced record write that names it), while its trial's record cannot be
 * read, and while it is younger than the grace period (an export or a launch writes its object before the record
 * or jobs that name it). Tombstones (the metadata a delete leaves) are garbage at once; chunks that no metadata names
 * once their newest is older than the grace period (a put writes its chunks before its metadata).
 */

/** What the trial records reference, keyed by `<sweep>/<trial>`, the prefix of the objects' names. */
export interface References {
  trials: Map<string, { status: TrialRecord['status']; attempt: number; names: Set<string> }>;
  /** Trials whose record exists but could not be parsed: their objects are never collected. */
  unreadable: Set<string>;
  /** Model-module bundles (sha256) that some trial's config or some sweep record names. */
  modules: Set<string>;
  /** A sweep record of an older version, which does not say which bundle its jobs name: no bundle is collected. */
  modulesUnknown: boolean;
}

export type Garbage =
  | { kind: 'object'; object: StoredObject; reason: string }
  | { kind: 'tombstone'; object: StoredObject; reason: string }
  | { kind: 'chunks'; chunks: ChunkSet; reason: string };

export interface GarbageScope {
  /** Only this sweep's objects (and chunks no metadata names); null: everything, model modules included. */
  sweepId: string | null;
  now: number;
  graceMs: number;
}

export interface GarbageFindings {
  garbage: Garbage[];
  /** Unreferenced objects kept for now: younger than the grace period, or of an unreadable record. */
  keptYoung: number;
  keptUnreadable: number;
  /** Objects whose names sweep never writes: left alone. */
  unrecognised: string[];
}

export const trialPrefix = (sweepId: string, trialId: string) => `${sweepId}/${trialId}`;

export function referencesOf(records: Iterable<TrialRecord>, unreadableKeys: Iterable<string>, sweeps: Iterable<Pick<SweepRecord, 'moduleBundle'>>): References {
  const refs: References = { trials: new Map(), unreadable: new Set(), modules: new Set(), modulesUnknown: false };
  // Jobs name a bundle before any record of their trial does: the sweep record says which one.
  for (const s of sweeps) {
    if (s.moduleBundle === undefined) refs.modulesUnknown = true;
    else if (s.moduleBundle) refs.modules.add(s.moduleBundle.sha256);
  }
  for (const r of records) {
    const names = new Set<string>(r.checkpoints.map((c) => c.name));
    if (r.model) names.add(r.model.name);
    if (r.onnx) names.add(r.onnx.ref.name);
    refs.trials.set(trialPrefix(r.sweepId, r.trialId), { status: r.status, attempt: r.attempt, names });
    if (r.config?.module) refs.modules.add(r.config.module.sha256);
  }
  for (const key of unreadableKeys) {
    const dot = key.indexOf('.');
    if (dot > 0) refs.unreadable.add(trialPrefix(key.slice(0, dot), key.slice(dot + 1)));
  }
  return refs;
}

/** `<sweep>/<trial>/a<attempt>/<file>` (an attempt's own object) or `<sweep>/<trial>/<file>` (the ONNX export). */
const TRIAL_OBJECT = /^([A-Za-z0-9_-]+)\/([^/]+)\/(?:a(\d+)\/)?[^/]+$/;
const MODULE_OBJECT = /^modules\/([0-9a-f]{64})\.mjs$/;

/** The chunk sets that no live metadata names: candidates, whose age the caller reads before `findGarbage`. */
export function unnamedChunkSets(inventories: readonly BucketInventory[]): ChunkSet[] {
  const out: ChunkSet[] = [];
  for (const inv of inventories) {
    const named = new Set(inv.objects.filter((o) => !o.deleted).map((o) => o.nuid));
    out.push(...inv.chunkSets.filter((c) => !named.has(c.nuid)));
  }
  return out;
}

/**
 * The garbage in `inventories`. `chunkTimes` holds the newest chunk's time (ms) of each candidate from
 * `unnamedChunkSets`, by bucket and nuid (`${bucket}/${nuid}`); a candidate without one is kept.
 */
export function findGarbage(
  inventories: readonly BucketInventory[],
  refs: References,
  chunkTimes: ReadonlyMap<string, number>,
  scope: GarbageScope,
): GarbageFindings {
  const out: GarbageFindings = { garbage: [], keptYoung: 0, keptUnreadable: 0, unrecognised: [] };
  const old = (at: number) => scope.now - at >= scope.graceMs;
  for (const inv of inventories) {
    for (const o of inv.objects) {
      if (scope.sweepId !== null && !o.name.startsWith(`${scope.sweepId}/`)) continue;
      if (o.deleted) {
        out.garbage.push({ kind: 'tombstone', object: o, reason: 'metadata of a deleted object' });
        continue;
      }
      const reason = unreferencedReason(o.name, refs, scope.sweepId === null);
      if (reason === null) continue;
      if (reason === 'unrecognised') out.unrecognised.push(`${o.bucket}/${o.name}`);
      else if (reason === 'unreadable') out.keptUnreadable++;
      else if (!old(o.storedAt)) out.keptYoung++;
      else out.garbage.push({ kind: 'object', object: o, reason });
    }
  }
  for (const c of unnamedChunkSets(inventories)) {
    const at = chunkTimes.get(`${c.bucket}/${c.nuid}`);
    if (at === undefined) continue;
    if (!old(at)) out.keptYoung++;
    else out.garbage.push({ kind: 'chunks', chunks: c, reason: `${c.messages} chunk(s) that no object's metadata names` });
  }
  return out;
}

/** Why a live object is unreferenced; null when something needs it; 'unreadable' / 'unrecognised' to keep it. */
function unreferencedReason(name: string, refs: References, withModules: boolean): string | null {
  const module = MODULE_OBJECT.exec(name);
  if (module) {
    if (!withModules || refs.modulesUnknown || refs.modules.has(module[1]!)) return null;
    return 'a model module that no trial names';
  }
  const m = TRIAL_OBJECT.exec(name);
  if (!m) return 'unrecognised';
  const key = trialPrefix(m[1]!, m[2]!);
  if (refs.unreadable.has(key)) return 'unreadable';
  const trial = refs.trials.get(key);
  if (!trial) return 'no trial record names it';
  if (trial.names.has(name)) return null;
  const attempt = m[3] === undefined ? null : Number(m[3]);
  if (trial.status === 'RUNNING' && attempt === trial.attempt) return null;
  return `its trial record (${trial.status}, attempt ${trial.attempt}) does not name it`;
}
