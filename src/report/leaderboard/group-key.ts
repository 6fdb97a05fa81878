import type { Scalar } from '../../domain/trial-config.js';

export const UNSET_LEVEL = '(unset)';

export function formatLevel(value: Scalar | undefined): string {
  return value === undefined ? UNSET_LEVEL : String(value);
}

/** `name=value, name=value` over `groupBy`, in that order; "(all)" when nothing groups. */
export function groupKey(params: Record<string, Scalar>, groupBy: readonly string[]): string {
  if (groupBy.length === 0) return '(all)';
  return groupBy.map((name) => `${name}=${formatLevel(params[name])}`).join(', ');
}
