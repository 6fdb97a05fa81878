// The server helpers leave nothing running when they fail or when the test that started them is ended:
// real nats-server processes, found through /proc rather than through the helpers' own bookkeeping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestCluster, type ClusterAttempt } from '../helpers/nats-cluster.js';
import { TestBroker } from '../helpers/nats-server.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { NatsServerStartError } from '../../src/transport/embedded-server.js';

/** pid → [command name, state, parent pid] of every process, from /proc. */
function processes(): Map<number, { comm: string; state: string; ppid: number }> {
  const out = new Map<number, { comm: string; state: string; ppid: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m) out.set(Number(entry), { comm: m[1]!, state: m[2]!, ppid: Number(m[3]) });
    } catch {
      // it ended while we read
    }
  }
  return out;
}

/** nats-server processes this test process started that are still there (zombies included: reaping is part of stopping). */
function ownNatsServers(): number[] {
  return [...processes()].filter(([, p]) => p.comm === 'nats-server' && p.ppid === process.pid).map(([pid]) => pid).sort();
}

/** Every nats-server child of this process seen while it runs, sampled every 20 ms. */
function watchOwnNatsServers(): { seen: Set<number>; stop: () => void } {
  const seen = new Set<number>();
  const sample = () => ownNatsServers().forEach((pid) => seen.add(pid));
  const timer = setInterval(sample, 20);
  return { seen, stop: () => (clearInterval(timer), sample()) };
}

