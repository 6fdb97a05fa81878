import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsError } from 'nats';
import { REPO_ROOT, isAlive, runCli } from '../helpers/cli.js';
import { startEmbeddedServer, embeddedConfigFile } from '../../src/transport/embedded-server.js';
import { BrokerAuthError, TokenFileError, connectBroker } from '../../src/transport/connection.js';

const SLEEP_SPEC = join(REPO_ROOT, 'sweeps', 'sleep.yaml');
const SWEEP_ID = 'sleep-quick';

/** Kills by pid (never by name) whatever is still alive. */
function killAll(pids: number[]): void {
  for (const pid of pids) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
}

const mode = (file: string) => statSync(file).mode & 0o777;
/** NUL-separated argv (or environment) of a live process. */
const procFile = (pid: number, what: 'cmdline' | 'environ') => readFileSync(`/proc/${pid}/${what}`, 'utf8').split('\0');

/** Rejects with nats.js's authorization error, or fails. */
async function assertRefused(url: string, token: string | undefined, what: string): Promise<void> {
  await assert.rejects(
    connect({ servers: url, ...(token !== undefined ? { token } : {}), maxReconnectAttempts: 0, timeout: 5_000 }).then((nc) => nc.close()),
    (e: unknown) => e instanceof NatsError && e.code === 'AUTHORIZATION_VIOLATION',
    what,
  );
}

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the embedded default broker requires a random token', { timeout: 240_000 }, () => {
  test('strangers are refused; this directory\'s CLI calls and local workers get in; the token is in no argv', async (t) => {
    const dir = tempDir(t, 'sweep-auth-');
    const store = join(dir, '.sweep', 'nats');
    const pids: number[] = [];
    // Runs before the temp dir is removed (t.after hooks run in reverse order).
    t.after(async () => {
      await runCli(['down'], { cwd: dir, timeoutMs: 30_000 }).catch(() => undefined);
      killAll(pids);
    });

    const launched = await runCli(['launch', SLEEP_SPEC, '--quick', '--detach', '--workers', '1'], { cwd: dir, timeoutMs: 120_000 });
    assert.equal(launched.code, 0, launched.stderr); // `sweep down` in t.after stops whatever it left running
    const server = JSON.parse(readFileSync(join(store, 'server.json'), 'utf8')) as { url: string; pid: number; auth?: string };
    pids.push(server.pid);
    const workerPids = JSON.parse(readFileSync(join(store, 'workers.json'), 'utf8')) as number[];
    pids.push(...workerPids);
    assert.equal(launched.stdout.trim(), SWEEP_ID);
    assert.equal(server.auth, 'token');

    const tokenFile = join(store, 'token');
    const configFile = embeddedConfigFile(store);
    const token = readFileSync(tokenFile, 'utf8').trim();
    assert.ok(token.length >= 43, `a 32-byte token (base64url), got ${token.length} characters`);
    assert.equal(mode(tokenFile), 0o600, 'token file mode');
    assert.equal(mode(configFile), 0o600, 'config file mode');
    assert.match(readFileSync(configFile, 'utf8'), new RegExp(`authorization \\{\\s*token: "${token}"\\s*\\}`));

    await assertRefused(server.url, undefined, 'no token');
    await assertRefused(server.url, 'not-the-token', 'a wrong token');
    const ok = await connect({ servers: server.url, token, maxReconnectAttempts: 0 });
    await ok.close();

    // Neither nats-server nor the workers have the token in their command line; workers get only the file's path.
    assert.equal(workerPids.length, 1);
    for (const pid of [server.pid, ...workerPids]) {
      const argv = procFile(pid, 'cmdline');
      assert.ok(argv.length > 1, `process ${pid} is alive`);
      assert.ok(!argv.some((a) => a.includes(token)), `the token is in the argv of ${pid}: ${argv.join(' ')}`);
    }
    for (const pid of workerPids) {
      const env = procFile(pid, 'environ');
      assert.ok(env.includes(`NATS_TOKEN_FILE=${tokenFile}`), `worker ${pid} is given the token file`);
      assert.ok(!env.some((v) => v.includes(token)), `the token is in the environment of worker ${pid}`);
    }

    // Later calls in the same directory reuse the server with its token: the detached worker finishes the sweep.
    let counts: Record<string, number> = {};
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && counts.COMPLETED !== 2) {
      const status = await runCli(['status', SWEEP_ID, '--json'], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(status.code, 0, status.stderr);
      counts = (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts;
      if (counts.COMPLETED !== 2) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(counts.COMPLETED, 2, 'the detached worker (token from the file) completed both trials');
    const status = await runCli(['status', SWEEP_ID], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(SWEEP_ID));
    const leaderboard = await runCli(['leaderboard', SWEEP_ID], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(leaderboard.code, 0, leaderboard.stderr);
    assert.match(leaderboard.stdout, new RegExp(SWEEP_ID));

    // A wrong token: one line that says what, where the token is and what to do; exit 1.
    const wrong = await runCli(['status', SWEEP_ID, '--nats-token', 'not-the-token'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
    assert.match(wrong.stderr, /^sweep: the embedded nats-server of .*\.sweep refused the connection: authorization violation; /);
    assert.match(wrong.stderr, new RegExp(`${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mode 0600\\)`));
    assert.match(wrong.stderr, /sweep down/);
    assert.ok(!wrong.stderr.includes(token), 'the error does not print the token');

    // The token file gone: connecting without one is refused, and the line says the file is missing.
    renameSync(tokenFile, `${tokenFile}.moved`);
    try {
      const missing = await runCli(['leaderboard', SWEEP_ID], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(missing.code, 1, missing.stderr);
      assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
      assert.match(missing.stderr, /authorization violation; its token file .*token is missing or unreadable/);
    } finally {
      renameSync(`${tokenFile}.moved`, tokenFile);
    }

    // Another directory pointed at its URL without the token: the generic one-line refusal.
    const stranger = await runCli(['list', '--nats', server.url], { cwd: tempDir(t, 'sweep-stranger-'), timeoutMs: 60_000 });
    assert.equal(stranger.code, 1, stranger.stderr);
    assert.equal(stranger.stderr.trim().split('\n').length, 1, stranger.stderr);
    assert.match(stranger.stderr, /refused the connection: authorization violation/);

    const down = await runCli(['down'], { cwd: dir, timeoutMs: 30_000 });
    assert.match(down.stdout, /embedded nats-server stopped/);
    assert.ok(!existsSync(tokenFile), 'sweep down removes the token file');
  });

  test('a server started by an older version (no token) is not reused: one line says to stop it; after `sweep down` a fresh one with a token starts', async (t) => {
    const dir = tempDir(t, 'sweep-auth-old-');
    const store = join(dir, '.sweep', 'nats');
    mkdirSync(store, { recursive: true });
    const server = await startEmbeddedServer({ storeDir: store });
    // By pid: t.after hooks run in the order they were registered, so the temp dir (and `sweep down`'s file) goes first.
    const pids: number[] = [];
    t.after(async () => {
      killAll(pids);
      await server.stop();
    });
    writeFileSync(join(store, 'server.json'), JSON.stringify({ url: server.url, monitorUrl: server.monitorUrl, pid: server.pid }));
    const refused = await runCli(['launch', SLEEP_SPEC, '--quick', '--detach', '--workers', '0'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(refused.code, 1, refused.stderr);
    // The older version made .sweep 0755: one warning says it is now 0700, then the one line of the refusal.
    assert.equal(mode(join(dir, '.sweep')), 0o700);
    const lines = refused.stderr.trim().split('\n');
    assert.equal(lines.length, 2, refused.stderr);
    assert.match(lines[0]!, /the state dir .*\.sweep was open to other users \(mode 0755\): set to 0700/);
    assert.match(lines[1]!, /^sweep: the embedded nats-server of .*\.sweep \(pid \d+\) lets in clients without its token \(an older version of sweep started it\): stop it with `sweep down`/);
    assert.ok(isAlive(server.pid), 'it is left running (it is ours: nothing else is started on its store)');

    const down = await runCli(['down'], { cwd: dir, timeoutMs: 30_000 });
    assert.match(down.stdout, /embedded nats-server stopped/);
    await server.stop();
    const launched = await runCli(['launch', SLEEP_SPEC, '--quick', '--detach', '--workers', '0'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(launched.code, 0, launched.stderr);
    const info = JSON.parse(readFileSync(join(store, 'server.json'), 'utf8')) as { url: string; pid: number; auth?: string };
    pids.push(info.pid);
    assert.notEqual(info.pid, server.pid, 'a new server');
    assert.equal(info.auth, 'token');
    await assertRefused(info.url, undefined, 'the new one requires its token');
  });
});

describe('startEmbeddedServer({ token })', { timeout: 60_000 }, () => {
  test('writes its config file 0600 even under umask 0 and over a world-readable file; argv has no token', async (t) => {
    const store = join(tempDir(t, 'sweep-auth-unit-'), 'nats');
    mkdirSync(store, { recursive: true });
    const configFile = embeddedConfigFile(store);
    writeFileSync(configFile, 'stale\n');
    chmodSync(configFile, 0o666);
    const token = 'Tok_en-0123456789abcdefghijklmnopqrstuvwxyzAB';
    const previous = process.umask(0);
    const server = await startEmbeddedServer({ storeDir: store, token }).finally(() => process.umask(previous));
    t.after(() => server.stop());
    assert.equal(mode(configFile), 0o600);
    assert.ok(readFileSync(configFile, 'utf8').includes(`token: "${token}"`));
    assert.ok(!procFile(server.pid, 'cmdline').some((a) => a.includes(token)), 'token on the command line');

    await assertRefused(server.url, undefined, 'no token');
    const nc = await connectBroker({ url: server.url, token }, 'auth-unit');
    await nc.close();

    // --nats-token-file: read at connect time; an explicit token wins; a missing file is named in the error.
    const tokenFile = join(store, 'my-token');
    writeFileSync(tokenFile, `${token}\n`);
    const viaFile = await connectBroker({ url: server.url, tokenFile }, 'auth-unit');
    await viaFile.close();
    await assert.rejects(connectBroker({ url: server.url, token: 'wrong', tokenFile }, 'auth-unit'), (e: unknown) => {
      assert.ok(e instanceof BrokerAuthError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /refused the connection: authorization violation \(token from --nats-token/);
      return true;
    });
    const missing = join(store, 'nope');
    await assert.rejects(connectBroker({ url: server.url, tokenFile: missing }, 'auth-unit'), (e: unknown) => {
      assert.ok(e instanceof TokenFileError);
      assert.ok(e.message.includes(missing), e.message);
      return true;
    });
  });

  test('rejects a token that could break out of the config string', async (t) => {
    const store = join(tempDir(t, 'sweep-auth-unit-'), 'nats');
    await assert.rejects(startEmbeddedServer({ storeDir: store, token: 'a"\n}' }), RangeError);
  });
});
