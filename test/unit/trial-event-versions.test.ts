import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { finishedEventVersion, trialEventSchema, type TrialEvent } from '../../src/domain/trial-event.js';
import { epochMetricsSchema } from '../../src/domain/metrics.js';
import { encodeJson } from '../../src/transport/codecs.js';
import { decodeEventBatch, decodeJsonLines } from '../../src/transport/events.js';
import { anEpoch } from '../helpers/trial-record-builder.js';

/** The event schema as it was before PRUNED (what a reader of an older release decodes with). */
const v1Base = { v: z.literal(1), sweepId: z.string(), trialId: z.string(), worker: z.string(), at: z.string() };
const v1OnlySchema = z.discriminatedUnion('type', [
  z.object({ ...v1Base, type: z.literal('started'), attempt: z.number(), resumeEpoch: z.number(), queueLatencyMs: z.number().optional() }),
  z.object({ ...v1Base, type: z.literal('epoch'), attempt: z.number().optional(), metrics: epochMetricsSchema, totalEpochs: z.number() }),
  z.object({ ...v1Base, type: z.literal('finished'), status: z.enum(['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'STOPPED', 'FAILED']), error: z.string().optional() }),
]);

const at = '2026-11-26T10:00:00.000Z';
const ids = { sweepId: 's', trialId: 't', worker: 'w', at };
const started: TrialEvent = { v: 1, type: 'started', ...ids, attempt: 1, resumeEpoch: 0 };
const epoch: TrialEvent = { v: 1, type: 'epoch', ...ids, attempt: 1, metrics: anEpoch(2), totalEpochs: 5 };
const pruned: TrialEvent = { v: 2, type: 'finished', ...ids, status: 'PRUNED' };
const completed: TrialEvent = { v: 1, type: 'finished', ...ids, trialId: 'u', status: 'COMPLETED' };

function batch(events: unknown[]): Uint8Array {
  const lines = events.map((e) => new TextDecoder().decode(encodeJson(e)));
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

describe('trial event versions', () => {
  test('a finished event is v2 only for PRUNED', () => {
    assert.equal(finishedEventVersion('PRUNED'), 2);
    for (const status of ['COMPLETED', 'STOPPED', 'FAILED'] as const) assert.equal(finishedEventVersion(status), 1);
  });

  test('the schema reads v1 events and v2 finished events; a v1 event never says PRUNED', () => {
    for (const e of [started, epoch, pruned, completed]) assert.deepEqual(trialEventSchema.parse(e), e);
    assert.ok(trialEventSchema.safeParse({ ...completed, v: 2 }).success, 'v2 may carry any status');
    assert.ok(!trialEventSchema.safeParse({ ...pruned, v: 1 }).success, 'PRUNED needs v2');
    assert.ok(!trialEventSchema.safeParse({ ...pruned, v: 3 }).success);
    assert.ok(!trialEventSchema.safeParse({ ...started, v: 2 }).success, 'only finished events have a v2');
  });

  test('a v1-only reader drops the v2 line of a batch and keeps the rest', () => {
    const data = batch([started, epoch, pruned, completed]);
    const malformed: Error[] = [];
    const old = decodeJsonLines(data, v1OnlySchema, 'events', (e) => malformed.push(e));
    assert.deepEqual(old, [started, epoch, completed]);
    assert.equal(malformed.length, 1);
    assert.match(malformed[0]!.message, /^events: v: /);
    // This release reads all four.
    assert.deepEqual(decodeEventBatch(data, 'events'), [started, epoch, pruned, completed]);
  });
});
