import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/training/datasets/index.js';
import type { DatasetConfig } from '../../src/domain/trial-config.js';
import { cifarPixel, writeCifarTarball } from '../fixtures/datasets/builders.js';

type Mode = 'whole' | 'truncated';

const cifar: DatasetConfig = {
  name: 'cifar10', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: null,
};
const PER_BATCH = 4;
const TEST_RECORDS = 6;

describe('cifar10 download against a local HTTP server', () => {
  let fixtureDir: string;
  let fixture: { bytes: Buffer; md5: string };
  let server: Server;
  let baseUrl: string;
  let mode: Mode = 'whole';
  let requests = 0;
  let dataDir: string;

  before(async () => {
    fixtureDir = mkdtempSync(join(tmpdir(), 'sweep-cifar-fixture-'));
    fixture = writeCifarTarball(fixtureDir, PER_BATCH, TEST_RECORDS);
    server = createServer((req, res) => {
      requests++;
      if (req.url !== '/files/cifar-10-binary.tar.gz') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': fixture.bytes.length, 'content-type': 'application/gzip' });
      if (mode === 'whole') {
        res.end(fixture.bytes);
      } else {
        // Promise the whole file, send half, then drop the connection.
        res.write(fixture.bytes.subarray(0, fixture.bytes.length >> 1), () => res.socket?.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(fixtureDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sweep-cifar-cache-'));
    requests = 0;
    mode = 'whole';
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('downloads with progress, verifies, caches; a second load does not download', async () => {
    const progress: Array<{ file: string; receivedBytes: number; totalBytes: number | null }> = [];
    const options = {
      seed: 0,
      dataDir,
      baseUrl,
      checksums: { 'cifar-10-binary.tar.gz': fixture.md5 },
      onProgress: (p: (typeof progress)[number]) => progress.push(p),
    };
    const ds = await loadDataset(cifar, options);
    assert.equal(requests, 1);
    assert.ok(progress.length >= 1);
    const last = progress.at(-1)!;
    assert.deepEqual(last, { file: 'cifar-10-binary.tar.gz', receivedBytes: fixture.bytes.length, totalBytes: fixture.bytes.length });

    assert.equal(ds.name, 'cifar10');
    assert.deepEqual(ds.shape, [32, 32, 3]);
    assert.equal(ds.classNames[0], 'airplane');
    assert.equal(ds.classNames[9], 'truck');
    assert.equal(ds.train.count, 5 * PER_BATCH);
    assert.equal(ds.validation.count, TEST_RECORDS);
    // Record r of train has seed r (batches are consecutive) and label r % 10; the test batch starts at seed 100.
    assert.deepEqual(Array.from(ds.train.labels), Array.from({ length: 20 }, (_, r) => r % 10));
    assert.deepEqual(Array.from(ds.validation.labels), Array.from({ length: TEST_RECORDS }, (_, r) => (100 + r) % 10));
    // NHWC: pixel p of image n, channel c sits at (n·1024 + p)·3 + c.
    for (const [n, p, c] of [[0, 0, 0], [7, 5, 1], [19, 1023, 2], [13, 500, 0]] as const) {
      assert.equal(ds.train.images[(n * 1024 + p) * 3 + c], cifarPixel(n, c, p), `image ${n} pixel ${p} channel ${c}`);
    }
    assert.equal(ds.validation.images[(2 * 1024 + 33) * 3 + 1], cifarPixel(102, 1, 33));

    const cacheDir = join(dataDir, 'cifar10');
    assert.deepEqual(readdirSync(cacheDir), ['cifar-10-batches-bin'], 'only the extracted folder stays, no tarball or temp files');

    const again = await loadDataset(cifar, options);
    assert.equal(requests, 1, 'second load must come from the cache');
    assert.deepEqual(again.train.images, ds.train.images);
  });

  test('a truncated download fails clearly and leaves no cache', async () => {
    mode = 'truncated';
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { 'cifar-10-binary.tar.gz': fixture.md5 } }),
      /download of http:\/\/127\.0\.0\.1:\d+\/files\/cifar-10-binary\.tar\.gz (was interrupted|is truncated).*nothing was cached/,
    );
    assertNoCache(dataDir);
    mode = 'whole';
    const ds = await loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { 'cifar-10-binary.tar.gz': fixture.md5 } });
    assert.equal(ds.train.count, 20, 'a retry after the failure succeeds');
  });

  test('a wrong checksum fails clearly and leaves no cache', async () => {
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { 'cifar-10-binary.tar.gz': '0'.repeat(32) } }),
      new RegExp(`failed verification: MD5 ${fixture.md5}, expected 0{32}; nothing was cached`),
    );
    assertNoCache(dataDir);
  });

  test('without an override the official checksum applies, so the fixture is rejected', async () => {
    await assert.rejects(loadDataset(cifar, { seed: 0, dataDir, baseUrl }), /expected c32a1d4ab5d03f1284b67883e8d87530/);
    assertNoCache(dataDir);
  });

  test('a tarball already in dataDir is extracted without downloading', async () => {
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(fixtureDir, 'cifar-10-binary.tar.gz'), join(dataDir, 'cifar-10-binary.tar.gz'));
    const ds = await loadDataset(cifar, { seed: 0, dataDir, baseUrl, checksums: { 'cifar-10-binary.tar.gz': fixture.md5 } });
    assert.equal(requests, 0);
    assert.equal(ds.train.count, 20);
  });

  test('an HTTP error names the URL and status', async () => {
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir, baseUrl: baseUrl.replace('/files/', '/missing/') }),
      /download of .*\/missing\/cifar-10-binary\.tar\.gz failed: HTTP 404/,
    );
    assertNoCache(dataDir);
  });
});

function assertNoCache(dataDir: string): void {
  const cacheDir = join(dataDir, 'cifar10');
  const left = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
  assert.deepEqual(left, [], `nothing may be left in ${cacheDir}`);
}
