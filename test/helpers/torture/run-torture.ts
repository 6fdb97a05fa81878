import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker } from '../nats-server.js';
import { countLogLines, startCpuHogs, waitFor } from '../chaos-processes.js';
import type { TrialRecord } from '../../../src/domain/trial-record.js';
import { isTerminal } from '../../../src/domain/trial-state.js';
import { SweepStore } from '../../../src/transport/sweep-store.js';
import { JOBS_STREAM, consumerName } from '../../../src/transport/names.js';
import type { NatsConnection } from 'nats';
import type { TrialStore } from '../../../src/transport/trial-store.js';
import { TortureCluster, type SweepState } from './cluster.js';
import { JobCheck } from './job-check.js';
import { checkInvariants } from './invariants.js';
import { runOp } from './ops.js';
import { describeOp, drawSchedule, type OpKind } from './schedule.js';
import { A_ACK_WAIT_S, A_EPOCHS, A_REPEATS, B_EPOCHS, TORTURE_POOL, V_EPOCHS, sweepASpec, sweepVSpec } from './specs.js';
import type { Reference } from './reference.js';

/** Kinds that are faults (something crashed or hung); the others are operations people run. */
export const FAULT_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(['coordinator-kill', 'worker-kill', 'worker-suspend', 'broker-restart']);

export interface TortureResult {
  seed: number;
  /** The drawn sequence, as `describeOp` writes it (the replay is `--seed N`). */
  schedule: string[];
  /** What each op did, in order; skipped ops say so. */
  executed: string[];
  kinds: OpKind[];
  ops: number;
  faults: number;
  violations: string[];
  orphans: number;
  duplicates: number;
  leasesLost: number;
  jobChecks: number;
  seconds: number;
  /** Where every process's output was written (kept only for a run with violations). */
  logs: string | null;
}

const EPOCHS: Record<string, number> = { 'torture-a': A_EPOCHS, 'torture-v': V_EPOCHS, 'torture-b': B_EPOCHS };

/**
 * One torture run: a fresh nats-server, 3 workers, sweeps A (sleep trials) and V (one tfjs trial) on one pool,
 * then the seed's ops, each after every trial that was running at the previous op has trained an epoch (or
 * ended), then the invariants. `timeoutMs` bounds the wait for the sweeps to end after the last op.
 */
