/** The closest candidate to `word`, if it is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const extensions = candidates.filter((c) => word.length >= 3 && c.toLowerCase().startsWith(word.toLowerCase()));
  if (extensions.length === 1) return extensions[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  if (best === undefined) return undefined;
  const prefixLike = best.startsWith(word) || word.startsWith(best);
  return bestDistance <= allowed || (prefixLike && Math.min(word.length, best.length) >= 3) ? best : undefined;
}

/** "did you mean 'x'?" when a candidate is close, else the list of what is allowed. */
export function suggestionHint(word: string, candidates: readonly string[], what = 'allowed'): string {
  const close = closestMatch(word, candidates);
  if (close !== undefined) return `did you mean '${close}'?`;
  return `${what}: ${candidates.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
