import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { makeCertificates } from '../helpers/certificates.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { findNatsServerBinary } from '../../src/transport/embedded-server.js';
import { freePort } from '../../src/transport/free-port.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

describe('TLS to the broker (real nats-server that requires TLS, certificates made by openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-tls-'));
  let server: ChildProcess;
  let port = 0;
  let certs: ReturnType<typeof makeCertificates>;

  before(async () => {
    certs = makeCertificates(dir);
    port = await freePort();
    const config = join(dir, 'nats.conf');
    writeFileSync(config, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'store')}" }\ntls { cert_file: "${certs.cert}", key_file: "${certs.key}" }\n`);
    server = spawn(findNatsServerBinary(), ['-c', config], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const nc = await connect({ servers: `tls://127.0.0.1:${port}`, tls: { caFile: certs.ca } }).catch(() => null);
      if (nc) {
        await nc.close();
        break;
      }
      if (Date.now() > deadline) throw new Error('the TLS nats-server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a sweep runs end to end over TLS: the CLI and its local workers verify the server with --tls-ca', async () => {
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--quick', '--nats', `tls://127.0.0.1:${port}`, '--tls-ca', certs.ca, '--workers', '1', '--no-export', '--state-dir', join(dir, '.sweep')], { cwd: dir, timeoutMs: 300_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /published 2 jobs/);
    assert.match(res.stdout, /COMPLETED|val_accuracy/);
  });

  test('a plaintext client is refused', async () => {
    await assert.rejects(connect({ servers: `nats://127.0.0.1:${port}`, tls: null, reconnect: false, timeout: 5_000 }), /TLS|tls|Secure/);
  });

  test('a CA that did not sign the server: one error line, exit 1, nothing published', async () => {
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--nats', `tls://127.0.0.1:${port}`, '--tls-ca', certs.otherCa, '--workers', '0', '--state-dir', join(dir, '.sweep-other')], { cwd: dir });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('sweep:'));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /cannot connect to NATS at tls:\/\/127\.0\.0\.1:\d+: .*certificate/i);
  });
});
