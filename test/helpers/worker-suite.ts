import type { NatsConnection } from 'nats';
import { brokerSuite, type TestBroker } from './nats-server.js';
import { signalTree, startWorkerProcess, stopGently, type SweepProcess } from './chaos-processes.js';
import type { EmbeddedServerOptions } from '../../src/transport/embedded-server.js';
import type { TrialStore } from '../../src/transport/trial-store.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

export interface WorkerSuite {
  readonly broker: TestBroker;
  readonly nc: NatsConnection;
  readonly store: TrialStore;
  /** Starts a `sweep worker` process (cpu backend, the suite's ack_wait); stopped after the suite. */
  worker(extra?: string[]): SweepProcess;
  record(sweepId: string, trialId: string): Promise<TrialRecord | null>;
}

/**
 * For a describe() block: a real nats-server (own ports and store) with the job resources at `ackWaitMs`, a trial
 * store, and worker processes that are resumed (if stopped) and drained after the suite, before the broker stops.
 */
export function workerSuite(opts: { ackWaitMs: number; server?: Omit<EmbeddedServerOptions, 'storeDir'> }): WorkerSuite {
  const broker = brokerSuite({ server: opts.server, resources: { ackWaitMs: opts.ackWaitMs } });
  const workers: SweepProcess[] = [];
  broker.defer(async () => {
    for (const w of workers) if (w.child.pid) signalTree(w.child.pid, 'SIGCONT');
    await Promise.all(workers.map((w) => stopGently(w, 5_000)));
  });
  return {
    broker,
    get nc() {
      return broker.nc;
    },
    get store() {
      return broker.store;
    },
    worker(extra = []) {
      const w = startWorkerProcess(broker.url, extra);
      workers.push(w);
      return w;
    },
    async record(sweepId, trialId) {
      return (await broker.store.get(sweepId, trialId))?.value ?? null;
    },
  };
}
