import type { KV, NatsConnection } from 'nats';
import { DECISIONS_BUCKET, decisionKey, sweepTrialsFilter } from './names.js';
import { isWrongLastSequence } from './jetstream-errors.js';
import { decodeJson, encodeJson } from './codecs.js';
import { pruneDecisionSchema, type PruneDecision } from '../domain/scheduler.js';

/**
 * The coordinator's early-termination decisions in KV `sweep-decisions` (key `<sweepId>.<trialId>`, history 1).
 * The coordinator writes them; the trial's owning worker reads its own at epoch boundaries and applies it through
 * the state machine's `prune` (nobody but the owner writes a trial's status). A decision is final: the first one
 * stored for a trial stays.
 */
export class DecisionStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<DecisionStore> {
    return new DecisionStore(await nc.jetstream().views.kv(DECISIONS_BUCKET, { bindOnly: true }));
  }

  /**
   * Stores `decision` unless the trial has one already (idempotent: a coordinator that decides again, or two that
   * race, leave the first). Returns the stored decision and whether this call created it.
   */
  async put(decision: PruneDecision): Promise<{ decision: PruneDecision; created: boolean }> {
    const valid = pruneDecisionSchema.parse(decision);
    try {
      await this.kv.create(decisionKey(valid.sweepId, valid.trialId), encodeJson(valid));
      return { decision: valid, created: true };
    } catch (e) {
      if (!isWrongLastSequence(e)) throw e;
    }
    const existing = await this.get(valid.sweepId, valid.trialId);
    if (!existing) throw new Error(`decision ${decisionKey(valid.sweepId, valid.trialId)}: exists but cannot be read`);
    return { decision: existing, created: false };
  }

  /** This trial's decision, or null when there is none. Throws MalformedMessageError on a value it cannot read. */
  async get(sweepId: string, trialId: string): Promise<PruneDecision | null> {
    const key = decisionKey(sweepId, trialId);
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return null;
    return decodeJson(e.value, pruneDecisionSchema, `prune decision ${key}`);
  }

  /** Every decision of a sweep, by trial ID. Malformed values are reported through onMalformed and skipped. */
  async forSweep(sweepId: string, onMalformed?: (key: string, err: Error) => void): Promise<Map<string, PruneDecision>> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(sweepTrialsFilter(sweepId))) keys.push(k);
    const out = new Map<string, PruneDecision>();
    for (const key of keys.sort()) {
      const trialId = key.slice(sweepId.length + 1);
      try {
        const d = await this.get(sweepId, trialId);
        if (d) out.set(d.trialId, d);
      } catch (err) {
        onMalformed?.(key, err as Error);
      }
    }
    return out;
  }
}
