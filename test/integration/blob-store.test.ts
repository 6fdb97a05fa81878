import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { BlobIntegrityError, BlobStore } from '../../src/transport/blob-store.js';
import { CheckpointStore } from '../../src/transport/checkpoint-store.js';
import { CHECKPOINTS_BUCKET, objectStream } from '../../src/transport/names.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

describe('blob reads never wait forever', () => {
  const broker = brokerSuite({ resources: true });

  test('an object whose chunks are gone (a delete cut short by a failover) is an integrity failure, not a hang', async () => {
    const blobs = await BlobStore.open(broker.nc, CHECKPOINTS_BUCKET);
    const data = bytes(300_000, 1); // 3 chunks of 128 KiB
    const ref = await blobs.put('s/t/a1/epoch-1', data);
    assert.deepEqual(await blobs.get(ref.name, ref.sha256), data);
    // What a purge of the chunks without the metadata's delete marker leaves behind.
    const os = await broker.js.views.os(CHECKPOINTS_BUCKET);
    const info = (await os.info(ref.name))!;
    assert.equal(info.chunks, 3);
    const jsm = await broker.nc.jetstreamManager();
    await jsm.streams.purge(objectStream(CHECKPOINTS_BUCKET), { filter: `$O.${CHECKPOINTS_BUCKET}.C.${info.nuid}` });
    const started = Date.now();
    await assert.rejects(blobs.get(ref.name, ref.sha256), (e: unknown) => {
      assert.ok(e instanceof BlobIntegrityError, String(e));
      assert.match(e.message, /s\/t\/a1\/epoch-1: 0 of its 3 chunks are in the store/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, 'answered at once');
  });

  test('restore skips such a checkpoint and takes the next older one', async () => {
    const checkpoints = await CheckpointStore.open(broker.nc);
    const older = await checkpoints.save('s', 'u', 1, 1, bytes(1_000, 2), []);
    const newer = await checkpoints.save('s', 'u', 1, 2, bytes(1_000, 3), older.keep);
    const os = await broker.js.views.os(CHECKPOINTS_BUCKET);
    const lost = newer.keep.find((r) => r.epoch === 2)!;
    const nuid = (await os.info(lost.name))!.nuid;
    await (await broker.nc.jetstreamManager()).streams.purge(objectStream(CHECKPOINTS_BUCKET), { filter: `$O.${CHECKPOINTS_BUCKET}.C.${nuid}` });
    const skipped: string[] = [];
    const got = await checkpoints.loadNewestValid(newer.keep, (ref, reason) => skipped.push(`${ref.epoch}: ${reason}`));
    assert.equal(got?.ref.epoch, 1);
    assert.deepEqual(got?.bytes, bytes(1_000, 2));
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, /^2: .*0 of its 1 chunks are in the store/);
  });
});
