import type { KV, NatsConnection } from 'nats';
import { SWEEPS_BUCKET } from './names.js';
import { isStreamNotFound, isWrongLastSequence } from './jetstream-errors.js';
import { ContentionError } from './trial-store.js';
import { decodeJson, encodeJson } from './codecs.js';
import { sweepRecordSchema, type SweepRecord } from '../domain/sweep-record.js';

/** Sweep records in KV `sweep-sweeps` (key = sweep ID). */
export class SweepStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<SweepStore> {
    return new SweepStore(await nc.jetstream().views.kv(SWEEPS_BUCKET, { bindOnly: true }));
  }

  async get(id: string): Promise<{ value: SweepRecord; revision: number } | null> {
    const e = await this.kv.get(id);
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return null;
    return { value: decodeJson(e.value, sweepRecordSchema, `sweep record ${id}`), revision: e.revision };
  }

  async put(record: SweepRecord): Promise<void> {
    await this.kv.put(record.id, encodeJson(record));
  }

  /** Every sweep, by ID; none on a broker where no sweep was ever launched (its bucket does not exist yet). */
  async list(): Promise<SweepRecord[]> {
    const out: SweepRecord[] = [];
    const names: string[] = [];
    try {
      for await (const k of await this.kv.keys()) names.push(k);
    } catch (e) {
      if (isStreamNotFound(e)) return [];
      throw e;
    }
    for (const k of names.sort()) {
      const r = await this.get(k);
      if (r) out.push(r.value);
    }
    return out;
  }

  async setStatus(id: string, status: SweepRecord['status']): Promise<SweepRecord | null> {
    for (let i = 0; i < 10; i++) {
      const cur = await this.get(id);
      if (!cur) return null;
      const next = { ...cur.value, status, updatedAt: new Date().toISOString() };
      try {
        await this.kv.update(id, encodeJson(next), cur.revision);
        return next;
      } catch (e) {
        // Raced with another writer: read again.
        if (!isWrongLastSequence(e)) throw e;
      }
    }
    throw new ContentionError(`sweep ${id}: could not update its status`);
  }
}
