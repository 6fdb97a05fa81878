import { seededRandom } from '../seeded-random.js';

/** What a torture run can do to a sweep: operations people run, and faults machines have. */
export const OP_KINDS = [
  'relaunch', // kill -9 A's coordinator, `sweep launch` A again, past the duplicate window
  'coordinator-kill', // kill -9 one coordinator, `sweep attach` it again
  'worker-drain', // SIGTERM a worker (it requeues its trial), start another
  'worker-kill', // kill -9 a worker, start another
  'worker-suspend', // SIGSTOP a worker past the pool's ack_wait, then SIGCONT
  'second-sweep', // launch B on the same pool with another ack_wait
  'cancel-retry', // `sweep cancel` A, then `sweep retry` A
  'extend', // `sweep launch --extend` A with more repeats
  'broker-restart', // kill -9 nats-server, start it again on the same store
  'worker-late', // one more worker joins
  'worker-retire', // a worker drains and is not replaced
] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface Op {
  kind: OpKind;
  /** In [0, 1): picks the target (a worker, a coordinator) among those there when the op runs. */
  pick: number;
  /** Waited after the progress gate, before the op. */
  gapMs: number;
  /** worker-suspend: times the pool's ack_wait; broker-restart: ms down; cancel-retry: ms between the two. */
  amount: number;
}

/** Kinds that make sense once per run (B exists once, A is extended once). */
const ONCE: ReadonlySet<OpKind> = new Set<OpKind>(['second-sweep', 'extend']);
const WEIGHTS: Record<OpKind, number> = {
  relaunch: 2,
  'coordinator-kill': 2,
  'worker-drain': 2,
  'worker-kill': 3,
  'worker-suspend': 2,
  'second-sweep': 2,
  'cancel-retry': 2,
  extend: 2,
  'broker-restart': 1,
  'worker-late': 1,
  'worker-retire': 1,
};

/** The run's sequence of operations and faults: a pure function of the seed, so `--seed N` replays it. */
export function drawSchedule(seed: number, count: number): Op[] {
  const random = seededRandom(seed * 2654435761);
  const ops: Op[] = [];
  const used = new Set<OpKind>();
  while (ops.length < count) {
    const kinds = OP_KINDS.filter((k) => !(ONCE.has(k) && used.has(k)));
    const total = kinds.reduce((n, k) => n + WEIGHTS[k], 0);
    let r = random() * total;
    const kind = kinds.find((k) => (r -= WEIGHTS[k]) < 0) ?? kinds[kinds.length - 1]!;
    used.add(kind);
    const amount = kind === 'worker-suspend' ? 1.5 + random() : kind === 'broker-restart' ? 500 + random() * 1500 : kind === 'cancel-retry' ? random() * 3000 : 0;
    ops.push({ kind, pick: random(), gapMs: Math.round(500 + random() * 2000), amount });
  }
  return ops;
}

export const describeOp = (op: Op): string =>
  op.kind === 'worker-suspend' ? `${op.kind}(${op.amount.toFixed(2)}×ack_wait)` : op.kind === 'broker-restart' || op.kind === 'cancel-retry' ? `${op.kind}(${Math.round(op.amount)}ms)` : op.kind;
