import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findGarbage, referencesOf, unnamedChunkSets } from '../../src/coordinator/garbage-rules.js';
import type { BucketInventory, StoredObject } from '../../src/transport/object-inventory.js';
import { aTrialRecord, runningOn } from '../helpers/trial-record-builder.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const OLD = NOW - 3_600_000;
const GRACE = 900_000;
let seq = 0;
const obj = (name: string, o: Partial<StoredObject> = {}): StoredObject => ({
  bucket: 'sweep-checkpoints', name, nuid: `n${++seq}`, bytes: 10, deleted: false, metaSeq: seq, storedAt: OLD, metaSubject: `m.${seq}`, ...o,
});
const inventory = (objects: StoredObject[], chunkNuids: string[] = []): BucketInventory => ({
  bucket: 'sweep-checkpoints', objects, chunkSets: chunkNuids.map((nuid) => ({ bucket: 'sweep-checkpoints', nuid, subject: `c.${nuid}`, messages: 1 })),
});
const ref = (name: string, epoch = 1) => ({ name, sha256: 'x', bytes: 10, epoch });
const MODULE = 'a'.repeat(64);

describe('garbage rules: what no record references is collected, and nothing an owner, a record or a young writer needs', () => {
  const running = aTrialRecord({ sweepId: 's', trialId: 't', ...runningOn('w', 2), checkpoints: [ref('s/t/a1/epoch-1')] });
  const done = aTrialRecord({ sweepId: 's', trialId: 'u', status: 'COMPLETED', attempt: 1, model: { name: 's/u/a1/weights', sha256: 'x', bytes: 1 } });
  const refs = referencesOf([running, done], ['s.bad'], [{ moduleBundle: { file: 'm.ts', sha256: MODULE } }]);
  const find = (objects: StoredObject[], scope: string | null = null, chunkTimes = new Map<string, number>(), chunks: string[] = []) =>
    findGarbage([inventory(objects, chunks)], refs, chunkTimes, { sweepId: scope, now: NOW, graceMs: GRACE });

  test('named objects are kept; unnamed ones of a finished trial, of another attempt or of no record go', () => {
    const f = find([
      obj('s/t/a1/epoch-1'), obj('s/u/a1/weights'), obj('s/t/a2/epoch-3'),
      obj('s/t/a1/epoch-2'), obj('s/u/a1/epoch-4'), obj('s/gone/a1/epoch-1'), obj('s/u/model.onnx'),
    ]);
    assert.deepEqual(f.garbage.map((g) => (g.kind === 'chunks' ? g.chunks.nuid : g.object.name)), ['s/t/a1/epoch-2', 's/u/a1/epoch-4', 's/gone/a1/epoch-1', 's/u/model.onnx']);
    assert.match(f.garbage[0]!.reason, /its trial record \(RUNNING, attempt 2\) does not name it/);
    assert.match(f.garbage[2]!.reason, /no trial record names it/);
  });

  test('young objects, unreadable records and names sweep does not write are kept', () => {
    const f = find([obj('s/u/a1/epoch-9', { storedAt: NOW - 1_000 }), obj('s/bad/a1/epoch-1'), obj('notes.txt')]);
    assert.deepEqual(f.garbage, []);
    assert.equal(f.keptYoung, 1);
    assert.equal(f.keptUnreadable, 1);
    assert.deepEqual(f.unrecognised, ['sweep-checkpoints/notes.txt']);
  });

  test('tombstones go at once; a sweep scope sees only its own objects', () => {
    const f = find([obj('s/u/a1/epoch-1', { deleted: true, storedAt: NOW }), obj('other/x/a1/epoch-1')], 's');
    assert.deepEqual(f.garbage.map((g) => `${g.kind}:${g.kind === 'chunks' ? '' : g.object.name}`), ['tombstone:s/u/a1/epoch-1']);
  });

  test('model modules: kept while a sweep record or a trial names them, and all of them while an old sweep record may', () => {
    const unused = obj(`modules/${'b'.repeat(64)}.mjs`);
    const used = obj(`modules/${MODULE}.mjs`);
    assert.deepEqual(find([unused, used]).garbage.map((g) => (g.kind === 'chunks' ? '' : g.object.name)), [unused.name]);
    assert.deepEqual(find([unused], 's').garbage, [], 'a sweep-scoped pass leaves modules alone');
    const older = referencesOf([], [], [{}]);
    assert.deepEqual(findGarbage([inventory([unused])], older, new Map(), { sweepId: null, now: NOW, graceMs: GRACE }).garbage, []);
  });

  test('chunks no live metadata names go once their newest chunk is older than the grace period', () => {
    const live = obj('s/t/a1/epoch-1');
    const dead = obj('s/t/a1/epoch-1', { deleted: true });
    const inv = inventory([live], [live.nuid, dead.nuid, 'cut', 'fresh']);
    assert.deepEqual(unnamedChunkSets([inv]).map((c) => c.nuid), [dead.nuid, 'cut', 'fresh']);
    const times = new Map([[`sweep-checkpoints/${dead.nuid}`, OLD], ['sweep-checkpoints/cut', OLD], ['sweep-checkpoints/fresh', NOW - 5_000]]);
    const f = find([live], null, times, [live.nuid, dead.nuid, 'cut', 'fresh']);
    assert.deepEqual(f.garbage.map((g) => (g.kind === 'chunks' ? g.chunks.nuid : '')), [dead.nuid, 'cut']);
    assert.equal(f.keptYoung, 1);
  });
});
