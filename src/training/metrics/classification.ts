/** Metrics of class predictions, computed from softmax probabilities laid out [sample][class]. */

/** Keras clips probabilities to [1e-7, 1 - 1e-7] before taking the log. */
const EPSILON = 1e-7;

export function argmaxRow(probabilities: Float32Array, row: number, numClasses: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let c = 0; c < numClasses; c++) {
    const value = probabilities[row * numClasses + c]!;
    if (value > bestValue) {
      bestValue = value;
      best = c;
    }
  }
  return best;
}

/** Mean categorical cross-entropy of one-hot labels. */
export function crossEntropy(labels: ArrayLike<number>, probabilities: Float32Array, numClasses: number): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i * numClasses + (labels[i] as number)]!;
    sum -= Math.log(Math.min(Math.max(p, EPSILON), 1 - EPSILON));
  }
  return sum / labels.length;
}

/** [true][predicted] counts. */
export function confusionMatrix(labels: ArrayLike<number>, probabilities: Float32Array, numClasses: number): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i] as number];
    if (!row) throw new Error(`confusionMatrix: label ${labels[i]} at index ${i} is outside 0..${numClasses - 1}`);
    row[argmaxRow(probabilities, i, numClasses)]!++;
  }
  return matrix;
}

export function accuracyOf(matrix: number[][]): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, i) => {
    correct += row[i] ?? 0;
    for (const v of row) total += v;
  });
  return total === 0 ? NaN : correct / total;
}

/** Recall of each class; NaN for a class without validation samples. */
export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : (row[i] ?? 0) / total;
  });
}
