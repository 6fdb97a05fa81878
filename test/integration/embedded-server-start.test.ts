import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServerStartError, startEmbeddedServer } from '../../src/transport/embedded-server.js';

// A real nats-server that cannot bind its port: the error says why, from its own log, and marks the port race
// (which startEmbeddedServer retries on new ports when it chose them itself).
test('a nats-server that exits before it is ready: NatsServerStartError with the errors of its log', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as { port: number }).port;
  const storeDir = mkdtempSync(join(tmpdir(), 'sweep-start-'));
  try {
    await assert.rejects(startEmbeddedServer({ storeDir, port: taken, monitorPort: taken }), (e: unknown) => {
      assert.ok(e instanceof NatsServerStartError, String(e));
      assert.equal(e.portTaken, true);
      assert.match(e.message, /nats-server exited with code 1 before it was ready; see .*nats-server\.log; from its log:\n[^]*address already in use/);
      return true;
    });
  } finally {
    blocker.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
});
