import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../../src/training/datasets/index.js';
import { parseIdx } from '../../src/training/datasets/idx.js';
import type { DatasetConfig } from '../../src/domain/trial-config.js';
import { idxBytes, idxSplitFixture, writeIdxSplit } from '../fixtures/datasets/builders.js';

const config: DatasetConfig = {
  name: 'fashion-mnist',
  validation: 'test',
  normalize: 'scale',
  subset: { train: null, validation: null },
  synthetic: null,
};

describe('IDX parser', () => {
  test('reads dims and data of a uint8 file', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const parsed = parseIdx(idxBytes([3, 2], data), 'x.idx', 2);
    assert.deepEqual(parsed.dims, [3, 2]);
    assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4, 5, 6]);
  });

  test('wrong magic number names the file and both numbers', () => {
    assert.throws(
      () => parseIdx(idxBytes([3], Uint8Array.of(1, 2, 3), 0x0803), 'labels.idx', 1),
      /labels\.idx: wrong IDX magic number 0x00000803, expected 0x00000801/,
    );
    // A float32 IDX file (type 0x0D) is not accepted as uint8.
    assert.throws(() => parseIdx(idxBytes([3], Uint8Array.of(1, 2, 3), 0x0d01), 'f.idx', 1), /wrong IDX magic/);
  });

  test('truncated header, truncated data and trailing data', () => {
    assert.throws(() => parseIdx(Uint8Array.of(0, 0), 'a', 1), /a: truncated IDX file/);
    assert.throws(() => parseIdx(idxBytes([2, 2], Uint8Array.of()).subarray(0, 8), 'b', 2), /b: truncated IDX header/);
    assert.throws(() => parseIdx(idxBytes([2, 2], Uint8Array.of(1, 2, 3)), 'c', 2), /c: truncated IDX data: header says \[2, 2\] = 4 bytes, found 3/);
    assert.throws(() => parseIdx(idxBytes([2], Uint8Array.of(1, 2, 3)), 'd', 1), /d: size mismatch: .* found 3 \(trailing data\)/);
  });
});

describe('fashion-mnist loader on fixture files', () => {
  let dir: string;
  const train = idxSplitFixture(40, 28, 10);
  const test10k = idxSplitFixture(20, 28, 10);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-idx-'));
    writeIdxSplit(dir, 'train', train, 28);
    writeIdxSplit(dir, 't10k', test10k, 28);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('loads both splits byte for byte from dataDir', async () => {
    const ds = await loadDataset(config, { seed: 0, dataDir: dir });
    assert.equal(ds.name, 'fashion-mnist');
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.classNames[9], 'Ankle boot');
    assert.equal(ds.train.count, 40);
    assert.deepEqual(ds.train.images, train.images);
    assert.deepEqual(ds.train.labels, train.labels);
    assert.deepEqual(ds.validation.images, test10k.images);
    assert.deepEqual(ds.validation.labels, test10k.labels);
  });

  test('gunzipped copies (no .gz) are read too', async () => {
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) {
      const { gunzipSync } = await import('node:zlib');
      writeFileSync(join(dir, name), gunzipSync(readFileSync(join(dir, `${name}.gz`))));
      rmSync(join(dir, `${name}.gz`));
    }
    const ds = await loadDataset(config, { seed: 0, dataDir: dir });
    assert.deepEqual(ds.train.labels, train.labels);
  });

  test('label out of range names the file and index', async () => {
    const labels = train.labels.slice();
    labels[5] = 10;
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([40], labels)));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), (e: Error) => {
      assert.match(e.message, /train-labels-idx1-ubyte\.gz: label 10 at index 5 is out of range \(expected 0\.\.9\)/);
      return true;
    });
  });

  test('wrong magic number in an images file', async () => {
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([20], test10k.labels)));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /t10k-images-idx3-ubyte\.gz: wrong IDX magic number 0x00000801, expected 0x00000803/);
  });

  test('truncated images file', async () => {
    const full = idxBytes([40, 28, 28], train.images);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(full.subarray(0, full.length - 100)));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /train-images-idx3-ubyte\.gz: truncated IDX data/);
  });

  test('labels and images disagree on the count', async () => {
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([39], train.labels.subarray(0, 39))));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /train-labels-idx1-ubyte\.gz has 39 labels but .*train-images-idx3-ubyte\.gz has 40 images/);
  });

  test('wrong image size', async () => {
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([20, 28, 27], new Uint8Array(20 * 28 * 27))));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /t10k-images-idx3-ubyte\.gz: images are 28×27, expected 28×28/);
  });

  test('bad gzip and cut gzip', async () => {
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), Buffer.from('not gzip at all'));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /train-labels-idx1-ubyte\.gz is not a valid gzip file/);
    const gz = gzipSync(idxBytes([40, 28, 28], train.images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([40], train.labels)));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    await assert.rejects(loadDataset(config, { seed: 0, dataDir: dir }), /train-images-idx3-ubyte\.gz is not a valid gzip file/);
  });
});
