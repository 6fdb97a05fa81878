import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { JetStreamClient, NatsConnection } from 'nats';
import { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from '../../src/transport/embedded-server.js';
import { connectBroker } from '../../src/transport/connection.js';
import { ensureResources, DEFAULT_QUEUE, type QueueSettings } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';

/** Clean-ups of the servers this test process started and has not stopped yet. */
const pending = new Set<() => void>();
const END_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function runPending(): void {
  for (const cleanUp of pending) {
    try {
      cleanUp();
    } catch {
      // the rest still run
    }
  }
  pending.clear();
  unhookProcessEnd();
}

/**
 * A signal ends the process without 'exit' handlers, and the runner's --test-timeout ends a file with SIGTERM:
 * clean up, then let the signal do what it would have done had nobody listened.
 */
function onEndSignal(signal: NodeJS.Signals): void {
  runPending();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hookProcessEnd(): void {
  process.on('exit', runPending);
  for (const signal of END_SIGNALS) process.on(signal, onEndSignal);
}

function unhookProcessEnd(): void {
  process.off('exit', runPending);
  for (const signal of END_SIGNALS) process.off(signal, onEndSignal);
}

/**
 * Runs `cleanUp` (synchronous: SIGKILL the servers, remove their folders) if this test process ends first, by
 * exit or by SIGTERM/SIGINT/SIGHUP, so that nothing outlives a test that timed out or threw; call the returned
 * function once stopped. The signal handlers are there only while a server is: no test process changes otherwise.
 */
export function atTestProcessEnd(cleanUp: () => void): () => void {
  if (pending.size === 0) hookProcessEnd();
  pending.add(cleanUp);
  return () => {
    if (pending.delete(cleanUp) && pending.size === 0) unhookProcessEnd();
  };
}

/** Removes a folder that a just-killed server may still be writing into. */
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });

export interface TestBrokerOptions {
  /** nats-server settings; the ports are free ones unless given, the store is a fresh temp folder. */
  server?: Omit<EmbeddedServerOptions, 'storeDir'>;
  /**
   * Create the streams, buckets and the pool's consumer (ensureResources; true: DEFAULT_QUEUE, or these settings
   * over it) and open `store`. Leave it out where the code under test creates them (a `sweep launch` process).
   */
  resources?: boolean | Partial<QueueSettings>;
}

/**
 * A real nats-server with JetStream on free ports and a temp store, and a client connection to it. The fields
 * are set by start(); stop() undoes everything start() and the test set up (deferred teardown, temp folders).
 */
export class TestBroker {
  /** The running nats-server (another process after crashAndRestart). */
  server!: EmbeddedServer;
  storeDir!: string;
  /** The broker's own client connection. */
  nc!: NatsConnection;
  js!: JetStreamClient;
  private trials: TrialStore | null = null;
  private readonly conns: NatsConnection[] = [];
  private readonly dirs: string[] = [];
  private readonly deferred: (() => unknown)[] = [];
  private forgetAtEnd: () => void = () => undefined;

  constructor(private readonly opts: TestBrokerOptions = {}) {}

  get url(): string {
    return this.server.url;
  }

  /** The trials bucket; only with `resources` (the bucket must exist). */
  get store(): TrialStore {
    if (!this.trials) throw new Error('TestBroker.store: start the broker with `resources` to create the trials bucket');
    return this.trials;
  }

  async start(): Promise<this> {
    this.forgetAtEnd = atTestProcessEnd(() => {
      this.server?.kill();
      this.dirs.forEach(removeDir);
    });
    this.storeDir = this.tempDir('sweep-nats-');
    try {
      this.server = await startEmbeddedServer({ ...this.opts.server, storeDir: this.storeDir });
      this.nc = await this.connect();
      this.js = this.nc.jetstream();
      if (this.opts.resources) {
        await ensureResources(this.nc, { ...DEFAULT_QUEUE, ...(this.opts.resources === true ? {} : this.opts.resources) });
        this.trials = await TrialStore.open(this.nc);
      }
    } catch (e) {
      // The start's own error says what went wrong; one from the teardown would hide it.
      await this.stop().catch(() => undefined);
      throw e;
    }
    return this;
  }

  /** Another client connection, closed at stop. */
  async connect(name = 'test'): Promise<NatsConnection> {
    const nc = await connectBroker({ url: this.url }, name);
    this.conns.push(nc);
    return nc;
  }

  /** A fresh temp folder, removed at stop. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Runs `fn` at stop while the broker still runs (workers, reapers); the last one registered runs first. */
  defer(fn: () => unknown): void {
    this.deferred.push(fn);
  }

  /** SIGKILL the server, wait `downMs`, start it again on the same ports with the same store (clients reconnect). */
  async crashAndRestart(downMs: number): Promise<void> {
    const { port, monitorPort } = this.server;
    this.server.kill();
    await this.server.stop(); // resolves once the killed process has exited
    await new Promise((r) => setTimeout(r, downMs));
    this.server = await startEmbeddedServer({ ...this.opts.server, storeDir: this.storeDir, port, monitorPort });
  }

  /** Runs the deferred teardown (all of it, even when one throws), then closes the connections, stops the server and removes the temp folders. */
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.deferred.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    }
    await Promise.all(this.conns.splice(0).map((c) => c.close().catch(() => undefined)));
    await this.server?.stop();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    this.forgetAtEnd();
    if (errors.length > 0) throw errors[0];
  }
}

/** A started TestBroker; the caller stops it (`t.after(() => broker.stop())` for one test). */
export function startTestBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
  return new TestBroker(opts).start();
}

/**
 * The broker of a describe() block: started in its before() hook and stopped in its after() hook. Call it first
 * in the block, so that the block's own before() hooks see it started; `defer` works at once.
 */
export function brokerSuite(opts: TestBrokerOptions = {}): TestBroker {
  const broker = new TestBroker(opts);
  before(() => broker.start());
  after(() => broker.stop());
  return broker;
}
