import { createServer, type Server } from 'node:net';
import { SweepError } from '../domain/errors.js';

/** The OS had no port to give that this process has not handed out lately. */
export class NoFreePortError extends SweepError {}

/**
 * How long a port handed out stays reserved for its caller in this process: callers bind within seconds, so two
 * callers asking at nearly the same time (two servers of one test file) never get the same port.
 */
const RESERVED_MS = 10 * 60_000;
/** Ports the OS may answer that are still reserved, before giving up (it rarely answers one at all). */
const MAX_RESERVED_ANSWERS = 100;

const handedOut = new Map<number, number>();

function reserved(port: number, now: number): boolean {
  const since = handedOut.get(port);
  if (since === undefined) return false;
  if (now - since < RESERVED_MS) return true;
  handedOut.delete(port);
  return false;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function portOf(srv: Server): number {
  const addr = srv.address();
  if (typeof addr === 'object' && addr) return addr.port;
  throw new NoFreePortError(`a listening socket has no TCP port (address: ${String(addr)})`);
}

const close = (srv: Server) => new Promise<void>((resolve) => srv.close(() => resolve()));

/**
 * `count` distinct TCP ports free on 127.0.0.1, none handed out by this process in the last minutes. Every port
 * stays bound until all are chosen, so the OS cannot answer one twice, and all are released together on return:
 * bind them at once. Another process can still take one in between; retry on "address already in use".
 */
export async function freePorts(count: number): Promise<number[]> {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`freePorts: count must be a whole number ≥ 0, got ${count}`);
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      if (held.length - ports.length >= MAX_RESERVED_ANSWERS) {
        throw new NoFreePortError(`no free port on 127.0.0.1 after ${held.length} tries (${handedOut.size} handed out lately)`);
      }
      const srv = await listenOnAnyPort();
      held.push(srv);
      const port = portOf(srv);
      if (!reserved(port, Date.now())) ports.push(port);
    }
    // Reserved before they are released: a concurrent call sees each port either still bound or reserved.
    const now = Date.now();
    for (const port of ports) handedOut.set(port, now);
    return ports;
  } finally {
    await Promise.all(held.map(close));
  }
}

/** A TCP port free on 127.0.0.1 a moment ago, not handed out by this process lately (see freePorts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
