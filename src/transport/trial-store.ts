import type { KV, NatsConnection, QueuedIterator, KvEntry } from 'nats';
import { SweepError } from '../domain/errors.js';
import { TRIALS_BUCKET, sweepTrialsFilter, trialKey } from './names.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import { decodeJson, encodeJson } from './codecs.js';
import { trialRecordSchema, type TrialRecord } from '../domain/trial-record.js';

export interface Versioned<T> {
  value: T;
  revision: number;
}

/** Thrown when a compare-and-set kept losing to other writers. */
export class ContentionError extends SweepError {
  override readonly retryable = true;
}

/**
 * Trial records in KV `sweep-trials` (key `<sweepId>.<trialId>`). Every write is a compare-and-set on the
 * revision, so two workers can never both complete a trial.
 */
export class TrialStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<TrialStore> {
    return new TrialStore(await nc.jetstream().views.kv(TRIALS_BUCKET, { bindOnly: true }));
  }

  async get(sweepId: string, trialId: string): Promise<Versioned<TrialRecord> | null> {
    const entry = await this.kv.get(trialKey(sweepId, trialId));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return null;
    return { value: decodeJson(entry.value, trialRecordSchema, `trial record ${entry.key}`), revision: entry.revision };
  }

  /**
   * Read-modify-write with CAS. `change` returns the new record, or null to leave it as it is.
   * Retries on a lost race with the fresh value; returns what is stored afterwards and whether we wrote it.
   */
  async mutate(
    sweepId: string,
    trialId: string,
    change: (current: TrialRecord | null) => TrialRecord | null,
    /** The value this caller last wrote or read: saves a read when nobody else wrote since. */
    known?: Versioned<TrialRecord> | null,
    maxTries = 20,
  ): Promise<{ record: TrialRecord | null; revision: number; changed: boolean }> {
    const key = trialKey(sweepId, trialId);
    for (let i = 0; i < maxTries; i++) {
      const current = i === 0 && known !== undefined ? known : await this.get(sweepId, trialId);
      const next = change(current?.value ?? null);
      const fromHint = i === 0 && known !== undefined;
      if (next === null && fromHint) continue; // decide only on a fresh read
      if (next === null) return { record: current?.value ?? null, revision: current?.revision ?? 0, changed: false };
      try {
        const revision = current
          ? await this.kv.update(key, encodeJson(next), current.revision)
          : await this.kv.create(key, encodeJson(next));
        return { record: next, revision, changed: true };
      } catch (e) {
        if (!isWrongLastSequence(e)) throw e;
      }
    }
    throw new ContentionError(`trial ${key}: gave up after ${maxTries} conflicting updates`);
  }

  /** Every record of a sweep as it is now. Malformed records are reported through onMalformed and skipped. */
  async snapshot(sweepId: string, onMalformed?: (key: string, err: Error) => void): Promise<Map<string, TrialRecord>> {
    const out = new Map<string, TrialRecord>();
    const stop = await this.watch(sweepId, (r) => out.set(r.trialId, r), onMalformed, true);
    await stop.initialized;
    await stop.stop();
    return out;
  }

  /** Every record of every sweep as it is now (the garbage collector's view of what is referenced). */
  async everyRecord(onMalformed?: (key: string, err: Error) => void): Promise<TrialRecord[]> {
    const out: TrialRecord[] = [];
    const stop = await this.watchKeys('>', (r) => out.push(r), onMalformed, true);
    await stop.initialized;
    await stop.stop();
    return out;
  }

  /**
   * Calls onRecord for the current value of every record of the sweep, then for each update.
   * `initialized` resolves once the current values have been delivered.
   */
  watch(
    sweepId: string,
    onRecord: (r: TrialRecord) => void,
    onMalformed?: (key: string, err: Error) => void,
    stopAfterInitial = false,
  ): Promise<{ initialized: Promise<void>; stop: () => Promise<void> }> {
    return this.watchKeys(sweepTrialsFilter(sweepId), onRecord, onMalformed, stopAfterInitial);
  }

  private async watchKeys(
    key: string,
    onRecord: (r: TrialRecord) => void,
    onMalformed: ((key: string, err: Error) => void) | undefined,
    stopAfterInitial: boolean,
  ): Promise<{ initialized: Promise<void>; stop: () => Promise<void> }> {
    let markInitialized!: () => void;
    const initialized = new Promise<void>((r) => (markInitialized = r));
    let initDone = false;
    const iter: QueuedIterator<KvEntry> = await this.kv.watch({
      key,
      ignoreDeletes: true,
      initializedFn: () => {
        initDone = true;
        markInitialized();
      },
    });
    const loop = (async () => {
      for await (const e of iter) {
        if (e.operation === 'PUT' && e.value.length > 0) {
          try {
            onRecord(decodeJson(e.value, trialRecordSchema, `trial record ${e.key}`));
          } catch (err) {
            onMalformed?.(e.key, err as Error);
          }
        }
        if (stopAfterInitial && initDone) break;
      }
    })();
    return {
      initialized,
      stop: async () => {
        iter.stop();
        await loop.catch(() => undefined);
      },
    };
  }

  async deleteSweep(sweepId: string): Promise<number> {
    const keys = await this.kv.keys(sweepTrialsFilter(sweepId));
    let n = 0;
    for await (const k of keys) {
      await this.kv.purge(k);
      n++;
    }
    return n;
  }
}
