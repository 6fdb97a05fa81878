import { SEED_PARAM } from '../../domain/config-group.js';
import type { Scalar } from '../../domain/trial-config.js';

/** A finished trial's objective value with what identifies its cell: its params and seed. */
export interface FinishedValue {
  params: Record<string, Scalar>;
  seed: number;
  value: number;
}

/** One combination of levels (`where`: param → level) and its weight in a contrast (+1 / −1). */
export interface ContrastTerm {
  where: Record<string, Scalar>;
  weight: number;
}

export interface PairedContrasts {
  /** One contrast per complete cell: Σ weight × (mean of the term's values in the cell), in first-seen order. */
  contrasts: number[];
  /** The values of each term (all its trials, paired or not), in `terms` order. */
  termValues: number[][];
}

function matches(v: FinishedValue, where: Record<string, Scalar>): boolean {
  return Object.entries(where).every(([name, level]) => v.params[name] === level);
}

/**
 * A paired design over cells: a cell is a seed plus a value (or "unset") of every other param, so two trials
 * in one cell differ only in the params the terms fix. A param set on no trial of one term but on some trial
 * of another (nested: e.g. dropout_rate, active only where regularizer=dropout) does not define cells: its
 * levels are averaged within a cell. A cell counts when every term has a value in it.
 */
export function pairedContrasts(values: readonly FinishedValue[], terms: readonly ContrastTerm[]): PairedContrasts {
  const fixed = new Set(terms.flatMap((t) => Object.keys(t.where)));
  const members = terms.map((t) => values.filter((v) => matches(v, t.where)));
  const candidates = new Set(members.flat().flatMap((v) => Object.keys(v.params)));
  const keyParams = [...candidates]
    .filter((p) => p !== SEED_PARAM && !fixed.has(p))
    .filter((p) => members.every((list) => list.some((v) => v.params[p] !== undefined)))
    .sort();
  const cellOf = (v: FinishedValue): string =>
    JSON.stringify([v.seed, ...keyParams.map((p) => (v.params[p] === undefined ? null : [v.params[p]]))]);
  const cells = members.map((list) => {
    const byCell = new Map<string, number[]>();
    for (const v of list) {
      const key = cellOf(v);
      const values = byCell.get(key);
      if (values) values.push(v.value);
      else byCell.set(key, [v.value]);
    }
    return byCell;
  });
  const contrasts: number[] = [];
  for (const cell of cells[0]?.keys() ?? []) {
    const means = cells.map((byCell) => byCell.get(cell)).map((list) => (list ? list.reduce((s, x) => s + x, 0) / list.length : null));
    if (means.some((m) => m === null)) continue;
    contrasts.push(means.reduce((sum: number, m, i) => sum + terms[i]!.weight * m!, 0));
  }
  return { contrasts, termValues: members.map((list) => list.map((v) => v.value)) };
}
