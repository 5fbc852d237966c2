/**
 * Reading a user's SBOM into an inventory: CycloneDX 1.4, 1.5, 1.6 JSON and SPDX 2.3 JSON.
 * The document is validated against its official schema first (the edge); packages come from
 * purls, mapped to OSV ecosystems (see ecosystem.ts).
 */
import { MAX_NESTING, nestingDepth, VigilError, type LayerRef, type Package, type ScanTarget } from '../../model/index.ts';
import { createSchemaValidators, describeSchemaErrors, type CycloneDxVersion, type SchemaValidators } from '../schemas/index.ts';
import { purlToPackage, type DistroHint } from './ecosystem.ts';

export interface SbomInventory {
  target: ScanTarget;
  packages: Package[];
  /** components without a usable purl, and why (a user SBOM may describe files, services, …) */
  skipped: { ref: string; reason: string }[];
  /** "CycloneDX 1.6", "SPDX 2.3" */
  format: string;
}

export interface ReadSbomOptions {
  /** reuse compiled schemas across calls (compiling CycloneDX's takes a fraction of a second) */
  validators?: SchemaValidators;
}

interface CdxProperty { name?: string; value?: string }
interface CdxComponent {
  'bom-ref'?: string; type?: string; name?: string; group?: string; version?: string; purl?: string; scope?: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
  properties?: CdxProperty[]; components?: CdxComponent[];
}

function invalid(name: string, rule: string, detail: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `invalid SBOM ${JSON.stringify(name)}: ${rule}: ${detail}`, { input: name, rule, cause });
}

function props(c: { properties?: CdxProperty[] }, name: string): string[] {
  return (c.properties ?? []).filter((p) => p.name === name && typeof p.value === 'string').map((p) => p.value!);
}

function osHint(components: CdxComponent[]): DistroHint | undefined {
  const os = components.find((c) => c.type === 'operating-system');
  return os?.name ? { id: os.name.toLowerCase(), version: os.version } : undefined;
}

/** Every component of a tree (components of components, …) in document order, without recursion. */
function flatten(cs: CdxComponent[] | undefined): CdxComponent[] {
  const out: CdxComponent[] = [];
  const stack = [...(cs ?? [])].reverse();
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    if (Array.isArray(c.components)) for (let i = c.components.length - 1; i >= 0; i--) stack.push(c.components[i]);
  }
  return out;
}

/**
 * A list of nested items (components or services) as one flat list of the same items with the
 * nesting key removed, for validation only; iterative.
 */
function detachTree(list: unknown[], key: string): unknown[] {
  const out: unknown[] = [];
  const stack = [...list].reverse();
  while (stack.length) {
    const c = stack.pop();
    const kids = c && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(kids)) { out.push(c); continue; }
    const { [key]: _, ...rest } = c as Record<string, unknown>;
    out.push(rest);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return out;
}

/**
 * What ajv validates. CycloneDX nests components and services to any depth, and ajv's compiled
 * validators recurse once per level (a 3,000-deep tree overflowed the stack). A document nested
 * deeper than MAX_NESTING is validated as the equivalent flat lists instead — every component
 * against the same schema; only `uniqueItems` then also spans subtrees. Anything still deeper
 * (nesting the schema does not allow to recurse) is refused with rule "nesting-depth".
 */
function forValidation(doc: Record<string, unknown>, name: string): Record<string, unknown> {
  if (nestingDepth(doc, MAX_NESTING) <= MAX_NESTING) return doc;
  const flat: Record<string, unknown> = { ...doc };
  if (Array.isArray(doc.components)) flat.components = detachTree(doc.components, 'components');
  if (Array.isArray(doc.services)) flat.services = detachTree(doc.services, 'services');
  const meta = doc.metadata as { component?: Record<string, unknown> } | undefined;
  if (meta && typeof meta === 'object' && meta.component && typeof meta.component === 'object' && Array.isArray(meta.component.components)) {
    flat.metadata = { ...meta, component: { ...meta.component, components: detachTree(meta.component.components, 'components') } };
  }
  if (nestingDepth(flat, MAX_NESTING) > MAX_NESTING) throw invalid(name, 'nesting-depth', `nested more than ${MAX_NESTING} levels deep outside the components and services trees`);
  return flat;
}

