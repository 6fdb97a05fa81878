import { DatasetError } from './errors.js';

/** Throws naming the file and position of the first label ≥ classes. */
export function assertLabelsInRange(labels: Uint8Array, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classes) {
      throw new DatasetError(
        `${file}: label ${labels[i]} at index ${i} is out of range (expected 0..${classes - 1})`,
        file,
      );
    }
  }
}
