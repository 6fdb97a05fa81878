import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadDataset } from '../../src/training/datasets/index.js';
import { FASHION_MNIST_DEBIAN_DIR } from '../../src/training/datasets/fashion-mnist.js';

const debianPresent = existsSync(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));
const skipReason = debianPresent ? false : `${FASHION_MNIST_DEBIAN_DIR} is absent (apt-get install dataset-fashion-mnist)`;
if (skipReason) console.log(`skipping: ${skipReason}`);

test('fashion-mnist loads from the Debian package with a stratified subset', { skip: skipReason }, async () => {
  // An empty data root, so the Debian copy is the one found.
  const ds = await loadDataset(
    { name: 'fashion-mnist', validation: 'test', normalize: 'standardize', subset: { train: 500, validation: 200 }, synthetic: null },
    { seed: 0, dataDir: join(tmpdir(), 'sweep-no-such-data-root') },
  );
  assert.deepEqual(ds.shape, [28, 28, 1]);
  assert.equal(ds.classNames.length, 10);
  assert.equal(ds.train.count, 500);
  assert.equal(ds.train.images.length, 500 * 784);
  assert.equal(ds.validation.count, 200);
  const perClass = new Array<number>(10).fill(0);
  for (const l of ds.train.labels) perClass[l]!++;
  assert.deepEqual(perClass, new Array<number>(10).fill(50));
  // Fashion-MNIST's well-known pixel statistics (0.286 and 0.353 of 255 over the full train split).
  assert.ok(Math.abs(ds.channelMean[0]! - 73) < 6, `mean ${ds.channelMean[0]}`);
  assert.ok(Math.abs(ds.channelStd[0]! - 90) < 6, `std ${ds.channelStd[0]}`);
});
