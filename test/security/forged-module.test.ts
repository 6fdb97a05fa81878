import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { NatsConnection } from 'nats';
import { roleBrokerSuite } from '../helpers/role-broker.js';
import { runCli } from '../helpers/cli.js';
import { aTrialRecord, anAttempt, anEpoch } from '../helpers/trial-record-builder.js';
import { MODELS_BUCKET, objectStream } from '../../src/transport/names.js';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { ModelStore } from '../../src/transport/model-store.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { exportTrials } from '../../src/coordinator/export-winners.js';
import { UntrustedModuleError } from '../../src/coordinator/trusted-module.js';
import { loadUserModule } from '../../src/training/models/user-module.js';
import { parseSpec } from '../../src/spec/index.js';
import { sha256Hex } from '../../src/spec/trial-id.js';

const SPEC = `name: forged-module
model: { module: ./model.mjs }
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  width: { values: [4, 8] }
training: { epochs: 1 }
objective: { metric: val_accuracy, goal: max }
`;

describe("a forged model module never runs on the coordinator (real nats-server, the k8s per-role users, written with the worker's credentials)", () => {
  const broker = roleBrokerSuite();

  test('a top-ranked trial whose config names a module the worker stored: export refuses with one line and runs no code', async () => {
    const dir = broker.dir;
    const coordinator: NatsConnection = await broker.connectAs('coordinator');
    const worker: NatsConnection = await broker.connectAs('worker');
    await ensureResources(coordinator, DEFAULT_QUEUE);
    writeFileSync(join(dir, 'model.mjs'), "export function build() { throw new Error('the genuine module is never built in this test'); }\n");
    const specFile = join(dir, 'forged-module.yaml');
    writeFileSync(specFile, SPEC);
    const sweep = parseSpec(SPEC, specFile);
    await launchSweep(coordinator, sweep, { sweepId: sweep.id, specFile, pool: 'default' });
    const target = sweep.trials[0]!;

    // The forger's code, stored under its own (correct) sha256, and the weights of a "completed" trial naming it.
    const marker = join(dir, 'the-forged-module-ran');
    const code = `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'owned');\nexport function build() {}\n`;
    const forgedSha = sha256Hex(code);
    const models = await ModelStore.open(worker);
    await models.putModule(forgedSha, code);
    const weights = await models.putWeights(sweep.id, target.id, 1, new Uint8Array([1, 2, 3]));
    const at = new Date().toISOString();
    const forged = aTrialRecord({
      sweepId: sweep.id, trialId: target.id, index: target.index, params: target.config.params, status: 'COMPLETED', attempt: 1, worker: 'w-1',
      startedAt: at, finishedAt: at, heartbeatAt: at, durationMs: 1, history: [anAttempt(1, 'w-1', at, { outcome: 'completed', endedAt: at })],
      epochs: [anEpoch(1, { val_accuracy: 0.99 })], model: weights,
      config: { ...target.config, module: { ...target.config.module!, sha256: forgedSha } },
    });
    const written = await (await TrialStore.open(worker)).mutate(sweep.id, target.id, () => forged);
    assert.ok(written.changed);

    const jsm = await coordinator.jetstreamManager();
    const modelsState = async () => {
      const s = (await jsm.streams.info(objectStream(MODELS_BUCKET))).state;
      return { messages: s.messages, lastSeq: s.last_seq };
    };
    const before = await modelsState();
    const outDir = join(dir, 'exports');
    const refusal = new RegExp(`^trial ${target.id}: its config names model module ${forgedSha.slice(0, 12)}…, but sweep ${sweep.id} was launched with model\\.mjs ${sweep.module!.sha256.slice(0, 12)}…: not loaded$`);
    const log = pino({ level: 'silent' });
    for (const selection of [{ top: 1 }, [target.id]]) {
      await assert.rejects(exportTrials(coordinator, sweep.id, selection, { outDir, log }), (e: unknown) => e instanceof UntrustedModuleError && refusal.test(e.message), JSON.stringify(selection));
    }
    const cli = await runCli(['export', sweep.id, '--top', '1', '-o', outDir, '--nats', broker.url, '--state-dir', join(dir, '.sweep')], { cwd: dir, env: broker.users.coordinator, timeoutMs: 120_000 });
    assert.equal(cli.code, 1, cli.stderr);
    assert.deepEqual(cli.stderr.trim().split('\n'), [cli.stderr.trim().split('\n')[0]!], `one line: ${cli.stderr}`);
    assert.match(cli.stderr.trim(), new RegExp(`^sweep: ${refusal.source.slice(1)}`));

    assert.equal(existsSync(marker), false, 'the forged module never ran');
    assert.equal(existsSync(outDir), false, 'nothing was exported');
    assert.deepEqual(await modelsState(), before, 'nothing was stored');
    assert.equal((await (await TrialStore.open(coordinator)).get(sweep.id, target.id))?.revision, written.revision, 'the record is as the forger left it');
    assert.deepEqual(broker.violations(), [], "every step of the attack was within the worker's rights");

    // The check above could fail: loaded as the export used to load it, the forged module does run.
    await loadUserModule(forgedSha, code);
    assert.equal(existsSync(marker), true);
  });
});
