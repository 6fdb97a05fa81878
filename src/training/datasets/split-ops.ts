import { DatasetError } from './errors.js';
import { createRandom, shuffleInPlace } from './random.js';
import type { Split } from './types.js';

/** Copies the listed images (in the given order) into a new split. */
export function gatherSplit(split: Split, indices: ArrayLike<number>, pixelsPerImage: number): Split {
  const count = indices.length;
  const images = new Uint8Array(count * pixelsPerImage);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const from = indices[i]!;
    images.set(split.images.subarray(from * pixelsPerImage, (from + 1) * pixelsPerImage), i * pixelsPerImage);
    labels[i] = split.labels[from]!;
  }
  return { images, labels, count };
}

/** Indices of each class, in split order. */
function indicesByClass(split: Split, classes: number): number[][] {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < split.count; i++) byClass[split.labels[i]!]!.push(i);
  return byClass;
}

/**
 * Holds out `fraction` of each class (a seeded random choice within the class) as validation;
 * both parts keep the original order.
 */
export function holdOutStratified(
  split: Split,
  fraction: number,
  classes: number,
  pixelsPerImage: number,
  seed: number,
): { train: Split; validation: Split } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new DatasetError(`dataset.validation must be 'test' or a fraction strictly between 0 and 1, got ${fraction}`);
  }
  const random = createRandom(seed);
  const held = new Uint8Array(split.count);
  for (const members of indicesByClass(split, classes)) {
    const chosen = shuffleInPlace(members.slice(), random).slice(0, Math.round(members.length * fraction));
    for (const i of chosen) held[i] = 1;
  }
  const trainIdx: number[] = [];
  const validationIdx: number[] = [];
  for (let i = 0; i < split.count; i++) (held[i] ? validationIdx : trainIdx).push(i);
  if (trainIdx.length === 0 || validationIdx.length === 0) {
    throw new DatasetError(
      `dataset.validation = ${fraction} leaves ${trainIdx.length} training and ${validationIdx.length} validation images ` +
        `out of ${split.count}; choose a fraction that keeps both non-empty`,
    );
  }
  return {
    train: gatherSplit(split, trainIdx, pixelsPerImage),
    validation: gatherSplit(split, validationIdx, pixelsPerImage),
  };
}

/**
 * The first `n` images with classes as balanced as the split allows: each class gets ⌊n/k⌋
 * (the remainder to the lowest classes), a class short of images gives its share to the others.
 * Deterministic and in the original order.
 */
export function stratifiedFirstN(split: Split, n: number, classes: number, pixelsPerImage: number, what: string): Split {
  if (!Number.isInteger(n) || n < 1) {
    throw new DatasetError(`${what} must be a positive integer or null, got ${n}`);
  }
  if (n > split.count) {
    throw new DatasetError(`${what} = ${n} exceeds the ${split.count} images available; lower it or set it to null`);
  }
  if (n === split.count) return split;
  const available = indicesByClass(split, classes).map((m) => m.length);
  const quota = balancedQuotas(available, n);
  const taken = new Array<number>(classes).fill(0);
  const chosen: number[] = [];
  for (let i = 0; i < split.count && chosen.length < n; i++) {
    const label = split.labels[i]!;
    if (taken[label]! < quota[label]!) {
      taken[label]!++;
      chosen.push(i);
    }
  }
  return gatherSplit(split, chosen, pixelsPerImage);
}

/** Water-filling: equal shares, capped by what each class has, summing to n (n ≤ total). */
function balancedQuotas(available: number[], n: number): number[] {
  const quota = available.map(() => 0);
  let remaining = n;
  while (remaining > 0) {
    const open = available.map((a, c) => c).filter((c) => quota[c]! < available[c]!);
    const share = Math.floor(remaining / open.length);
    if (share === 0) {
      for (const c of open.slice(0, remaining)) quota[c]!++;
      break;
    }
    for (const c of open) {
      const add = Math.min(share, available[c]! - quota[c]!);
      quota[c]! += add;
      remaining -= add;
    }
  }
  return quota;
}
