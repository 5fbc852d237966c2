/**
 * pom.xml reading (https://maven.apache.org/pom.html). Pure: XML text in, a raw model out;
 * inheritance and interpolation are in resolve.ts.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface PomDependency { groupId?: string; artifactId?: string; version?: string; scope?: string; type?: string }
export interface Pom {
  groupId?: string;
  artifactId?: string;
  version?: string;
  parent?: { groupId?: string; artifactId?: string; version?: string; relativePath?: string };
  properties: Record<string, string>;
  dependencyManagement: PomDependency[];
  dependencies: PomDependency[];
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => name === 'dependency' });

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const deps = (v: unknown): PomDependency[] => {
  const list = (v as { dependency?: unknown[] } | undefined)?.dependency ?? [];
  return list.map((d) => {
    const o = (d ?? {}) as Record<string, unknown>;
    return { groupId: str(o.groupId), artifactId: str(o.artifactId), version: str(o.version), scope: str(o.scope), type: str(o.type) };
  });
};

/** @throws Error when the text is not well-formed XML or has no <project> */
export function parsePom(text: string): Pom {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(text) as { project?: Record<string, unknown> };
  const p = doc.project;
  if (!p || typeof p !== 'object') throw new Error('no <project> element');
  const parent = p.parent as Record<string, unknown> | undefined;
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries((p.properties ?? {}) as Record<string, unknown>)) { const s = str(v); if (s !== undefined) props[k] = s; }
  return {
    groupId: str(p.groupId), artifactId: str(p.artifactId), version: str(p.version),
    parent: parent && typeof parent === 'object' ? { groupId: str(parent.groupId), artifactId: str(parent.artifactId), version: str(parent.version), relativePath: str(parent.relativePath) } : undefined,
    properties: props,
    dependencyManagement: deps((p.dependencyManagement as Record<string, unknown> | undefined)?.dependencies),
    dependencies: deps(p.dependencies),
  };
}
