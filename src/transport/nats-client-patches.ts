import { createRequire } from 'node:module';

/**
 * Two patches to the nats.js 2.29 client, each found as a top cost in profiles of workers and the coordinator at
 * thousands of trials per second (bench/dispatch.ts). Both keep the client's behaviour; test/integration/
 * nats-client-patches.test.ts checks it against a real server.
 */
export function installNatsClientPatches(): void {
  const require = createRequire(import.meta.url);
  // Optimizations only: a client whose internals moved (another nats.js version) runs unpatched.
  for (const patch of [patchRequestCancel, patchTransportWrites]) {
    try {
      patch(require);
    } catch {
      // internals not as expected: keep the client's own behaviour
    }
  }
}

interface RequestOneLike {
  settled?: boolean;
  timer?: { cancel(): void };
  mux: { cancel(r: unknown): void };
  deferred: { reject(err: unknown): void };
}

/**
 * The client ends every request, including each one that already succeeded, by rejecting its settled promise
 * with a fresh 'Cancelled' NatsError: an Error and its stack trace per JetStream publish and KV write. A settled
 * promise ignores the rejection, so the error is built only for a request cancelled while still pending.
 */
function patchRequestCancel(require: NodeJS.Require): void {
  const { RequestOne } = require('nats/lib/nats-base-client/request.js') as { RequestOne: { prototype: Record<string, unknown> } };
  const { NatsError, ErrorCode } = require('nats/lib/nats-base-client/core.js') as {
    NatsError: { errorForCode(code: string): Error };
    ErrorCode: { Cancelled: string };
  };
  if (RequestOne.prototype.sweepPatched || typeof RequestOne.prototype.resolver !== 'function' || typeof RequestOne.prototype.cancel !== 'function') return;
  RequestOne.prototype.sweepPatched = true;
  const resolver = RequestOne.prototype.resolver as (this: RequestOneLike, err: unknown, msg: unknown) => void;
  RequestOne.prototype.resolver = function settle(this: RequestOneLike, err: unknown, msg: unknown): void {
    this.settled = true;
    resolver.call(this, err, msg);
  };
  RequestOne.prototype.cancel = function cancel(this: RequestOneLike, err?: Error): void {
    this.timer?.cancel();
    this.mux.cancel(this);
    if (err) this.deferred.reject(err);
    else if (!this.settled) this.deferred.reject(NatsError.errorForCode(ErrorCode.Cancelled));
  };
}

interface NodeTransportLike {
  socket?: { cork(): void; uncork(): void };
  isClosed?: boolean;
  sweepCorked?: boolean;
}

/**
 * The client flushes its outbound buffer in a microtask, which under load means one socket write (a system
 * call) per message or two. Corking the socket until the event loop's next turn turns them into one writev per
 * turn. The transport's own close path waits for a write callback, which uncorking delivers, before it destroys
 * the socket, so nothing buffered is lost.
 */
function patchTransportWrites(require: NodeJS.Require): void {
  const { NodeTransport } = require('nats/lib/src/node_transport.js') as { NodeTransport: { prototype: Record<string, unknown> } };
  if (NodeTransport.prototype.sweepPatched || typeof NodeTransport.prototype.send !== 'function') return;
  NodeTransport.prototype.sweepPatched = true;
  const send = NodeTransport.prototype.send as (this: NodeTransportLike, frame: Uint8Array) => void;
  NodeTransport.prototype.send = function corkedSend(this: NodeTransportLike, frame: Uint8Array): void {
    const socket = this.socket;
    if (socket && !this.isClosed && !this.sweepCorked) {
      this.sweepCorked = true;
      socket.cork();
      setImmediate(() => {
        this.sweepCorked = false;
        socket.uncork();
      });
    }
    send.call(this, frame);
  };
}
