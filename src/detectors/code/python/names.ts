/**
 * Names in one Python file: what each imported name stands for (`sp` → `subprocess`, `request` →
 * `flask.request`), the qualified name of a call's callee, literal strings, and the helpers both
 * the taint analysis and the shape checks use.
 */
import type { Node } from './parser.ts';

/** Local name → qualified name, from every import statement of the file (function-level ones too). */
export function collectImports(root: Node): Map<string, string> {
  const map = new Map<string, string>();
  for (const n of descendants(root)) {
    if (n.type === 'import_statement') {
      for (const c of n.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text, alias = c.childForFieldName('alias')?.text;
          if (name && alias) map.set(alias, name);
        } else {
          // `import os.path` binds `os`
          const first = c.text.split('.')[0];
          map.set(first, first);
        }
      }
    } else if (n.type === 'import_from_statement') {
      const mod = n.childForFieldName('module_name')?.text ?? '';
      for (const c of n.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text, alias = c.childForFieldName('alias')?.text;
          if (name && alias) map.set(alias, `${mod}.${name}`);
        } else {
          map.set(c.text, `${mod}.${c.text}`);
        }
      }
    }
  }
  return map;
}

/** The modules a file imports from (roots only: "flask", "django", "fastapi", …). */
export function importedRoots(imports: Map<string, string>): Set<string> {
  return new Set([...imports.values()].map((q) => q.replace(/^\.+/, '').split('.')[0]));
}

/** The text of a string literal without interpolation, or undefined. Handles prefixes and triple quotes roughly. */
export function literalString(n: Node | null | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'concatenated_string') {
    let s = '';
    for (const c of n.namedChildren) {
      const v = literalString(c);
      if (v === undefined) return undefined;
      s += v;
    }
    return s;
  }
  if (n.type !== 'string') return undefined;
  if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return n.namedChildren.filter((c) => c?.type === 'string_content' || c?.type === 'escape_sequence')
    .map((c) => (c!.type === 'escape_sequence' ? unescape(c!.text) : c!.text)).join('');
}

function unescape(e: string): string {
  switch (e) {
    case '\\n': return '\n';
    case '\\r': return '\r';
    case '\\t': return '\t';
    default: return e.length === 2 ? e[1] : e;
  }
}

/** Positional arguments and keyword arguments of a call. */
export function callArgs(call: Node): { positional: Node[]; keywords: Map<string, Node> } {
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  const args = call.childForFieldName('arguments');
  if (!args) return { positional, keywords };
  if (args.type === 'generator_expression') return { positional: [args], keywords };
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const k = a.childForFieldName('name')?.text, v = a.childForFieldName('value');
      if (k && v) keywords.set(k, v);
    } else positional.push(a);
  }
  return { positional, keywords };
}

/** Every node of a subtree, depth first (iterative: no recursion limit on deep files). */
export function* descendants(root: Node): Generator<Node> {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
}

/** The function definition a decorated_definition wraps, and its decorators. */
export function unwrapDecorated(n: Node): { def: Node; decorators: Node[] } {
  if (n.type !== 'decorated_definition') return { def: n, decorators: [] };
  return { def: n.childForFieldName('definition')!, decorators: n.namedChildren.filter((c): c is Node => c?.type === 'decorator') };
}

/** A parameter's name, annotation text and default value. */
export function paramInfo(p: Node): { name: string; annotation?: string; default?: Node; splat: boolean } | undefined {
  switch (p.type) {
    case 'identifier': return { name: p.text, splat: false };
    case 'typed_parameter': {
      const id = p.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'list_splat_pattern' || c?.type === 'dictionary_splat_pattern');
      if (!id) return undefined;
      return { name: id.text.replace(/^\*+/, ''), annotation: p.childForFieldName('type')?.text, splat: id.type !== 'identifier' };
    }
    case 'default_parameter':
    case 'typed_default_parameter': {
      const name = p.childForFieldName('name')?.text;
      if (!name) return undefined;
      return { name, annotation: p.childForFieldName('type')?.text, default: p.childForFieldName('value') ?? undefined, splat: false };
    }
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern':
      return { name: p.text.replace(/^\*+/, ''), splat: true };
    default: return undefined;
  }
}

export function params(def: Node): NonNullable<ReturnType<typeof paramInfo>>[] {
  const ps = def.childForFieldName('parameters');
  if (!ps) return [];
  return ps.namedChildren.map((c) => (c ? paramInfo(c) : undefined)).filter((x): x is NonNullable<typeof x> => !!x);
}