function signalZeroFails(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Gone, or a zombie of a process that is itself gone (init reaps it; it holds no port). */
const notRunning = (pid: number) => signalZeroFails(pid) || processes().get(pid)?.state === 'Z';

/** Holds a port as another process would; it hangs up on whoever connects (a silent one would keep clients waiting). */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((socket) => socket.destroy());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

const closeAll = (servers: Server[]) => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
const CLIENT_PORT_OF_N2 = 1;
const ROUTE_PORT_OF_N2 = 3 + 1;

describe('TestCluster: a failed start leaves nothing behind', () => {
  test('a port taken on every try: it fails after three tries, each on new ports, with no server or folder left', async () => {
    assert.deepEqual(ownNatsServers(), [], 'no nats-server of this process before the test');
    const attempts: ClusterAttempt[] = [];
    const blockers: Server[] = [];
    const watch = watchOwnNatsServers();
    try {
      await assert.rejects(
        TestCluster.start(3, {
          beforeSpawn: async (attempt) => {
            attempts.push(attempt);
            blockers.push(await occupy(attempt.ports[CLIENT_PORT_OF_N2]!));
          },
        }),
        (e: unknown) => e instanceof NatsServerStartError && e.portTaken && /n2/.test(e.message) && /address already in use/.test(e.message),
      );
    } finally {
      watch.stop();
      await closeAll(blockers);
    }
    assert.equal(attempts.length, 3, 'tried three times');
    const ports = attempts.flatMap((a) => a.ports);
    assert.equal(new Set(ports).size, ports.length, 'every try on ports of its own');
    // n1 and n3 of each try bound their ports and ran until n2's failure was seen.
    assert.ok(watch.seen.size >= 4, `the other nodes had started (saw ${watch.seen.size} servers)`);
    for (const pid of watch.seen) assert.ok(signalZeroFails(pid), `nats-server ${pid} is gone`);
    assert.deepEqual(ownNatsServers(), []);
    for (const a of attempts) assert.equal(existsSync(a.dir), false, `${a.dir} removed`);
  });

  test('a port taken on the first try only: it forms on new ports, and only its own three servers run', async () => {
    const attempts: ClusterAttempt[] = [];
    const blockers: Server[] = [];
    const watch = watchOwnNatsServers();
    let cluster: TestCluster;
    try {
      cluster = await TestCluster.start(3, {
        beforeSpawn: async (attempt) => {
          attempts.push(attempt);
          if (attempt.number === 1) blockers.push(await occupy(attempt.ports[ROUTE_PORT_OF_N2]!));
        },
      });
    } finally {
      watch.stop();
      await closeAll(blockers);
    }
    try {
      assert.equal(attempts.length, 2);
      assert.equal(existsSync(attempts[0]!.dir), false, 'the failed try removed its folder');
      const nodes = cluster.nodes.map((n) => n.process.pid!).sort();
      assert.deepEqual(ownNatsServers(), nodes, 'the running servers are exactly the cluster nodes');
      const firstTry = [...watch.seen].filter((pid) => !nodes.includes(pid));
      assert.ok(firstTry.length >= 2, `the first try's servers had started (saw ${firstTry.length})`);
      for (const pid of firstTry) assert.ok(signalZeroFails(pid), `first-try nats-server ${pid} is gone`);
      assert.deepEqual(cluster.urls.split(','), attempts[1]!.ports.slice(0, 3).map((p) => `nats://127.0.0.1:${p}`));
      const nc = await cluster.connect();
      assert.equal(new Set(nc.info?.connect_urls).size, 3, 'a client sees three members');
    } finally {
      await cluster.stop();
    }
    assert.deepEqual(ownNatsServers(), []);
    assert.equal(existsSync(attempts[1]!.dir), false);
  });
});

describe('TestBroker: a start that fails part-way leaves nothing behind', () => {
  test('a server that wants a token the broker client lacks: the start fails once it runs, and it is stopped', async () => {
    const broker = new TestBroker({ server: { token: 'only-the-server-knows' } });
    const watch = watchOwnNatsServers();
    try {
      await assert.rejects(broker.start(), /auth/i);
    } finally {
      watch.stop();
    }
    assert.equal(watch.seen.size, 1, 'its nats-server had started');
    for (const pid of watch.seen) assert.ok(signalZeroFails(pid), `nats-server ${pid} is gone`);
    assert.deepEqual(ownNatsServers(), []);
    assert.equal(existsSync(broker.storeDir), false, `${broker.storeDir} removed`);
  });
});

describe('servers of a test the runner times out are killed with it', () => {
  test('TestCluster and TestBroker servers do not outlive a file ended by --test-timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-helper-cleanup-'));
    let pids: number[] = [];
    try {
      const pidsFile = join(dir, 'pids.json');
      const helper = (name: string) => JSON.stringify(pathToFileURL(join(REPO_ROOT, 'test', 'helpers', name)).href);
      // .mts: outside the package, a .ts file would be CommonJS.
      const fixture = join(dir, 'hangs.test.mts');
      writeFileSync(
        fixture,
        `import { test } from 'node:test';\nimport { writeFileSync } from 'node:fs';\n` +
          `import { TestCluster } from ${helper('nats-cluster.ts')};\nimport { startTestBroker } from ${helper('nats-server.ts')};\n` +
          `test('hangs with its servers running', async () => {\n` +
          `  const dirs: string[] = [];\n` +
          `  const cluster = await TestCluster.start(3, { beforeSpawn: (a) => dirs.push(a.dir) });\n` +
          `  const broker = await startTestBroker();\n  dirs.push(broker.storeDir);\n` +
          `  const pids = [...cluster.nodes.map((n) => n.process.pid), broker.server.pid];\n` +
          `  writeFileSync(${JSON.stringify(pidsFile)}, JSON.stringify({ pids, dirs }));\n` +
          `  await new Promise(() => {});\n});\n`,
      );
      // Without NODE_TEST_CONTEXT, which would make it a part of this run instead of a runner of its own.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=20000', fixture], {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      runner.stdout.on('data', (d: Buffer) => (output += d.toString()));
      runner.stderr.on('data', (d: Buffer) => (output += d.toString()));
      // Were the servers left running, the runner would wait for its file for ever.
      const guard = setTimeout(() => runner.kill('SIGKILL'), 90_000);
      const [code] = (await once(runner, 'exit')) as [number | null];
      clearTimeout(guard);
      assert.equal(code, 1, `the runner fails the file:\n${output}`);
      assert.match(output, /timed out after 20000ms/);
      assert.ok(existsSync(pidsFile), `the fixture started its servers before the timeout:\n${output}`);
      const started = JSON.parse(readFileSync(pidsFile, 'utf8')) as { pids: number[]; dirs: string[] };
      pids = started.pids;
      assert.equal(pids.length, 4);
      // SIGKILLed as the file ended; the kernel may take a moment to finish them.
      const deadline = Date.now() + 2_000;
      while (pids.some((pid) => !notRunning(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const pid of pids) assert.ok(notRunning(pid), `nats-server ${pid} was killed with the file that started it`);
      assert.equal(started.dirs.length, 2);
      for (const d of started.dirs) assert.equal(existsSync(d), false, `${d} removed`);
    } finally {
      for (const pid of pids) if (processes().get(pid)?.comm === 'nats-server' && !notRunning(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