function readCycloneDx(doc: Record<string, unknown>, name: string, v: SchemaValidators): SbomInventory {
  // not validated yet: String() of an object with its own toString/valueOf keys throws
  const spec = typeof doc.specVersion === 'string' || typeof doc.specVersion === 'number' ? String(doc.specVersion) : '';
  if (!['1.4', '1.5', '1.6'].includes(spec)) throw invalid(name, 'cyclonedx-version', `specVersion ${JSON.stringify(spec)} is not supported (1.4, 1.5, 1.6)`);
  const validate = v.cyclonedx(spec as CycloneDxVersion);
  if (!validate(forValidation(doc, name))) throw invalid(name, `cyclonedx-${spec}-schema`, describeSchemaErrors(validate.errors));

  const meta = (doc.metadata ?? {}) as { component?: CdxComponent };
  const mc = meta.component;
  const all = flatten(doc.components as CdxComponent[] | undefined);
  const os = osHint(all);
  const vigilEco = all.find((c) => c.type === 'operating-system' && props(c, 'vigil:ecosystem').length);
  const target: ScanTarget = {
    kind: 'sbom',
    ref: mc?.name ? (mc.group ? `${mc.group}/${mc.name}` : mc.name) : name,
    ...(props(mc ?? {}, 'vigil:target:digest')[0] ? { digest: props(mc!, 'vigil:target:digest')[0] } : {}),
    ...(os ? { os: { id: os.id, ...(os.version ? { versionId: os.version } : {}), ...(vigilEco ? { ecosystem: props(vigilEco, 'vigil:ecosystem')[0] } : {}) } } : {}),
  };

  const packages: Package[] = [];
  const skipped: SbomInventory['skipped'] = [];
  for (const c of all) {
    if (c.type === 'operating-system') continue;
    const ref = c['bom-ref'] ?? c.purl ?? `${c.name}@${c.version}`;
    if (!c.purl) { skipped.push({ ref, reason: 'no purl' }); continue; }
    const got = purlToPackage(c.purl, os);
    if ('error' in got) { skipped.push({ ref, reason: got.error }); continue; }
    const p: Package = { ecosystem: got.ecosystem, name: got.name, version: got.version, purl: c.purl, foundBy: 'sbom/cyclonedx' };
    // Vigil's own properties restore what a purl cannot carry (exact ecosystem, layer, …).
    const eco = props(c, 'vigil:ecosystem')[0];
    if (eco) p.ecosystem = eco;
    const locations = [...props(c, 'vigil:location'), ...props(c, 'SrcFile'), ...props(c, 'aquasecurity:trivy:FilePath')];
    if (locations.length) p.locations = [...new Set(locations)];
    const digest = props(c, 'vigil:layer:digest')[0] ?? props(c, 'aquasecurity:trivy:LayerDiffID')[0];
    if (digest) {
      const layer: LayerRef = { index: Number(props(c, 'vigil:layer:index')[0] ?? -1), digest };
      const by = props(c, 'vigil:layer:createdBy')[0];
      if (by) layer.createdBy = by;
      p.layer = layer;
    }
    const src = props(c, 'vigil:sourceName')[0] ?? props(c, 'aquasecurity:trivy:SrcName')[0] ?? got.sourceName;
    if (src) p.sourceName = src;
    const srcVersion = props(c, 'vigil:sourceVersion')[0] ?? got.sourceVersion;
    if (srcVersion) p.sourceVersion = srcVersion;
    const owned = props(c, 'vigil:ownedBy')[0];
    if (owned) p.ownedBy = owned;
    if (props(c, 'vigil:dev')[0] === 'true' || props(c, 'cdx:npm:package:development')[0] === 'true') p.dev = true;
    const lic = (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter((x): x is string => !!x);
    if (lic.length) p.licenses = lic;
    packages.push(p);
  }
  return { target, packages, skipped, format: `CycloneDX ${spec}` };
}

interface SpdxPackage {
  SPDXID: string; name: string; versionInfo?: string; primaryPackagePurpose?: string; sourceInfo?: string;
  licenseDeclared?: string; externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
}

function readSpdx(doc: Record<string, unknown>, name: string, v: SchemaValidators): SbomInventory {
  if (doc.spdxVersion !== 'SPDX-2.3') throw invalid(name, 'spdx-version', `spdxVersion ${JSON.stringify(doc.spdxVersion)} is not supported (SPDX-2.3)`);
  const validate = v.spdx23();
  // SPDX 2.3 JSON is flat (packages, files and relationships are lists); ajv recursing into a
  // hostile deep value is refused first.
  if (nestingDepth(doc, MAX_NESTING) > MAX_NESTING) throw invalid(name, 'nesting-depth', `nested more than ${MAX_NESTING} levels deep`);
  if (!validate(doc)) throw invalid(name, 'spdx-2.3-schema', describeSchemaErrors(validate.errors));
  const pkgs = (doc.packages ?? []) as SpdxPackage[];
  const rels = (doc.relationships ?? []) as { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  const described = new Set([
    ...((doc.documentDescribes as string[] | undefined) ?? []),
    ...rels.filter((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES').map((r) => r.relatedSpdxElement),
    ...rels.filter((r) => r.relatedSpdxElement === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBED_BY').map((r) => r.spdxElementId),
  ]);
  const osPkg = pkgs.find((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM');
  const os: DistroHint | undefined = osPkg ? { id: osPkg.name.toLowerCase(), version: osPkg.versionInfo } : undefined;
  const root = pkgs.find((p) => described.has(p.SPDXID));
  const target: ScanTarget = {
    kind: 'sbom',
    ref: root?.name ?? String(doc.name ?? name),
    ...(os ? { os: { id: os.id, ...(os.version ? { versionId: os.version } : {}) } } : {}),
  };
  const packages: Package[] = [];
  const skipped: SbomInventory['skipped'] = [];
  for (const sp of pkgs) {
    if (sp === osPkg) continue;
    const purl = sp.externalRefs?.find((e) => e.referenceType === 'purl' && /^PACKAGE[-_]MANAGER$/.test(e.referenceCategory))?.referenceLocator;
    if (!purl) {
      if (!described.has(sp.SPDXID)) skipped.push({ ref: sp.SPDXID, reason: 'no purl' });
      continue;
    }
    const got = purlToPackage(purl, os);
    if ('error' in got) { skipped.push({ ref: sp.SPDXID, reason: got.error }); continue; }
    const p: Package = { ecosystem: got.ecosystem, name: got.name, version: got.version, purl, foundBy: 'sbom/spdx' };
    if (got.sourceName) p.sourceName = got.sourceName;
    if (got.sourceVersion) p.sourceVersion = got.sourceVersion;
    const m = sp.sourceInfo && /^acquired package info from: (.*)$/.exec(sp.sourceInfo);
    if (m) p.locations = m[1].split(', ');
    if (sp.licenseDeclared && !['NOASSERTION', 'NONE'].includes(sp.licenseDeclared)) p.licenses = sp.licenseDeclared.split(' AND ');
    packages.push(p);
  }
  return { target, packages, skipped, format: 'SPDX 2.3' };
}

/**
 * Reads a CycloneDX (1.4–1.6) or SPDX 2.3 JSON SBOM.
 * @throws VigilError VIGIL_INVALID_INPUT naming the file and the rule: "json", "sbom-format",
 *   "cyclonedx-version", "cyclonedx-1.6-schema", "spdx-version", "spdx-2.3-schema".
 */
export function readSbom(buf: Buffer | string, name: string, opts: ReadSbomOptions = {}): SbomInventory {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw invalid(name, 'json', (e as Error).message, e);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(name, 'sbom-format', 'not a JSON object');
  const v = opts.validators ?? createSchemaValidators();
  const o = doc as Record<string, unknown>;
  if (o.bomFormat === 'CycloneDX') return readCycloneDx(o, name, v);
  if (typeof o.spdxVersion === 'string') return readSpdx(o, name, v);
  throw invalid(name, 'sbom-format', 'neither CycloneDX JSON (bomFormat) nor SPDX JSON (spdxVersion)');
}
