/** The rows a capped table shows and how many it leaves out. */
export interface CappedRows<T> {
  shown: T[];
  /** Rows left out (0 when every row is shown). */
  hidden: T[];
}

/** Throws unless `max` is undefined (no cap) or a positive integer. */
export function checkCap(max: number | undefined, name = 'a row cap'): void {
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new Error(`${name} must be a positive integer, got ${max}`);
}

/**
 * The first `max` rows (their order is the ranking: best first), the rest counted apart. `max` undefined: every
 * row. A cap must be a positive integer.
 */
export function capRows<T>(rows: readonly T[], max: number | undefined): CappedRows<T> {
  checkCap(max);
  if (max === undefined || rows.length <= max) return { shown: [...rows], hidden: [] };
  return { shown: rows.slice(0, max), hidden: rows.slice(max) };
}

/** 12345 → "12,345": counts on a page of thousands of trials read better grouped. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "9,880 completed, 100 failed": how many of the hidden rows have each status, most frequent first. */
export function statusCounts(rows: ReadonlyArray<{ status: string }>): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, n]) => `${count(n)} ${status.toLowerCase()}`)
    .join(', ');
}

/**
 * The line under a capped text table: "… and 9,980 more trials (9,880 completed, 100 failed): add --all to list
 * them all (--csv and --json always do)."
 */
export function moreRowsLine(hidden: number, noun: string, detail = ''): string {
  return `… and ${count(hidden)} more ${noun}${detail ? ` (${detail})` : ''}: add --all to list them all (--csv and --json always do).`;
}
