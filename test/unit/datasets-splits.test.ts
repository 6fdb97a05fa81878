import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/training/datasets/index.js';
import { holdOutStratified, stratifiedFirstN } from '../../src/training/datasets/split-ops.js';
import type { DatasetConfig, SyntheticDatasetOptions } from '../../src/domain/trial-config.js';
import type { Split } from '../../src/training/datasets/types.js';

const synthetic: SyntheticDatasetOptions = {
  height: 4, width: 4, channels: 2, classes: 4, train_size: 400, validation_size: 80, noise: 0.3,
};
const base: DatasetConfig = {
  name: 'synthetic', validation: 'test', normalize: 'standardize', subset: { train: null, validation: null }, synthetic,
};

function counts(labels: Uint8Array, classes: number): number[] {
  const c = new Array<number>(classes).fill(0);
  for (const l of labels) c[l]!++;
  return c;
}

/** A split whose image i is filled with the byte i (so images can be traced back) and given labels. */
function tracedSplit(labels: number[], pixels: number): Split {
  const images = new Uint8Array(labels.length * pixels);
  labels.forEach((_, i) => images.fill(i, i * pixels, (i + 1) * pixels));
  return { images, labels: Uint8Array.from(labels), count: labels.length };
}

function imageIds(split: Split, pixels: number): number[] {
  return Array.from({ length: split.count }, (_, i) => split.images[i * pixels]!);
}

describe('validation holdout', () => {
  test("'test' uses the test split as validation", async () => {
    const ds = await loadDataset(base, { seed: 1 });
    assert.equal(ds.train.count, 400);
    assert.equal(ds.validation.count, 80);
  });

  test('a fraction holds out that share of every class, deterministically by seed', async () => {
    const config = { ...base, validation: 0.25 };
    const a = await loadDataset(config, { seed: 1 });
    assert.equal(a.train.count, 300);
    assert.equal(a.validation.count, 100);
    assert.deepEqual(counts(a.validation.labels, 4), [25, 25, 25, 25]);
    assert.deepEqual(counts(a.train.labels, 4), [75, 75, 75, 75]);
    const b = await loadDataset(config, { seed: 1 });
    assert.deepEqual(a.validation.images, b.validation.images);
  });

  test('the holdout is disjoint from train, covers it, keeps order, and depends on the seed', () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const split = tracedSplit(labels, 5);
    const a = holdOutStratified(split, 0.2, 3, 5, 7);
    const trainIds = imageIds(a.train, 5);
    const validationIds = imageIds(a.validation, 5);
    assert.deepEqual([...trainIds, ...validationIds].sort((x, y) => x - y), labels.map((_, i) => i));
    assert.deepEqual(trainIds, trainIds.slice().sort((x, y) => x - y));
    assert.deepEqual(validationIds, validationIds.slice().sort((x, y) => x - y));
    for (const [k, id] of validationIds.entries()) assert.equal(a.validation.labels[k], id % 3);
    const other = holdOutStratified(split, 0.2, 3, 5, 8);
    assert.notDeepEqual(imageIds(other.validation, 5), validationIds);
  });

  test('fractions outside (0, 1) are rejected with the field name', async () => {
    await assert.rejects(loadDataset({ ...base, validation: 1 }, { seed: 1 }), /dataset\.validation must be 'test' or a fraction strictly between 0 and 1, got 1/);
    await assert.rejects(loadDataset({ ...base, validation: 0 }, { seed: 1 }), /dataset\.validation/);
  });
});

describe('stratified subsets', () => {
  test('first-N keeps classes balanced and the split order', () => {
    // Class 0 dominates the start of the split; a plain first-10 would be all class 0.
    const labels = [...new Array<number>(20).fill(0), 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
    const split = tracedSplit(labels, 3);
    const sub = stratifiedFirstN(split, 10, 3, 3, 'subset');
    assert.deepEqual(counts(sub.labels, 3), [4, 3, 3]);
    assert.deepEqual(imageIds(sub, 3), [0, 1, 2, 3, 20, 21, 22, 23, 24, 25]);
  });

  test('a class short of images gives its share to the others', () => {
    const labels = [0, 1, 1, 1, 1, 2, 2, 2, 2, 1, 2];
    const sub = stratifiedFirstN(tracedSplit(labels, 1), 9, 3, 1, 'subset');
    assert.deepEqual(counts(sub.labels, 3), [1, 4, 4]);
  });

  test('loadDataset applies subsets after the holdout, and stats describe the subset', async () => {
    const ds = await loadDataset({ ...base, validation: 0.5, subset: { train: 40, validation: 12 } }, { seed: 3 });
    assert.equal(ds.train.count, 40);
    assert.deepEqual(counts(ds.train.labels, 4), [10, 10, 10, 10]);
    assert.deepEqual(counts(ds.validation.labels, 4), [3, 3, 3, 3]);
    let sum = 0;
    for (let i = 0; i < ds.train.images.length; i += 2) sum += ds.train.images[i]!;
    assert.ok(Math.abs(ds.channelMean[0]! - sum / (40 * 16)) < 1e-9);
  });

  test('a subset larger than the split is a clear error', async () => {
    await assert.rejects(
      loadDataset({ ...base, subset: { train: null, validation: 81 } }, { seed: 1 }),
      /dataset\.subset\.validation of synthetic = 81 exceeds the 80 images available/,
    );
  });
});
