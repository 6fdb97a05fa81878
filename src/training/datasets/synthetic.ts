import type { SyntheticDatasetOptions } from '../../domain/trial-config.js';
import { channelStats } from './channel-stats.js';
import { DatasetError } from './errors.js';
import { createRandom, shuffleInPlace, type Random } from './random.js';
import type { Dataset, Split } from './types.js';

/**
 * A learnable, deterministic image dataset: each class is a sinusoidal grating with its own
 * orientation and frequency (phase shifted per channel), jittered in phase per image and mixed
 * with uniform noise (`noise` = share of the pixel range that is noise). Classes are balanced,
 * the order is shuffled, and the same options and seed always give the same bytes.
 */
export function makeSyntheticDataset(options: SyntheticDatasetOptions, seed: number): Dataset {
  validateOptions(options);
  const { height, width, channels, classes } = options;
  const patterns = classPatterns(classes, height, width);
  const random = createRandom(seed);
  const train = makeSplit(options, patterns, options.train_size, random);
  const validation = makeSplit(options, patterns, options.validation_size, random);
  const { mean, std } = channelStats(train, channels);
  return {
    name: 'synthetic',
    classNames: Array.from({ length: classes }, (_, c) => `class-${c}`),
    shape: [height, width, channels],
    train,
    validation,
    channelMean: mean,
    channelStd: std,
  };
}

interface Grating {
  /** Radians per pixel along x and y. */
  kx: number;
  ky: number;
}

/**
 * Orientations × frequencies: with k = ceil(√classes) orientations, class c gets orientation
 * c mod k and (c div k + 1) cycles across the image, so neighbouring classes differ in angle
 * by 180°/k and no two share both angle and frequency.
 */
function classPatterns(classes: number, height: number, width: number): Grating[] {
  const orientations = Math.ceil(Math.sqrt(classes));
  const size = Math.max(height, width);
  return Array.from({ length: classes }, (_, c) => {
    const angle = (Math.PI * (c % orientations)) / orientations;
    const cycles = 1 + Math.floor(c / orientations);
    const radiansPerPixel = (2 * Math.PI * cycles) / size;
    return { kx: radiansPerPixel * Math.cos(angle), ky: radiansPerPixel * Math.sin(angle) };
  });
}

function makeSplit(options: SyntheticDatasetOptions, patterns: Grating[], count: number, random: Random): Split {
  const { height, width, channels, classes, noise } = options;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % classes;
  shuffleLabels(labels, random);

  const pixelsPerImage = height * width * channels;
  const images = new Uint8Array(count * pixelsPerImage);
  const signal = 255 * (1 - noise);
  const noiseRange = 255 * noise;
  for (let n = 0; n < count; n++) {
    const { kx, ky } = patterns[labels[n]!]!;
    // Up to ±90° of phase jitter: images of a class vary, but stay clearly the same pattern.
    const phase = (random() - 0.5) * Math.PI;
    let offset = n * pixelsPerImage;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = kx * x + ky * y + phase;
        for (let c = 0; c < channels; c++) {
          const pattern = 0.5 + 0.5 * Math.sin(base + (2 * Math.PI * c) / 3);
          images[offset++] = Math.round(signal * pattern + noiseRange * random());
        }
      }
    }
  }
  return { images, labels, count };
}

function shuffleLabels(labels: Uint8Array, random: Random): void {
  const order = shuffleInPlace(Array.from(labels), random);
  labels.set(order);
}

function validateOptions(o: SyntheticDatasetOptions): void {
  const positiveInts: Array<keyof SyntheticDatasetOptions> = ['height', 'width', 'channels', 'classes'];
  for (const key of positiveInts) {
    const v = o[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new DatasetError(`synthetic dataset: '${key}' must be a positive integer, got ${String(v)}`);
    }
  }
  for (const key of ['train_size', 'validation_size'] as const) {
    const v = o[key];
    if (!Number.isInteger(v) || v < 0) {
      throw new DatasetError(`synthetic dataset: '${key}' must be a non-negative integer, got ${String(v)}`);
    }
  }
  if (o.classes < 2 || o.classes > 256) {
    throw new DatasetError(`synthetic dataset: 'classes' must be between 2 and 256 (labels are uint8), got ${o.classes}`);
  }
  if (!(o.noise >= 0 && o.noise <= 1)) {
    throw new DatasetError(`synthetic dataset: 'noise' must be in [0, 1] (share of the pixel range), got ${String(o.noise)}`);
  }
}
