import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { SpecError, type SpecPath, type SpecProblem } from './errors.js';
import { aliasProblem, MAX_EXPANDED_VALUES, type AliasProblem } from './alias-budget.js';

export interface Position {
  line: number;
  column: number;
}

const SYNTAX_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear only once in a mapping; remove or merge the duplicate',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation and that every [ or { is closed',
  MISSING_CHAR: 'a bracket, brace or quote is not closed',
  MULTILINE_IMPLICIT_KEY: 'a key and its value must start on the same line; check for a missing ":"',
};

const ALIAS_PROBLEMS: Record<AliasProblem['kind'], (name: string) => [problem: string, hint: string]> = {
  'too-many-values': (name) => [
    `the YAML alias *${name} makes the spec expand past ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (an alias bomb, "billion laughs")`,
    "each *alias copies its anchor's whole value, nested ones multiply: write the values out, or alias fewer nested anchors",
  ],
  'self-reference': (name) => [`the YAML alias *${name} refers to a value that contains it`, "an alias cannot copy its own anchor's value; write the value out"],
  unresolved: (name) => [`the YAML alias *${name} has no anchor &${name} before it`, `put &${name} on a value above this line, or fix the alias's name`],
};

/** A parsed YAML spec that can say where any path of it is written. */
export class SpecSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses YAML; syntax errors become a SpecError at their position. */
  static parse(text: string, file: string): SpecSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const message = `YAML syntax error: ${first.message.split('\n')[0]}`;
      throw new SpecError(file, pos.line, pos.col, message, SYNTAX_HINTS[first.code] ?? 'fix the YAML syntax at this position');
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
      throw new SpecError(file, 1, 1, 'the spec is empty', 'start from sweeps/synthetic.yaml and see docs/spec.md');
    }
    if (!isMap(doc.contents)) {
      const pos = lines.linePos(doc.contents.range?.[0] ?? 0);
      throw new SpecError(file, pos.line, pos.col, 'the spec must be a mapping (name: ..., model: ..., dataset: ...)', 'see docs/spec.md for the format');
    }
    const aliases = aliasProblem(doc);
    if (aliases) {
      const pos = lines.linePos(aliases.alias.range?.[0] ?? 0);
      const [problem, hint] = ALIAS_PROBLEMS[aliases.kind](aliases.alias.source);
      throw new SpecError(file, pos.line, pos.col, problem, hint);
    }
    return new SpecSource(file, doc, lines);
  }

  /** The spec as plain data. The yaml library's own alias limit still applies; what it refuses is a SpecError too. */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      const aliases: Node[] = [];
      visit(this.doc, { Alias: (_key, node) => (aliases.push(node), visit.BREAK) });
      const pos = this.lines.linePos(aliases[0]?.range?.[0] ?? 0);
      throw new SpecError(
        this.file,
        pos.line,
        pos.col,
        `the YAML aliases cannot be expanded: ${(e as Error).message}`,
        "each *alias copies its anchor's whole value: write the values out, or use fewer aliases",
      );
    }
  }

  /** Where `path` is written: its value (or key), else the key of the nearest written ancestor. */
  positionOf(path: SpecPath, at: 'key' | 'value' = 'value'): Position {
    let node: unknown = this.doc.contents;
    let anchor = this.doc.contents as Node;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const key = pair.key as Node;
        const value = pair.value as Node | null;
        const valueWritten = value?.range !== undefined && !(isScalar(value) && value.value === null);
        anchor = last && at === 'value' && valueWritten && value ? value : key;
        node = value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        anchor = item;
        node = item;
      } else {
        break;
      }
    }
    const pos = this.lines.linePos(anchor.range?.[0] ?? 0);
    return { line: pos.line, column: pos.col };
  }

  has(path: SpecPath): boolean {
    return this.doc.hasIn(path);
  }

  /** A SpecError for a problem; with `preferPrefix`, a path also written under that prefix points there. */
  error(problem: SpecProblem, preferPrefix?: SpecPath): SpecError {
    const pos = this.positionOf(this.resolvePath(problem.path, preferPrefix), problem.at);
    return new SpecError(this.file, pos.line, pos.column, problem.message, problem.hint);
  }

  /** The first problem by position in the file, as a SpecError. */
  firstError(problems: readonly SpecProblem[], preferPrefix?: SpecPath): SpecError {
    const errors = problems.map((p) => this.error(p, preferPrefix));
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    const first = errors[0];
    if (!first) throw new Error('firstError called without problems');
    return first;
  }

  private resolvePath(path: SpecPath, preferPrefix?: SpecPath): SpecPath {
    if (!preferPrefix) return path;
    // Overrides replace whole entries (parameters.<name>, training.<key>, ...): if the entry is written
    // under the prefix, the problem is in the override.
    const full = [...preferPrefix, ...path];
    if (this.has(full)) return full;
    if (path.length >= 2 && this.has([...preferPrefix, ...path.slice(0, 2)])) return full;
    return path;
  }
}
