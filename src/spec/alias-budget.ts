import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Alias, type Document } from 'yaml';

/**
 * Values a spec may expand to once its YAML aliases are copied out. A real spec has hundreds; nine nested
 * anchors of nine aliases each ("billion laughs") would have 387 million.
 */
export const MAX_EXPANDED_VALUES = 100_000;

/** Why the aliases of a document are refused, and which alias (the first, in document order, that went wrong). */
export interface AliasProblem {
  alias: Alias;
  kind: 'too-many-values' | 'self-reference' | 'unresolved';
}

/**
 * One walk over the document in order, in linear time however large the expansion: every value counts once and
 * every alias as the whole value it copies (the size of its anchor's value, complete by then). An alias copies
 * the last value anchored with its name before it, as the yaml library resolves it. Returns the alias at which
 * the expanded size passes `limit`, one that copies a value containing itself, or one with no anchor before it;
 * null when the aliases are fine.
 */
export function aliasProblem(doc: Document, limit = MAX_EXPANDED_VALUES): AliasProblem | null {
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  let total = 0;
  let found: AliasProblem | null = null;

  const walk = (node: unknown): number => {
    if (found) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const size = target === undefined ? undefined : sizes.get(target);
      if (size === undefined) {
        found = { alias: node, kind: target === undefined ? 'unresolved' : 'self-reference' };
        return 0;
      }
      total += size;
      if (total > limit) found = { alias: node, kind: 'too-many-values' };
      return size;
    }
    // The anchor is known from its node on, so an alias inside the node itself finds it still unsized.
    if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
    let size = 0;
    if (isScalar(node)) {
      size = 1;
      total += 1;
    } else if (isMap(node) || isSeq(node)) {
      size = 1;
      total += 1;
      for (const item of node.items as unknown[]) size += walk(item);
    } else if (isPair(node)) {
      size = walk(node.key) + walk(node.value);
    }
    sizes.set(node, size);
    return size;
  };
  walk(doc.contents);
  return found;
}
