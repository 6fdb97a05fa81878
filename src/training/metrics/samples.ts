import type { SamplePrediction } from '../../domain/metrics.js';
import { argmaxRow } from './classification.js';

/** The seed study showed these CIFAR-10 classes, in this order. */
const SEED_SAMPLE_CLASSES = ['ship', 'airplane', 'frog', 'deer'];
const MAX_SAMPLES = 4;

/** Classes to show: the seed's four when the dataset has them, else the first four. */
export function sampleClasses(classNames: string[]): number[] {
  const seedClasses = SEED_SAMPLE_CLASSES.map((name) => classNames.indexOf(name));
  if (seedClasses.every((c) => c >= 0)) return seedClasses;
  return classNames.slice(0, MAX_SAMPLES).map((_, i) => i);
}

/** The first validation image of each sample class (classes without one are skipped), with its prediction. */
export function samplePredictions(
  labels: Uint8Array,
  probabilities: Float32Array,
  classNames: string[],
): SamplePrediction[] {
  const numClasses = classNames.length;
  const samples: SamplePrediction[] = [];
  for (const label of sampleClasses(classNames)) {
    const index = labels.indexOf(label);
    if (index < 0) continue;
    samples.push({
      index,
      label,
      predicted: argmaxRow(probabilities, index, numClasses),
      probabilities: Array.from(probabilities.subarray(index * numClasses, (index + 1) * numClasses)),
    });
  }
  return samples;
}
