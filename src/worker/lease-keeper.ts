import type { JsMsg } from 'nats';

/** A job this worker holds: its delivery (whose lease is renewed) and the attempt running it. */
export interface HeldJob {
  msg: JsMsg;
  /** Writes the attempt's fenced heartbeat when one is due (the attempt knows when it last wrote). */
  heartbeat(): void;
  /** Stops the attempt at its next batch boundary (drain). */
  abort(): void;
}

export interface LeaseKeeperOptions {
  /** The pool consumer's ack_wait when the worker bound to it. */
  ackWaitMs: number;
  /** Reads the consumer's ack_wait now (another sweep's launch may have raised it). */
  readAckWaitMs: () => Promise<number>;
  /** Re-read the consumer's ack_wait at most this often while jobs are held; default 5 s. */
  refreshMs?: number;
  connected: () => boolean;
  /** A renewal that could not be sent (connection down): the lease may lapse. */
  onRenewalFailure?: () => void;
  onAckWaitChange?: (fromMs: number, toMs: number) => void;
  onRefreshError?: (err: unknown) => void;
}

/** Heartbeats every max(1 s, ack_wait/3), with the renewals: a live owner's record is never an ack_wait old. */
export const heartbeatIntervalMs = (ackWaitMs: number): number => Math.max(1_000, Math.floor(ackWaitMs / 3));

/**
 * A RUNNING record whose heartbeat is younger than this has a live owner (a claim takes it over for free). A live
 * owner writes at least every 1.5 heartbeat intervals (ack_wait/2 from 3 s up); a dead owner's job comes back an
 * ack_wait after its last renewal, and its last write can be a little younger than that renewal (its claim is
 * stamped after the delivery): two thirds of ack_wait lies between the two with a margin both ways.
 */
export const liveOwnerWindowMs = (ackWaitMs: number): number => Math.floor((2 * ackWaitMs) / 3);

/**
 * The worker's one lease keeper (bullmq's LockManager: one timer for every job). Every ack_wait/3 of the pool
 * consumer's current ack_wait it renews each held job's lease (msg.working()) and lets each attempt write its
 * heartbeat; it re-reads the consumer's ack_wait regularly and retimes itself when it changed, so a lease never
 * depends on the value the worker found at start. A drain aborts every held attempt. No timer runs while nothing
 * is held (dispatch benchmarks run thousands of 0 ms trials).
 */
export class LeaseKeeper {
  private readonly held = new Set<HeldJob>();
  private timer: NodeJS.Timeout | null = null;
  private ackWaitMs_: number;
  private lastRefreshAt = Date.now();
  private refreshing: Promise<void> | null = null;

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.ackWaitMs_ = opts.ackWaitMs;
  }

  /** The pool's lease as last read. */
  get ackWaitMs(): number {
    return this.ackWaitMs_;
  }

  get heartbeatMs(): number {
    return heartbeatIntervalMs(this.ackWaitMs_);
  }

  get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.ackWaitMs_ / 3));
  }

  /** Keeps `job`'s lease until the returned release() is called. */
  hold(job: HeldJob): () => void {
    this.held.add(job);
    if (!this.timer) {
      if (Date.now() - this.lastRefreshAt >= this.refreshMs) void this.refresh();
      this.schedule();
    }
    return () => {
      this.held.delete(job);
      if (this.held.size === 0) this.unschedule();
    };
  }

  /** Drain: every held attempt stops at its next batch boundary. */
  abortAll(): void {
    for (const job of this.held) job.abort();
  }

  /** Reads the consumer's ack_wait now and retimes the renewals when it changed (one read at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const next = await this.opts.readAckWaitMs();
        this.lastRefreshAt = Date.now();
        if (next > 0 && next !== this.ackWaitMs_) {
          const before = this.ackWaitMs_;
          this.ackWaitMs_ = next;
          this.opts.onAckWaitChange?.(before, next);
          if (this.timer) this.schedule();
        }
      } catch (e) {
        this.opts.onRefreshError?.(e);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private get refreshMs(): number {
    return this.opts.refreshMs ?? 5_000;
  }

  private tick(): void {
    const connected = this.opts.connected();
    for (const job of this.held) {
      if (!connected) {
        this.opts.onRenewalFailure?.();
        continue;
      }
      try {
        job.msg.working();
      } catch {
        // The connection reconnects by itself; if the lease lapses meanwhile, fencing stops this attempt.
        this.opts.onRenewalFailure?.();
      }
      job.heartbeat();
    }
    if (Date.now() - this.lastRefreshAt >= this.refreshMs) void this.refresh();
  }

  private schedule(): void {
    this.unschedule();
    this.timer = setInterval(() => this.tick(), this.renewEveryMs);
    this.timer.unref();
  }

  private unschedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
