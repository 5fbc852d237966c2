/**
 * Reading NuGet references out of MSBuild XML (project files, Directory.Packages.props) and
 * packages.config, for dotnet/project-file and dotnet/packages-config. Pure: XML text in.
 *
 * XML is parsed with fast-xml-parser after XMLValidator; entities are not expanded (no DTD
 * tricks). Element and attribute names are matched case-insensitively, as MSBuild does.
 */
import type { XMLParser } from 'fast-xml-parser';
import { parseNuGetVersion } from '../../versioning/nuget/index.ts';

type Node = Record<string, unknown>;

// fast-xml-parser is loaded by the first project file or packages.config, not by every scan
let xml: Promise<{ parser: XMLParser; validate: typeof import('fast-xml-parser').XMLValidator.validate }> | undefined;
const loadXml = () => (xml ??= import('fast-xml-parser').then(({ XMLParser: Parser, XMLValidator }) => ({
  parser: new Parser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  }),
  validate: XMLValidator.validate,
})));

/**
 * Parses XML into fast-xml-parser's object form (every child an array).
 * @throws Error naming the XML problem and its line
 */
export async function parseXml(text: string): Promise<Node> {
  const { parser, validate } = await loadXml();
  const t = text.replace(/^\uFEFF/, '');
  const valid = validate(t);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(t) as Node;
}

/** Children named `name` (case-insensitive) of a node. */
export function children(node: unknown, name: string): Node[] {
  if (typeof node !== 'object' || node === null) return [];
  const want = name.toLowerCase();
  const out: Node[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@') || k.toLowerCase() !== want) continue;
    for (const c of Array.isArray(v) ? v : [v]) out.push(typeof c === 'object' && c !== null ? (c as Node) : { '#text': String(c) });
  }
  return out;
}

/** An attribute (case-insensitive), or a child element's text (`<Version>1.0</Version>`). */
export function attrOrChild(node: Node, name: string): string | undefined {
  const want = `@${name.toLowerCase()}`;
  for (const [k, v] of Object.entries(node)) if (k.toLowerCase() === want && typeof v === 'string') return v.trim();
  const c = children(node, name)[0];
  const t = c?.['#text'];
  return typeof t === 'string' ? t.trim() : c ? '' : undefined;
}

/** The root element's node (e.g. <Project>, <packages>), or undefined. */
export function root(doc: Node, name: string): Node | undefined {
  return children(doc, name)[0];
}

/** `<PropertyGroup>` properties of a <Project> (last definition wins, conditions ignored). */
export function properties(project: Node): Map<string, string> {
  const props = new Map<string, string>();
  for (const g of children(project, 'PropertyGroup')) {
    for (const [k, v] of Object.entries(g)) {
      if (k.startsWith('@') || k === '#text') continue;
      const last = (Array.isArray(v) ? v : [v]).at(-1) as Node | string | undefined;
      const text = typeof last === 'string' ? last : typeof last?.['#text'] === 'string' ? (last['#text'] as string) : '';
      props.set(k.toLowerCase(), text.trim());
    }
  }
  return props;
}

/**
 * `$(Name)` references replaced from `props` (repeatedly, bounded); returns the text and the names
 * it could not resolve.
 */
export function expand(value: string, props: ReadonlyMap<string, string>): { value: string; unresolved: string[] } {
  let v = value;
  const unresolved = new Set<string>();
  for (let round = 0; round < 8 && v.includes('$('); round++) {
    v = v.replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]{0,200})\)/g, (m, name: string) => {
      const r = props.get(name.toLowerCase());
      if (r === undefined) { unresolved.add(name); return m; }
      return r;
    });
    if (unresolved.size) break;
  }
  if (v.length > 1024) return { value: v.slice(0, 1024), unresolved: [...unresolved, '(expansion too long)'] };
  return { value: v, unresolved: [...unresolved] };
}

/**
 * The one version a NuGet version spec pins, or why it pins none: a plain version "1.2.3"
 * (NuGet's minimum, which restore resolves to when it exists) and an exact "[1.2.3]" are pinned;
 * ranges ("[1.2,2.0)", "(,1.0]"), floating ("1.2.*") and MSBuild expressions are not.
 */
export function pinnedVersion(spec: string): { version: string } | { why: string } {
  const s = spec.trim();
  if (!s) return { why: 'empty version' };
  if (s.includes('$(') || s.includes('@(') || s.includes('%(')) return { why: `${JSON.stringify(s)} is an MSBuild expression` };
  if (s.includes('*')) return { why: `${JSON.stringify(s)} is a floating version (restore picks the latest match)` };
  const exact = /^\[\s*([^,\]\s]+)\s*\]$/.exec(s);
  const v = exact ? exact[1] : s;
  if (/^[[(]|[\])]$|,/.test(v)) return { why: `${JSON.stringify(s)} is a version range, not a version` };
  try {
    parseNuGetVersion(v);
  } catch (e) {
    return { why: (e as Error).message };
  }
  return { version: v };
}
