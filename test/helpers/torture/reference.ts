import { startTestBroker } from '../nats-server.js';
import { startWorkerProcess, stopGently, waitFor } from '../chaos-processes.js';
import { launchSweep } from '../../../src/coordinator/launch.js';
import { parseSpec } from '../../../src/spec/index.js';
import { A_ACK_WAIT_S, A_EXTENDED_REPEATS, TORTURE_POOL, sweepASpec, sweepBSpec, sweepVSpec } from './specs.js';

/** The fault-free run of every trial a torture run can have (trial IDs hash the config, not the sweep). */
export interface Reference {
  /** Trial ID → the weights hash of its fault-free run. */
  weights: ReadonlyMap<string, string>;
  seconds: number;
}

/** Runs A (extended), V and B once without faults, on a broker of their own, with 6 workers (most trials sleep). */
export async function runReference(): Promise<Reference> {
  const started = Date.now();
  const broker = await startTestBroker({ resources: { pool: TORTURE_POOL, ackWaitMs: A_ACK_WAIT_S * 1000 } });
  const workers = Array.from({ length: 6 }, () => startWorkerProcess(broker.url, ['--pool', TORTURE_POOL]));
  try {
    const sweeps = [sweepASpec(A_EXTENDED_REPEATS), sweepVSpec(), sweepBSpec(A_ACK_WAIT_S)].map((yaml, i) => parseSpec(yaml, `reference-${i}.yaml`));
    for (const s of sweeps) await launchSweep(broker.nc, s, { sweepId: s.id, specFile: 'reference', pool: TORTURE_POOL });
    const weights = new Map<string, string>();
    await waitFor('the fault-free trials COMPLETED', async () => {
      for (const s of sweeps) {
        const rs = await broker.store.snapshot(s.id);
        for (const t of s.trials) {
          const r = rs.get(t.id);
          if (r?.status !== 'COMPLETED' || !r.result?.weightsSha256) return false;
          weights.set(t.id, r.result.weightsSha256);
        }
      }
      return true;
    }, 600_000, () => workers.map((w) => w.output().split('\n').slice(-10).join('\n')).join('\n---\n'));
    return { weights, seconds: (Date.now() - started) / 1000 };
  } finally {
    await Promise.all(workers.map((w) => stopGently(w, 10_000)));
    await broker.stop();
  }
}