export async function runTorture(seed: number, o: { reference: Reference; opCount?: number; hogs?: number; log?: (line: string) => void }): Promise<TortureResult> {
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const schedule = drawSchedule(seed, o.opCount ?? 8);
  const broker = await startTestBroker({ resources: { pool: TORTURE_POOL, ackWaitMs: A_ACK_WAIT_S * 1000 } });
  const cluster = new TortureCluster(broker, broker.tempDir('sweep-torture-'));
  const stopHogs = startCpuHogs(o.hogs ?? 0);
  const executed: string[] = [];
  const kinds: OpKind[] = [];
  const violations: string[] = [];
  const faults = new Map<string, number>();
  const sweepIds = () => [...cluster.sweeps.keys()];
  const jobCheck = new JobCheck(broker.nc, broker.store, sweepIds);
  const records = async (): Promise<TrialRecord[]> => {
    for (;;) {
      try {
        const all = await Promise.all(sweepIds().map((id) => broker.store.snapshot(id)));
        return all.flatMap((m) => [...m.values()]);
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // the broker is restarting
      }
    }
  };
  const sweeps = await SweepStore.open(broker.nc);
  const sweepState = async (sweepId: string): Promise<SweepState> => {
    const record = await sweeps.get(sweepId);
    if (!record) return 'unrecorded';
    const listed = record.value.trials ?? [];
    const rs = await broker.store.snapshot(sweepId);
    return listed.length === 0 || listed.some((t) => !rs.get(t.id) || !isTerminal(rs.get(t.id)!.status)) ? 'unfinished' : 'done';
  };
  const allDone = async () => {
    for (const s of cluster.sweeps.values()) if (s.coordinator || (await sweepState(s.id)) !== 'done') return false;
    return true;
  };
  let supervising = true;
  const supervisor = (async () => {
    while (supervising) {
      await cluster.supervise(sweepState).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  let result: TortureResult | null = null;
  let brokerState: string | null = null;
  try {
    for (let i = 0; i < 3; i++) cluster.startWorker();
    cluster.launch('torture-a', cluster.writeSpec('torture-a', sweepASpec(A_REPEATS)));
    cluster.launch('torture-v', cluster.writeSpec('torture-v', sweepVSpec()));
    await waitFor('both sweeps running', async () => (await records()).filter((r) => r.status === 'RUNNING').length >= 2, 120_000);
    jobCheck.start();
    let gate = new Map<string, number>(); // trial → epochs recorded at the previous op, for those running then
    for (const op of schedule) {
      if (await allDone()) {
        executed.push(`${describeOp(op)}: skipped, every sweep has ended`);
        continue;
      }
      // Progress between faults: every trial running at the previous op trained an epoch since, or ended.
      await waitFor('an epoch of every trial running at the previous op', async () => {
        const now = new Map((await records()).map((r) => [`${r.sweepId}/${r.trialId}`, r]));
        return [...gate].every(([key, epochs]) => {
          const r = now.get(key);
          return !r || isTerminal(r.status) || r.epochs.length > epochs;
        });
      }, 120_000).catch(() => violations.push(`no progress for 120 s before ${describeOp(op)}`));
      await new Promise((r) => setTimeout(r, op.gapMs));
      const did = await runOp(op, {
        cluster,
        records,
        charge: (rs) => rs.forEach((r) => faults.set(`${r.sweepId}/${r.trialId}`, (faults.get(`${r.sweepId}/${r.trialId}`) ?? 0) + 1)),
        onSweepsChanged: () => undefined,
      });
      executed.push(`${describeOp(op)}: ${did ?? 'skipped, nothing to apply it to'}`);
      if (did) kinds.push(op.kind);
      log(`  seed ${seed} op ${executed.length}/${schedule.length} ${executed.at(-1)}`);
      gate = new Map((await records()).filter((r) => r.status === 'RUNNING').map((r) => [`${r.sweepId}/${r.trialId}`, r.epochs.length]));
    }
    await waitFor('every sweep ended and its coordinator exited', allDone, 300_000).catch(() => violations.push('the sweeps did not end within 300 s of the last op'));
    await jobCheck.stop();
    supervising = false;
    await supervisor;
    violations.push(...cluster.unexplainedExits, ...jobCheck.stranded);
    const checked = await checkInvariants(broker.nc, broker.store, {
      sweepIds: sweepIds(),
      epochs: (id) => EPOCHS[id] ?? 0,
      faults: (key) => faults.get(key) ?? 0,
      reference: o.reference.weights,
    });
    violations.push(...checked.violations);
    if (violations.length > 0) brokerState = await describeBroker(broker.nc, broker.store, sweepIds()).catch((e: unknown) => `broker state unreadable: ${String(e)}`);
    const output = cluster.everyProcess.map((e) => e.p.output()).join('\n');
    result = {
      seed,
      schedule: schedule.map(describeOp),
      executed,
      kinds,
      ops: kinds.filter((k) => !FAULT_KINDS.has(k)).length,
      faults: kinds.filter((k) => FAULT_KINDS.has(k)).length,
      violations,
      orphans: checked.orphans,
      duplicates: checked.tallies.filter((t) => t.duplicate).length,
      leasesLost: countLogLines(output, 'lease lost'),
      jobChecks: jobCheck.checks,
      seconds: (Date.now() - started) / 1000,
      logs: null,
    };
    return result;
  } finally {
    supervising = false;
    await jobCheck.stop();
    stopHogs();
    await cluster.stopAll();
    if (violations.length > 0 || !result) {
      const logs = join(tmpdir(), `sweep-torture-seed-${seed}`);
      rmSync(logs, { recursive: true, force: true });
      mkdirSync(logs);
      cluster.writeLogs(logs);
      if (brokerState) writeFileSync(join(logs, 'broker-state.json'), brokerState);
      if (result) result.logs = logs;
      log(`  seed ${seed}: process logs in ${logs}`);
    }
    await broker.stop();
  }
}

/** For a run with violations: the JOBS stream's subjects, the pool consumer's state and every record, as JSON. */
async function describeBroker(nc: NatsConnection, store: TrialStore, sweepIds: string[]): Promise<string> {
  const jsm = await nc.jetstreamManager();
  const stream = await jsm.streams.info(JOBS_STREAM, { subjects_filter: '>' });
  const consumer = await jsm.consumers.info(JOBS_STREAM, consumerName(TORTURE_POOL));
  const records: Record<string, unknown> = {};
  for (const id of sweepIds) {
    for (const r of (await store.snapshot(id)).values()) records[`${id}/${r.trialId}`] = { ...r, config: undefined, result: undefined };
  }
  return JSON.stringify({ stream: stream.state, consumer: { config: consumer.config, delivered: consumer.delivered, ack_floor: consumer.ack_floor, num_pending: consumer.num_pending, num_ack_pending: consumer.num_ack_pending, num_redelivered: consumer.num_redelivered, num_waiting: consumer.num_waiting }, records }, null, 2);
}
