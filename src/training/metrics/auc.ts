/**
 * Exact ROC AUC of binary labels (0/1) against scores, by ranking: the Mann–Whitney U statistic
 * divided by (positives × negatives). Tied scores get their average rank, so a tie between a
 * positive and a negative counts one half. Returns NaN when either class is absent.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (scores.length !== n) {
    throw new Error(`rocAuc: ${n} labels but ${scores.length} scores; pass one score per label`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));

  let positives = 0;
  let positiveRankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const score = scores[order[i]!] as number;
    while (j + 1 < n && scores[order[j + 1]!] === score) j++;
    const averageRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Micro-averaged multi-class AUC as tf.keras.metrics.AUC() sees a softmax output: every
 * (sample, class) pair is one binary example, labelled 1 for the true class.
 */
export function microAuc(labels: ArrayLike<number>, probabilities: Float32Array, numClasses: number): number {
  const count = labels.length;
  if (probabilities.length !== count * numClasses) {
    throw new Error(
      `microAuc: expected ${count}×${numClasses} probabilities, got ${probabilities.length}`,
    );
  }
  const flatLabels = new Uint8Array(count * numClasses);
  for (let i = 0; i < count; i++) flatLabels[i * numClasses + (labels[i] as number)] = 1;
  return rocAuc(flatLabels, probabilities);
}
