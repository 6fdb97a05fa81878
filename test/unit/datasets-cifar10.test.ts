import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/training/datasets/index.js';
import type { DatasetConfig } from '../../src/domain/trial-config.js';
import { cifarBatch, cifarPixel, writeCifarFolder, writeCifarTarball } from '../fixtures/datasets/builders.js';

const cifar: DatasetConfig = {
  name: 'cifar10', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: null,
};
// No server listens here: a test that tried to download would fail loudly.
const noDownload = 'http://127.0.0.1:9/';
/** Accepts the tarball now in `dir` as the published one, so that the tests below reach the tar reader. */
const trusting = (dir: string) => ({ 'cifar-10-binary.tar.gz': createHash('md5').update(readFileSync(join(dir, 'cifar-10-binary.tar.gz'))).digest('hex') });

describe('cifar10 from files on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-cifar-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('dataDir holding cifar-10-batches-bin/, or pointing at it, loads NHWC pixels', async () => {
    const folder = writeCifarFolder(dir, 3, 2);
    for (const dataDir of [dir, folder]) {
      const ds = await loadDataset(cifar, { seed: 0, dataDir, baseUrl: noDownload });
      assert.equal(ds.train.count, 15);
      assert.equal(ds.validation.count, 2);
      assert.equal(ds.train.images[(4 * 1024 + 77) * 3 + 2], cifarPixel(4, 2, 77));
      assert.equal(ds.channelMean.length, 3);
    }
  });

  test('a record count that is not whole names the file', async () => {
    const folder = writeCifarFolder(dir, 2, 2);
    appendFileSync(join(folder, 'data_batch_3.bin'), Buffer.alloc(100));
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir: dir, baseUrl: noDownload }),
      /data_batch_3\.bin: 6246 bytes is not a whole number of 3073-byte CIFAR-10 records/,
    );
  });

  test('a label out of range names the file and record', async () => {
    const folder = writeCifarFolder(dir, 2, 2);
    const batch = cifarBatch(2, 0);
    batch[3073] = 12;
    writeFileSync(join(folder, 'test_batch.bin'), batch);
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir: dir, baseUrl: noDownload }),
      /test_batch\.bin: label 12 of record 1 is out of range \(expected 0\.\.9\)/,
    );
  });

  test('a corrupt tarball in dataDir is a clear error and leaves no half-extracted folder', async () => {
    const staging = mkdtempSync(join(tmpdir(), 'sweep-cifar-src-'));
    try {
      const { bytes } = writeCifarTarball(staging, 2, 2);
      writeFileSync(join(dir, 'cifar-10-binary.tar.gz'), bytes.subarray(0, bytes.length - 200));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir: dir, baseUrl: noDownload, checksums: trusting(dir) }),
      /cifar-10-binary\.tar\.gz is not a valid \.tar\.gz/,
    );
    const cacheDir = join(dir, 'cifar10');
    assert.deepEqual(existsSync(cacheDir) ? readdirSync(cacheDir) : [], []);
  });

  test('a tarball without the binary batches says what is missing', async () => {
    const { execFileSync } = await import('node:child_process');
    mkdirpWrite(join(dir, 'src', 'cifar-10-batches-py', 'data_batch_1'), 'pickle');
    execFileSync('tar', ['-czf', join(dir, 'cifar-10-binary.tar.gz'), '-C', join(dir, 'src'), 'cifar-10-batches-py']);
    await assert.rejects(
      loadDataset(cifar, { seed: 0, dataDir: dir, baseUrl: noDownload, checksums: trusting(dir) }),
      /lacks cifar-10-batches-bin\/data_batch_1\.bin, .*; is it the binary version/,
    );
  });
});

function mkdirpWrite(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}
