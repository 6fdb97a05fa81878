import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { REPO_ROOT, isAlive, runCli } from '../helpers/cli.js';
import { StateDirError, ensureStateDir } from '../../src/cli/state-dir.js';

const SLEEP_SPEC = join(REPO_ROOT, 'sweeps', 'sleep.yaml');
const mode = (p: string) => statSync(p).mode & 0o777;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-state-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger that keeps the messages of its warnings. */
function warningsLog() {
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { level: number; msg: string };
        if (e.level === 40) warnings.push(e.msg);
      }
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), warnings };
}

describe('the state dir (.sweep/) is private to its owner', () => {
  test('created 0700, its new parents too, whatever the umask', (t) => {
    const dir = join(tempDir(t), 'a', '.sweep');
    const { log, warnings } = warningsLog();
    const previous = process.umask(0);
    try {
      ensureStateDir(dir, log);
    } finally {
      process.umask(previous);
    }
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, '..')), 0o700);
    assert.deepEqual(warnings, []);
  });

  test('an existing one open to others (an older version made it 0755) is tightened to 0700, with one warning', (t) => {
    const dir = join(tempDir(t), '.sweep');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const { log, warnings } = warningsLog();
    ensureStateDir(dir, log);
    assert.equal(mode(dir), 0o700);
    assert.deepEqual(warnings, [`the state dir ${dir} was open to other users (mode 0755): set to 0700`]);
    ensureStateDir(dir, log);
    assert.equal(warnings.length, 1, 'once');
  });

  test("one owned by another user, or a file, is refused; the CLI says so in one line and starts no server", async (t) => {
    const root = tempDir(t);
    const dir = join(root, '.sweep');
    mkdirSync(join(dir, 'nats'), { recursive: true, mode: 0o700 });
    chownSync(dir, 12345, 12345); // the tests run as root
    const { log } = warningsLog();
    assert.throws(() => ensureStateDir(dir, log), (e: unknown) => e instanceof StateDirError && /belongs to uid 12345, not to you \(uid \d+\)/.test(e.message));

    const res = await runCli(['list'], { cwd: root, timeoutMs: 60_000 });
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.match(res.stderr, /^sweep: the state dir .*\.sweep belongs to uid 12345, not to you/);
    assert.ok(!existsSync(join(dir, 'nats', 'server.json')), 'no server was started on their directory');
    assert.ok(!existsSync(join(dir, 'nats', 'token')));

    const file = join(root, 'not-a-dir');
    writeFileSync(file, '');
    assert.throws(() => ensureStateDir(file, log), StateDirError);
  });

  test('`sweep launch` with the embedded broker makes .sweep 0700', { timeout: 120_000 }, async (t) => {
    const root = tempDir(t);
    const res = await runCli(['launch', SLEEP_SPEC, '--quick', '--detach', '--workers', '0'], { cwd: root, timeoutMs: 90_000 });
    // By pid (t.after hooks run in the order they were registered: the temp dir, and so `sweep down`'s file, goes first).
    const pid = existsSync(join(root, '.sweep', 'nats', 'server.json')) ? (JSON.parse(readFileSync(join(root, '.sweep', 'nats', 'server.json'), 'utf8')) as { pid: number }).pid : 0;
    t.after(() => {
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(mode(join(root, '.sweep')), 0o700);
    assert.equal(mode(join(root, '.sweep', 'nats', 'server.json')), 0o600, 'server.json is private too');
  });
});
