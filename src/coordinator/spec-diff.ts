/** Paths at which two JSON values differ, as `path: old → new` lines (pure; for the changed-spec refusal). */
export function diffJson(before: unknown, after: unknown, path = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffJson(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return [`${path || '(root)'}: ${show(before)} → ${show(after)}`];
}
