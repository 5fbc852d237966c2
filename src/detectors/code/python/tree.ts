/**
 * The syntax tree as plain JavaScript objects. tree-sitter's wasm nodes cross into the wasm heap on
 * every property read; the analysis reads each node many times, so the tree is copied once, with a
 * cursor, into these (the subset of web-tree-sitter's Node API the analysis uses).
 */
import type { Tree } from 'web-tree-sitter';

export interface Point { row: number; column: number }

export class PyNode {
  parent: PyNode | null = null;
  readonly children: PyNode[] = [];
  /** the field name of each child (null when it has none) */
  readonly fields: (string | null)[] = [];
  private named?: PyNode[];
  hasError = false;

  constructor(
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly startPosition: Point,
    readonly endPosition: Point,
    private readonly source: string,
  ) {}

  get text(): string { return this.source.slice(this.startIndex, this.endIndex); }
  get namedChildren(): PyNode[] { return (this.named ??= this.children.filter((c) => c.isNamed)); }
  get namedChildCount(): number { return this.namedChildren.length; }
  get childCount(): number { return this.children.length; }
  namedChild(i: number): PyNode | null { return this.namedChildren[i] ?? null; }
  child(i: number): PyNode | null { return this.children[i] ?? null; }
  childForFieldName(name: string): PyNode | null {
    const i = this.fields.indexOf(name);
    return i < 0 ? null : this.children[i];
  }
  childrenForFieldName(name: string): PyNode[] {
    return this.children.filter((_, i) => this.fields[i] === name);
  }
}

/** Copies a tree-sitter tree (comments included) into PyNodes. Iterative: no recursion limit. */
export function copyTree(tree: Tree, source: string): PyNode {
  const c = tree.walk();
  const lang = tree.language;
  // per symbol and field id, asked of the wasm once; positions computed from the indices here
  // (five wasm calls a node instead of nine)
  const types = new Map<number, { type: string; named: boolean }>();
  const fieldNames = new Map<number, string | null>();
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const point = (index: number): Point => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid] <= index) lo = mid; else hi = mid - 1; }
    return { row: lo, column: index - lineStarts[lo] };
  };
  let id = 0;
  const make = (): PyNode => {
    const typeId = c.nodeTypeId;
    let t = types.get(typeId);
    if (!t) { t = { type: c.nodeType, named: c.nodeIsNamed }; types.set(typeId, t); }
    const start = c.startIndex, end = c.endIndex;
    // only an empty node can be a MISSING one: skip the wasm call otherwise
    return new PyNode(id++, t.type, t.named, start === end && c.nodeIsMissing, start, end, point(start), point(end), source);
  };
  const field = (): string | null => {
    const f = c.currentFieldId;
    if (!f) return null;
    let name = fieldNames.get(f);
    if (name === undefined) { name = lang.fieldNameForId(f); fieldNames.set(f, name); }
    return name;
  };
  const root = make();
  let cur = root;
  try {
    for (;;) {
      if (c.gotoFirstChild()) {
        const n = make();
        n.parent = cur;
        cur.children.push(n);
        cur.fields.push(field());
        cur = n;
        continue;
      }
      // no children: go to the next sibling, climbing as needed
      for (;;) {
        if (cur.type === 'ERROR' || cur.isMissing) cur.hasError = true;
        if (cur.hasError && cur.parent) cur.parent.hasError = true;
        if (c.gotoNextSibling()) {
          const parent = cur.parent!;
          const n = make();
          n.parent = parent;
          parent.children.push(n);
          parent.fields.push(field());
          cur = n;
          break;
        }
        if (!c.gotoParent()) return root;
        cur = cur.parent!;
      }
    }
  } finally {
    c.delete();
  }
}
