import { ModuleContractError, loadUserModule } from '../../training/models/user-module.js';
import { datasetOf } from '../../domain/trial-config.js';
/**
 * The trainer process: one per worker slot, started by TrainerProcess. It owns the tfjs backend (and the oneDNN
 * addon's process-wide state), loads datasets, and trains one trial at a time, so the worker's event loop (job
 * leases, heartbeats, NATS pings, signals) never waits on a training step. It writes nothing to the broker: the
 * worker does every write, fenced by the attempt it holds.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LayersModel } from '@tensorflow/tfjs';
import { SweepError } from '../../domain/errors.js';
import { patchStatuses, setPatchLog } from '../../runtime-patches.js';
import { selectBackend } from '../../training/backends/index.js';
import { trainTrial } from '../../training/engine.js';
import { serializeModelWeights } from '../../training/model-weights.js';
import { DatasetCache, NO_DATA } from '../../training/datasets/dataset-cache.js';
import { trainerFailure } from '../errors.js';
import { resultRecord } from '../trial-records.js';
import type { FromTrainer, ToTrainer } from './protocol.js';
import { TRAINER_PROTOCOL_VERSION, isCheckpointEpoch, isProtocolMessage } from './protocol.js';

/** Thrown between batches once the worker asked this run to stop (drain, lost lease). */
class RunAbortedError extends SweepError {
  override readonly retryable = true;
}

/** How often a training loop lets this process's event loop run: often enough to see an abort within ~0.1 s. */
const YIELD_EVERY_MS = 50;

const send = (m: FromTrainer) => process.send?.(m);
const log = (level: 'debug' | 'info' | 'warn', msg: string) => send({ v: 1, type: 'log', level, msg });

// This process's patch decisions travel in `ready`; the worker records them (and logs each once per worker).
setPatchLog(() => {});

let datasets: DatasetCache | null = null;
const aborted = new Set<number>();
const acks = new Map<number, (stop: boolean) => void>();

async function init(m: Extract<ToTrainer, { type: 'init' }>): Promise<void> {
  try {
    datasets = new DatasetCache(m.dataDir ?? undefined, (msg) => log('info', msg));
    const backend = await selectBackend(m.backend, (msg) => log('info', msg));
    send({ v: 1, type: 'ready', backend, patches: patchStatuses() });
  } catch (e) {
    send({ v: 1, type: 'init-failed', error: trainerFailure(e) });
  }
}

async function train(m: Extract<ToTrainer, { type: 'train' }>): Promise<void> {
  const { runId, config, checkpointEvery } = m;
  try {
    if (!datasets) throw new Error('trainer: train before init');
    if (config.module) {
      if (m.moduleCode === undefined) throw new ModuleContractError(`train: model module ${config.module.file} came without its bundle`);
      await loadUserModule(config.module.sha256, m.moduleCode);
    }
    const trains = config.model.family === 'vgg' || config.model.family === 'module';
    const dataset = trains ? await datasets.get(datasetOf(config)) : NO_DATA;
    let stopRequested = false;
    let lastYield = performance.now();
    const result = await trainTrial({
      config,
      dataset,
      ...(m.resumeFrom ? { resumeFrom: m.resumeFrom } : {}),
      hooks: {
        log: (msg) => log('debug', msg),
        betweenBatches: async () => {
          if (performance.now() - lastYield >= YIELD_EVERY_MS) {
            await yieldToLoop();
            lastYield = performance.now();
          }
          if (aborted.has(runId)) throw new RunAbortedError(`run ${runId} aborted`);
        },
        shouldStop: () => {
          if (aborted.has(runId)) throw new RunAbortedError(`run ${runId} aborted`);
          return stopRequested;
        },
        onEpochEnd: async (metrics, saveState) => {
          const state = isCheckpointEpoch(metrics.epoch, checkpointEvery) ? await saveState() : null;
          const acked = new Promise<boolean>((resolve) => acks.set(runId, resolve));
          send({ v: 1, type: 'epoch', runId, metrics, state });
          stopRequested = await acked;
          lastYield = performance.now();
        },
      },
    });
    const model = result.model as LayersModel | undefined;
    const weights = model && result.stopReason !== 'stopped' ? (await serializeModelWeights(model)).bytes : null;
    model?.dispose();
    send({ v: 1, type: 'done', runId, outcome: { stopReason: result.stopReason, epochs: result.epochs, result: resultRecord(result, dataset), weights } });
  } catch (e) {
    if (e instanceof RunAbortedError) send({ v: 1, type: 'aborted', runId });
    else send({ v: 1, type: 'failed', runId, error: trainerFailure(e) });
  } finally {
    aborted.delete(runId);
    acks.delete(runId);
  }
}

function onMessage(raw: unknown): void {
  if (!isProtocolMessage(raw) || raw.v !== TRAINER_PROTOCOL_VERSION) {
    log('warn', `trainer: message of an unknown protocol version: ${JSON.stringify(raw).slice(0, 200)}; exiting`);
    process.exit(70);
  }
  const m = raw as ToTrainer;
  switch (m.type) {
    case 'init':
      void init(m);
      break;
    case 'train':
      void train(m);
      break;
    case 'epoch-ack':
      acks.get(m.runId)?.(m.stop);
      acks.delete(m.runId);
      break;
    case 'abort':
      aborted.add(m.runId);
      // A run waiting for its epoch ack stops there.
      acks.get(m.runId)?.(true);
      acks.delete(m.runId);
      break;
  }
}

process.on('message', onMessage);
// The worker owns this process: it asks it to stop over IPC. A terminal's Ctrl-C reaches the whole process
// group, and the worker answers it by draining, which needs this trainer to finish its batch first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// The worker is gone (killed, crashed): nobody can use what this process computes.
process.on('disconnect', () => process.exit(0));
