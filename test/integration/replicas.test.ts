import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from 'nats';
import { TestCluster } from '../helpers/nats-cluster.js';
import { brokerSuite } from '../helpers/nats-server.js';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { join } from 'node:path';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { ReplicasUnavailableError, clusterSize } from '../../src/transport/replicas.js';
import { CHECKPOINTS_BUCKET, DECISIONS_BUCKET, EVENTS_STREAM, JOBS_STREAM, MODELS_BUCKET, SWEEPS_BUCKET, TRIALS_BUCKET, consumerName } from '../../src/transport/names.js';

const STREAMS = [JOBS_STREAM, EVENTS_STREAM, `KV_${SWEEPS_BUCKET}`, `KV_${TRIALS_BUCKET}`, `KV_${DECISIONS_BUCKET}`, `OBJ_${CHECKPOINTS_BUCKET}`, `OBJ_${MODELS_BUCKET}`];

async function replicasOf(nc: NatsConnection): Promise<Record<string, number>> {
  const jsm = await nc.jetstreamManager();
  const out: Record<string, number> = {};
  for (const s of STREAMS) out[s] = (await jsm.streams.info(s)).config.num_replicas;
  return out;
}

/** A leader (when one is elected at that moment) and the other replicas. */
const peersOf = (cluster: { leader?: string; replicas?: unknown[] } | undefined): number => (cluster?.leader ? 1 : 0) + (cluster?.replicas?.length ?? 0);

const all = (n: number): Record<string, number> => Object.fromEntries(STREAMS.map((s) => [s, n]));

describe('replicated resources on a 3-node JetStream cluster (real nats-server processes on loopback)', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start(3);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a cluster of three gets R3 streams, buckets and consumer by default', async () => {
    const nc = await cluster.connect();
    assert.equal(clusterSize(nc), 3);
    await ensureResources(nc, DEFAULT_QUEUE);
    assert.deepEqual(await replicasOf(nc), all(3));
    const consumer = await (await nc.jetstreamManager()).consumers.info(JOBS_STREAM, consumerName(DEFAULT_QUEUE.pool));
    assert.equal(peersOf(consumer.cluster), 3, 'the consumer has three peers');
    // Idempotent, and a worker's default never lowers what is there.
    await ensureResources(nc, DEFAULT_QUEUE);
    assert.deepEqual(await replicasOf(nc), all(3));
  });

  test('existing R1 resources are brought to R3 in place by --replicas 3, their data kept', async () => {
    const fresh = await TestCluster.start(3);
    try {
      const nc = await fresh.connect();
      await ensureResources(nc, DEFAULT_QUEUE, 1);
      assert.deepEqual(await replicasOf(nc), all(1));
      const kv = await nc.jetstream().views.kv(SWEEPS_BUCKET);
      await kv.put('kept', new TextEncoder().encode('yes'));
      await ensureResources(nc, DEFAULT_QUEUE);
      assert.deepEqual(await replicasOf(nc), all(1), 'without --replicas, existing resources keep their replicas');
      await ensureResources(nc, DEFAULT_QUEUE, 3);
      assert.deepEqual(await replicasOf(nc), all(3));
      assert.equal(new TextDecoder().decode((await kv.get('kept'))?.value), 'yes');
      const consumer = await (await nc.jetstreamManager()).consumers.info(JOBS_STREAM, consumerName(DEFAULT_QUEUE.pool));
      assert.equal(peersOf(consumer.cluster), 3, `the pool's consumer followed its stream to R3: ${JSON.stringify(consumer.cluster)}`);
    } finally {
      await fresh.stop();
    }
  });
});

describe('--replicas 3 on a single server', () => {
  const broker = brokerSuite();

  test('ensureResources refuses before creating anything, and says how to fix it', async () => {
    const nc = await broker.connect();
    assert.equal(clusterSize(nc), 1);
    await assert.rejects(ensureResources(nc, DEFAULT_QUEUE, 3), (e: unknown) => {
      assert.ok(e instanceof ReplicasUnavailableError);
      assert.match(e.message, /^--replicas 3 needs a JetStream cluster of at least 3 servers, but the broker is a single server \(.+\): connect to a cluster \(see deploy\/k8s\), or use --replicas 1$/);
      return true;
    });
    const streams = await (await nc.jetstreamManager()).streams.names().next();
    assert.deepEqual(streams, [], 'nothing was created');
  });

  test('sweep launch --replicas 3: one error line, exit 1, nothing published', async () => {
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--nats', broker.url, '--replicas', '3', '--workers', '0']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^sweep: --replicas 3 needs a JetStream cluster of at least 3 servers/m);
    assert.equal(res.stderr.trim().split('\n').filter((l) => l.startsWith('sweep:')).length, 1, res.stderr);
    const streams = await (await (await broker.connect()).jetstreamManager()).streams.names().next();
    assert.deepEqual(streams, [], 'no stream, so no job');
  });
});
