// CIFAR-10 archives that are not the published one (issue 27): an archive in the data dir is MD5-checked before
// every extraction, and a download stops at the archive's known size. Real files, a real HTTP server (node:http)
// and the real loader; the server's URL is set through the loader's `baseUrl` option.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/training/datasets/index.js';
import { CIFAR10_ARCHIVE, CIFAR10_BYTES, CIFAR10_MD5 } from '../../src/training/datasets/cifar10.js';
import { DatasetError } from '../../src/training/datasets/errors.js';
import type { DatasetConfig } from '../../src/domain/trial-config.js';
import { writeCifarTarball } from '../fixtures/datasets/builders.js';

const cifar: DatasetConfig = { name: 'cifar10', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: null };
const MIB = 2 ** 20;
type Mode = 'fixture' | 'endless' | 'announces-too-much';

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const isDatasetError = (message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DatasetError, String(e));
  assert.match(e.message, message);
  assert.doesNotMatch(e.message, /\n/);
  return true;
};

describe('CIFAR-10 archives: MD5 on every extraction, downloads capped at the known size', () => {
  let fixtureDir = '';
  let fixture: { path: string; bytes: Buffer; md5: string };
  let server: Server;
  let baseUrl = '';
  let mode: Mode = 'fixture';
  let requests = 0;
  let sentBytes = 0;
  let dataDir = '';
  const cacheLeft = () => (existsSync(join(dataDir, 'cifar10')) ? readdirSync(join(dataDir, 'cifar10')) : []);

  before(async () => {
    fixtureDir = mkdtempSync(join(tmpdir(), 'sweep-cifar-archive-'));
    fixture = writeCifarTarball(fixtureDir, 2, 3);
    server = createServer((_req, res) => {
      requests++;
      if (mode === 'fixture') {
        res.writeHead(200, { 'content-length': fixture.bytes.length }).end(fixture.bytes);
      } else if (mode === 'announces-too-much') {
        res.writeHead(200, { 'content-length': CIFAR10_BYTES + 1 });
        res.write(fixture.bytes);
      } else {
        // The fixture, then zeros without end (chunked, no length): only the client's cap stops it.
        res.writeHead(200);
        const zeros = Buffer.alloc(64 * 1024);
        let closed = false;
        res.on('close', () => (closed = true));
        res.write(fixture.bytes);
        sentBytes = fixture.bytes.length;
        const pump = () => {
          while (!closed && sentBytes < 2048 * MIB) {
            sentBytes += zeros.length;
            if (!res.write(zeros)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(fixtureDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sweep-cifar-data-'));
    mode = 'fixture';
    requests = 0;
    sentBytes = 0;
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('control: the archive in the data dir extracts when its MD5 is the trusted one', async () => {
    copyFileSync(fixture.path, join(dataDir, CIFAR10_ARCHIVE));
    const ds = await loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { [CIFAR10_ARCHIVE]: fixture.md5 } });
    assert.equal(ds.train.count, 10);
    assert.equal(requests, 0);
  });

  test('an archive already in the data dir that is not the published one is refused before extraction', async () => {
    copyFileSync(fixture.path, join(dataDir, CIFAR10_ARCHIVE));
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir, baseUrl }),
      isDatasetError(new RegExp(`cifar-10-binary\\.tar\\.gz: MD5 ${fixture.md5}, expected ${CIFAR10_MD5}: not the published cifar-10-binary\\.tar\\.gz \\(tampered, corrupt or another version\\); delete it and run again to download it$`)),
    );
    assert.equal(requests, 0);
    assert.deepEqual(cacheLeft(), [], 'nothing extracted');
  });

  test('one flipped byte in a trusted archive is refused', async () => {
    const tampered = Buffer.from(fixture.bytes);
    const middle = tampered.length >> 1;
    tampered[middle] = tampered[middle]! ^ 0x01;
    writeFileSync(join(dataDir, CIFAR10_ARCHIVE), tampered);
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { [CIFAR10_ARCHIVE]: fixture.md5 } }),
      isDatasetError(new RegExp(`MD5 [0-9a-f]{32}, expected ${fixture.md5}: not the published`)),
    );
    assert.deepEqual(cacheLeft(), []);
  });

  test('a download that goes on past the known size is cut off there and refused; nothing is cached', async () => {
    mode = 'endless';
    const sizes = { [CIFAR10_ARCHIVE]: fixture.bytes.length };
    await assert.rejects(
      within(30_000, loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { [CIFAR10_ARCHIVE]: fixture.md5 }, sizes })),
      isDatasetError(new RegExp(`download of ${baseUrl}cifar-10-binary\\.tar\\.gz refused: the server sent \\d+ bytes so far, more than the ${fixture.bytes.length} bytes of cifar-10-binary\\.tar\\.gz; nothing was cached`)),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(sentBytes < fixture.bytes.length + 16 * MIB, `the server got to send ${sentBytes} bytes`);
    assert.deepEqual(cacheLeft(), []);
  });

  test('a response announcing more than the official size is refused before its body is read', async () => {
    mode = 'announces-too-much';
    await assert.rejects(
      within(30_000, loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { [CIFAR10_ARCHIVE]: fixture.md5 } })),
      isDatasetError(new RegExp(`refused: the server announces ${CIFAR10_BYTES + 1} bytes, more than the ${CIFAR10_BYTES} bytes of cifar-10-binary\\.tar\\.gz`)),
    );
    assert.deepEqual(cacheLeft(), []);
  });

  test('control: the same server with the fixture downloads, verifies and extracts it', async () => {
    const ds = await loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { [CIFAR10_ARCHIVE]: fixture.md5 }, sizes: { [CIFAR10_ARCHIVE]: fixture.bytes.length } });
    assert.equal(ds.validation.count, 3);
    assert.deepEqual(cacheLeft(), ['cifar-10-batches-bin']);
  });
});
