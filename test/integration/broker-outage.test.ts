import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { parseSpec } from '../../src/spec/index.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { SweepStore } from '../../src/transport/sweep-store.js';
import { BrokerOutageError, isBrokerAway, ridingOutBrokerOutage } from '../../src/transport/broker-outage.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';

/** A launch whose broker stops answering before it recorded the sweep (fault campaign, seed 15). */
describe('a launch rides out a broker that stops answering', () => {
  const broker = brokerSuite({ resources: true });
  const sweep = (name: string) => parseSpec(sleepSpec(name, { sleepMs: 10, epochs: 1, maxDeliver: 3, ackWaitS: 30 }), `${name}.yaml`);

  test('paused mid-launch, then killed and restarted: the launch waits, runs again, and records the sweep once', async () => {
    const s = sweep('outage-ridden');
    const waits: string[] = [];
    process.kill(broker.server.pid, 'SIGSTOP'); // the connection stays up; nothing answers
    const launched = ridingOutBrokerOutage('recording the sweep', () => launchSweep(broker.nc, s, { sweepId: s.id, specFile: 'x', pool: 'default' }), {
      limitMs: 60_000,
      onWait: (err) => waits.push(err.code),
    });
    // Past the client's 5 s request timeout: the first attempt has failed with TIMEOUT by then.
    await new Promise((r) => setTimeout(r, 6_500));
    await broker.crashAndRestart(1_000);
    const res = await launched;
    assert.ok(waits.length >= 1 && waits.every((c) => c === 'TIMEOUT' || c === '503'), `waited on: ${waits.join(', ')}`);
    assert.equal(res.toPublish, s.trials.length);
    const record = await (await SweepStore.open(broker.nc)).get(s.id);
    assert.equal(record?.value.specHash, s.specHash);
  });

  test('an outage longer than the limit ends in one clear, retryable error (exit 1, no stack)', async () => {
    const s = sweep('outage-outlasting');
    process.kill(broker.server.pid, 'SIGSTOP');
    try {
      const err = await ridingOutBrokerOutage('recording the sweep', () => launchSweep(broker.nc, s, { sweepId: s.id, specFile: 'x', pool: 'default' }), {
        limitMs: 1_000,
      }).then(
        () => assert.fail('the launch cannot succeed while the broker is stopped'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof BrokerOutageError, String(err));
      assert.ok(err.retryable);
      assert.match(err.message, /did not answer for \d+ s while recording the sweep \(TIMEOUT\); nothing was lost: run the same command again/);
      const shown = exitCodeFor(err);
      assert.equal(shown.code, 1);
      assert.equal(shown.text.trim().split('\n').length, 1, shown.text);
    } finally {
      process.kill(broker.server.pid, 'SIGCONT');
    }
  });

  test('an error of the request itself is not waited on', async () => {
    let attempts = 0;
    const wrong = new Error('a bad spec');
    await assert.rejects(
      ridingOutBrokerOutage('x', () => {
        attempts++;
        return Promise.reject(wrong);
      }),
      (e) => e === wrong,
    );
    assert.equal(attempts, 1);
    assert.equal(isBrokerAway(wrong), false);
  });
});
