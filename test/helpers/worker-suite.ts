import { after, before } from 'node:test';
import type { NatsConnection } from 'nats';
import { startTestBroker, type TestBroker } from './nats-server.js';
import { signalTree, startWorkerProcess, stopGently, type SweepProcess } from './chaos-processes.js';
import type { EmbeddedServerOptions } from '../../src/transport/embedded-server.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import type { TrialRecord } from '../../src/transport/codecs.js';

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
 * store, and worker processes that are resumed (if stopped) and drained after the suite.
 */
export function workerSuite(opts: { ackWaitMs: number; server?: Omit<EmbeddedServerOptions, 'storeDir'> }): WorkerSuite {
  let broker: TestBroker | null = null;
  let nc: NatsConnection | null = null;
  let store: TrialStore | null = null;
  const workers: SweepProcess[] = [];
  const ready = <T>(v: T | null): T => {
    if (v === null) throw new Error('workerSuite: used outside its describe() block');
    return v;
  };
  before(async () => {
    broker = await startTestBroker(opts.server);
    nc = await broker.connect();
    await ensureResources(nc, { ...DEFAULT_QUEUE, ackWaitMs: opts.ackWaitMs });
    store = await TrialStore.open(nc);
  });
  after(async () => {
    for (const w of workers) if (w.child.pid) signalTree(w.child.pid, 'SIGCONT');
    await Promise.all(workers.map((w) => stopGently(w, 5_000)));
    await broker?.stop();
  });
  return {
    get broker() {
      return ready(broker);
    },
    get nc() {
      return ready(nc);
    },
    get store() {
      return ready(store);
    },
    worker(extra = []) {
      const w = startWorkerProcess(ready(broker).url, opts.ackWaitMs, extra);
      workers.push(w);
      return w;
    },
    async record(sweepId, trialId) {
      return (await ready(store).get(sweepId, trialId))?.value ?? null;
    },
  };
}
