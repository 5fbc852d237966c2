/**
 * A gate policy's validation errors placed in its text: the server names the field of each problem
 * ("gate policy "prod": rules.0.severity: Invalid option…; mode: …", `details.input` the first
 * field) or, for text that is not YAML, the line and column ("not YAML (… at line 3, column 5)").
 * Each problem gets the line of its field in the text (found with the `yaml` parser, the server's
 * own), or of the nearest parent that exists there.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface PolicyProblem {
  /** 1-based; null when the text gives no place (the policy as a whole) */
  line: number | null;
  /** the field as the server names it (rules.0.severity), or null for a YAML syntax error */
  field: string | null;
  message: string;
}

/** the node at `path`, or the deepest parent of it the document has, with the path it was found at */
function nodeAt(root: Node | null, path: string[]): Node | null {
  let node: Node | null = root;
  for (const key of path) {
    let next: unknown = null;
    if (isMap(node)) next = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)?.value ?? null;
    else if (isSeq(node)) next = node.items[Number(key)] ?? null;
    if (!next || typeof next !== 'object' || !('range' in next)) return node;
    node = next as Node;
  }
  return node;
}

/** The problems in an API error's message, each at its line of `source`. */
export function policyProblems(source: string, message: string): PolicyProblem[] {
  const yamlAt = /not YAML \((.*) at line (\d+), column (\d+)\)/.exec(message);
  if (yamlAt) return [{ line: Number(yamlAt[2]), field: null, message: `${yamlAt[1]} (column ${yamlAt[3]})` }];
  const m = /^gate policy "[^"]*": (.*)$/s.exec(message);
  if (!m) return [{ line: null, field: null, message }];
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  return m[1].split('; ').map((part) => {
    const p = /^([^\s:]+): (.*)$/s.exec(part);
    if (!p || p[1] === '(the policy)') return { line: null, field: null, message: p ? p[2] : part };
    const node = nodeAt(doc.contents as Node | null, p[1].split('.'));
    const line = node?.range ? lines.linePos(node.range[0]).line : null;
    return { line, field: p[1], message: p[2] };
  });
}
