import { headers, type Msg, type NatsConnection, type NatsError, type PublishOptions, type Subscription } from 'nats';
import { SweepError } from '../domain/errors.js';
import { newInbox } from './connection.js';
import { coerceError } from '../log.js';

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** A JetStream publish the broker refused or never acknowledged. */
export class JetStreamPublishError extends SweepError {
  override readonly retryable = true;
  constructor(
    message: string,
    /** JetStream's err_code (e.g. 10071 wrong last sequence), when the broker gave one. */
    readonly errCode?: number,
  ) {
    super(message);
  }
}

interface Waiting {
  subject: string;
  resolve: (ack: PubAck) => void;
  reject: (err: Error) => void;
  deadline: number;
}

/**
 * JetStream publishes whose acks all arrive on one inbox subscription, matched by a token in the reply subject
 * (what the Go client calls PublishAsync). The client's js.publish builds a request object, a timer and headers
 * per message: publishing 10,000 jobs that way cost the coordinator as much CPU as the broker spent storing them.
 * Deadlines are checked by one timer.
 */
export class AsyncPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {
    // The connection's inbox prefix: a broker user may subscribe to its own role's replies only (broker-roles.ts).
    this.prefix = newInbox(nc);
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    this.sweeper = setInterval(() => this.expire(), Math.min(1_000, timeoutMs));
    this.sweeper.unref();
  }

  /**
   * Publishes to a stream's subject; resolves with the broker's ack. `expect.noMessageOnSubject` makes the broker
   * store it only while the stream holds no message on that subject (Nats-Expected-Last-Subject-Sequence: 0);
   * otherwise it refuses with WRONG_LAST_SEQUENCE.
   */
  publish(subject: string, data: Uint8Array, expect: { noMessageOnSubject?: boolean } = {}): Promise<PubAck> {
    const token = (this.next++).toString(36);
    const opts: PublishOptions = { reply: `${this.prefix}.${token}` };
    if (expect.noMessageOnSubject) {
      const h = headers();
      h.set('Nats-Expected-Last-Subject-Sequence', '0');
      opts.headers = h;
    }
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(token, { subject, resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, opts);
      } catch (e) {
        this.waiting.delete(token);
        reject(coerceError(e));
      }
    });
  }

  /** Publishes still waiting for their ack. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Stops listening; publishes still waiting are rejected. */
  close(): void {
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    for (const [token, w] of this.waiting) {
      this.waiting.delete(token);
      w.reject(new JetStreamPublishError(`publish to ${w.subject}: publisher closed before the broker acknowledged it`));
    }
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const w = this.waiting.get(token);
    if (!w) return; // expired already
    this.waiting.delete(token);
    if (err) return w.reject(err);
    if (msg.headers?.code === 503) {
      return w.reject(new JetStreamPublishError(`publish to ${w.subject}: no stream captures this subject (is JetStream set up? run \`sweep launch\` or check the broker)`));
    }
    let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = JSON.parse(new TextDecoder().decode(msg.data)) as typeof ack;
    } catch {
      return w.reject(new JetStreamPublishError(`publish to ${w.subject}: the broker's ack is not JSON`));
    }
    if (ack.error) {
      return w.reject(new JetStreamPublishError(`publish to ${w.subject}: ${ack.error.description ?? 'refused'} (${ack.error.err_code ?? ack.error.code ?? '?'})`, ack.error.err_code));
    }
    if (typeof ack.stream !== 'string' || typeof ack.seq !== 'number') {
      return w.reject(new JetStreamPublishError(`publish to ${w.subject}: unexpected ack ${JSON.stringify(ack).slice(0, 200)}`));
    }
    w.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(token);
      w.reject(new JetStreamPublishError(`publish to ${w.subject}: no ack from the broker within ${this.timeoutMs} ms`));
    }
  }
}
