import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsDirError, readCredentialsDir, unlinkCredentialFiles } from '../../src/transport/credentials-dir.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-creds-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a credentials folder fills the broker options by file name; user, password and token lose their newline, PEM keeps it', (t) => {
  const pem = '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n';
  const dir = folder({ NATS_USER: 'worker\n', NATS_PASSWORD: 's3cret\n', NATS_KEY: pem, '..data': 'a Secret volume entry' });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { options, files } = readCredentialsDir(dir);
  assert.deepEqual(options, { user: 'worker', password: 's3cret', tlsKeyPem: pem });
  assert.deepEqual(files, ['NATS_KEY', 'NATS_PASSWORD', 'NATS_USER'].map((n) => join(dir, n)));
  unlinkCredentialFiles(files);
  assert.deepEqual(readdirSync(dir), ['..data'], 'the files read are gone; what was not read stays');
  unlinkCredentialFiles(files); // already gone: nothing to do
});

test('a folder with an unknown file, an empty one and a missing one are refused as bad input, saying what to do', (t) => {
  const typo = folder({ NATS_PASWORD: 'x' });
  const empty = folder({});
  t.after(() => [typo, empty].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const refused = (dir: string, pattern: RegExp) =>
    assert.throws(
      () => readCredentialsDir(dir),
      (e: unknown) => e instanceof CredentialsDirError && pattern.test(e.message) && exitCodeFor(e).code === 2,
    );
  refused(typo, /holds "NATS_PASWORD", which is not a credentials file: name each file as its variable \(NATS_USER, NATS_PASSWORD/);
  refused(empty, /is empty: put the broker credentials there/);
  refused(join(empty, 'missing'), /cannot read the credentials folder .*missing \(--credentials-dir \/ SWEEP_CREDENTIALS_DIR\): ENOENT/);
});
