import type { JsMsg } from 'nats';

/**
 * Keeps a job's lease alive while a trial runs: calls msg.working() every ackWait/3, so an epoch longer
 * than ack_wait never triggers a redelivery, while a worker that dies loses the job after ack_wait. Training
 * runs in a trainer process, so nothing on this event loop delays these calls for long.
 */
export class AckExtender {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly msg: JsMsg,
    private readonly ackWaitMs: number,
    /** Called for a renewal that could not be sent (connection down): the lease may lapse. */
    private readonly onRenewalFailure: (err: Error | null) => void = () => {},
    private readonly connected: () => boolean = () => true,
  ) {}

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => {
      if (!this.connected()) return this.onRenewalFailure(null);
      try {
        this.msg.working();
      } catch (e) {
        // The connection reconnects by itself; if the lease lapses meanwhile, fencing stops this attempt.
        this.onRenewalFailure(e as Error);
      }
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
