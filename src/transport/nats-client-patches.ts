import { createRequire } from 'node:module';
import { checkVersion, recordPatch, type PatchStatus, type VersionRange } from '../runtime-patches.js';

/** The nats.js versions whose internals (request.js's RequestOne, node_transport.js's NodeTransport) these patch. */
export const NATS_PATCH_RANGE: VersionRange = { min: '2.29.0', below: '2.30.0' };

/** Their names in the runtime-patch registry (logs, sweep_runtime_patch_active). */
export const NATS_PATCHES = { requestCancel: 'nats-request-cancel', corkedWrites: 'nats-corked-writes' } as const;

/**
 * Two patches to the nats.js 2.29 client, each found as a top cost in profiles of workers and the coordinator at
 * thousands of trials per second (bench/dispatch.ts). Both keep the client's behaviour; test/integration/
 * nats-client-patches.test.ts checks it against a real server. Optimizations only: each applies when the
 * installed nats.js is in NATS_PATCH_RANGE and the methods it replaces exist, else the client runs unpatched
 * and the reason is logged once (runtime-patches). Idempotent. `version` overrides the installed one (tests).
 */
export function installNatsClientPatches(opts: { version?: string } = {}): Record<string, PatchStatus> {
  const require = createRequire(import.meta.url);
  const version = opts.version ?? natsVersion(require);
  const patches = [
    [NATS_PATCHES.requestCancel, patchRequestCancel],
    [NATS_PATCHES.corkedWrites, patchTransportWrites],
  ] as const;
  const out: Record<string, PatchStatus> = {};
  for (const [name, patch] of patches) {
    let reason = checkVersion('nats', version, NATS_PATCH_RANGE);
    if (reason === null) {
      try {
        reason = patch(require);
      } catch (e) {
        reason = `nats internals not as expected: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    out[name] = recordPatch(name, { active: reason === null, reason, version });
  }
  return out;
}

/** The installed nats.js version, from its package.json (the package exports none). */
function natsVersion(require: NodeJS.Require): string | null {
  try {
    const { version } = require('nats/package.json') as { version?: unknown };
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
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
function patchRequestCancel(require: NodeJS.Require): string | null {
  const { RequestOne } = require('nats/lib/nats-base-client/request.js') as { RequestOne: { prototype: Record<string, unknown> } };
  const { NatsError, ErrorCode } = require('nats/lib/nats-base-client/core.js') as {
    NatsError: { errorForCode(code: string): Error };
    ErrorCode: { Cancelled: string };
  };
  if (RequestOne.prototype.sweepPatched) return null;
  if (typeof RequestOne.prototype.resolver !== 'function' || typeof RequestOne.prototype.cancel !== 'function') {
    return 'RequestOne.prototype.resolver or .cancel, which it replaces, is missing';
  }
  if (typeof NatsError?.errorForCode !== 'function' || typeof ErrorCode?.Cancelled !== 'string') return 'NatsError.errorForCode or ErrorCode.Cancelled is missing';
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
  return null;
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
function patchTransportWrites(require: NodeJS.Require): string | null {
  const { NodeTransport } = require('nats/lib/src/node_transport.js') as { NodeTransport: { prototype: Record<string, unknown> } };
  if (NodeTransport.prototype.sweepPatched) return null;
  if (typeof NodeTransport.prototype.send !== 'function') return 'NodeTransport.prototype.send, which it wraps, is missing';
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
  return null;
}
