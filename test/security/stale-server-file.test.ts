import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, isAlive, runCli } from '../helpers/cli.js';
import { embeddedServerProcess, startEmbeddedServer, type EmbeddedServer } from '../../src/transport/embedded-server.js';

const SLEEP_SPEC = join(REPO_ROOT, 'sweeps', 'sleep.yaml');

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Another local user's nats-server (a real one, on its own store; with its own token, or none): not ours. */
async function foreignServer(t: TestContext, token?: string): Promise<EmbeddedServer> {
  const server = await startEmbeddedServer({ storeDir: join(tempDir(t, 'sweep-foreign-'), 'nats'), ...(token ? { token } : {}) });
  t.after(() => server.stop());
  return server;
}

/** Every client connection the server has seen, open or closed (its monitoring port). */
async function connectionsSeen(server: EmbeddedServer): Promise<number> {
  const connz = (await (await fetch(`${server.monitorUrl}/connz?state=all`)).json()) as { total: number };
  return connz.total;
}

/** A pid that was ours and is gone. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

/**
 * `sweep launch --detach` in `dir`, whose `.sweep/nats/server.json` names the foreign server: a fresh embedded
 * server must start (another pid and URL, with a token) and the foreign one never hear from us.
 */
async function launchBeside(t: TestContext, foreign: EmbeddedServer, recordedPid: number): Promise<void> {
  const dir = tempDir(t, 'sweep-stale-');
  const store = join(dir, '.sweep', 'nats');
  mkdirSync(store, { recursive: true });
  writeFileSync(join(store, 'server.json'), JSON.stringify({ url: foreign.url, monitorUrl: foreign.monitorUrl, pid: recordedPid, auth: 'token' }));
  writeFileSync(join(store, 'token'), 'a-token-the-foreign-server-may-know\n');

  const launched = await runCli(['launch', SLEEP_SPEC, '--quick', '--detach', '--workers', '0'], { cwd: dir, timeoutMs: 120_000 });
  assert.equal(launched.code, 0, launched.stderr);
  const info = JSON.parse(readFileSync(join(store, 'server.json'), 'utf8')) as { url: string; pid: number; auth?: string };
  // By pid, and only ours (t.after hooks run in the order they were registered: the temp dir goes first).
  t.after(() => {
    if (info.pid !== foreign.pid && isAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  });
  assert.notEqual(info.url, foreign.url, 'a fresh server on fresh ports');
  assert.notEqual(info.pid, foreign.pid);
  assert.equal(info.auth, 'token');
  assert.ok(isAlive(info.pid), 'the fresh server runs (detached)');
  assert.notEqual(readFileSync(join(store, 'token'), 'utf8').trim(), 'a-token-the-foreign-server-may-know', 'with a fresh token');
  assert.equal(await connectionsSeen(foreign), 0, 'the foreign server got no connection from us');

  // The sweep is on our server: status (reusing it, by its proof) sees it; the foreign one still saw nobody.
  const status = await runCli(['status', 'sleep-quick', '--json'], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { counts: Record<string, number> }).counts.QUEUED, 2);
  assert.equal((JSON.parse(readFileSync(join(store, 'server.json'), 'utf8')) as { pid: number }).pid, info.pid, 'status reused our server');
  assert.equal(await connectionsSeen(foreign), 0);

  const down = await runCli(['down'], { cwd: dir, timeoutMs: 30_000 });
  assert.match(down.stdout, /embedded nats-server stopped/);
  assert.ok(isAlive(foreign.pid), '`sweep down` never signals the foreign server');
}

describe('a stale .sweep/nats/server.json naming a foreign nats-server is not reused', { timeout: 300_000 }, () => {
  test('it names the foreign server itself (same uid, same binary, its pid and ports; no token): a fresh server starts', async (t) => {
    const foreign = await foreignServer(t);
    await launchBeside(t, foreign, foreign.pid);
  });

  test('it names our old server, gone since, and a foreign server (another token) took its ports: a fresh server starts', async (t) => {
    const foreign = await foreignServer(t, 'foreign-token-0123456789abcdefghijklmnop');
    await launchBeside(t, foreign, await deadPid());
  });

  test('`sweep down` with a stale file signals nothing', async (t) => {
    const foreign = await foreignServer(t);
    const dir = tempDir(t, 'sweep-stale-down-');
    const store = join(dir, '.sweep', 'nats');
    mkdirSync(store, { recursive: true });
    writeFileSync(join(store, 'server.json'), JSON.stringify({ url: foreign.url, monitorUrl: foreign.monitorUrl, pid: foreign.pid, auth: 'token' }));
    const down = await runCli(['down'], { cwd: dir, timeoutMs: 30_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /no embedded nats-server is running here/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(isAlive(foreign.pid), 'the foreign server still runs');
  });
});

describe('embeddedServerProcess: what proves a pid is our nats-server (Linux /proc)', { timeout: 60_000 }, () => {
  test('our uid, the nats-server binary, this store and these ports; anything else is not ours', async (t) => {
    const store = join(tempDir(t, 'sweep-identity-'), 'nats');
    const server = await startEmbeddedServer({ storeDir: store });
    t.after(() => server.stop());
    const expected = { storeDir: store, port: server.port, monitorPort: server.monitorPort };
    assert.deepEqual(embeddedServerProcess(server.pid, expected), { ours: true });

    const not = (pid: number, e: typeof expected, why: RegExp) => {
      const r = embeddedServerProcess(pid, e);
      assert.equal(r.ours, false, `${pid}: ${JSON.stringify(r)}`);
      if (!r.ours) assert.match(r.why, why);
    };
    not(server.pid, { ...expected, storeDir: join(store, 'other') }, /serves store/);
    not(server.pid, { ...expected, port: server.port + 1 }, /listens on ports/);
    not(await deadPid(), expected, /is not running/);
    not(0, expected, /no valid pid/);

    const sleeper = spawn('sleep', ['30']);
    t.after(() => sleeper.kill('SIGKILL'));
    not(sleeper.pid!, expected, /runs \/.*sleep, not .*nats-server/);
    if (process.getuid?.() === 0) {
      // A process of another user (the tests run as root): refused on its owner before anything else.
      const stranger = spawn('sleep', ['30'], { uid: 12345, gid: 12345 });
      t.after(() => stranger.kill('SIGKILL'));
      await new Promise((r) => setTimeout(r, 100));
      not(stranger.pid!, expected, /belongs to uid 12345/);
    }
  });
});
