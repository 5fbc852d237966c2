/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). Hand-written: the SPDX tooling for
 * JavaScript targets 3.0. The document DESCRIBES the target package, which CONTAINS every found
 * package (and the operating system, when known). Licenses are NOASSERTION unless every license
 * string of a package is an SPDX identifier.
 */
import type { ScanResult } from '../../model/index.ts';
import { spdxLicenseIds } from '../schemas/index.ts';
import { canonicalize, isoSeconds, OS_ECOSYSTEM, packageRefs, sha256Hex, stableUuid } from './common.ts';

/** SPDXRef-<readable part>-<hash>: ids may hold only letters, digits, "." and "-" (spec 7.2). */
function spdxId(prefix: string, readable: string, key: string): string {
  const clean = readable.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return `SPDXRef-${prefix}-${clean ? `${clean}-` : ''}${sha256Hex(key).slice(0, 12)}`;
}

/**
 * The document namespace: unique per target and digest and stable across runs (spec 6.5 asks
 * for a unique URI; a digest pins the content, so the same content gives the same namespace).
 */
export function spdxNamespace(result: ScanResult): string {
  const name = result.target.ref.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'target';
  return `https://spdx.org/spdxdocs/vigil/${name}-${stableUuid(`${result.target.kind}\n${result.target.ref}\n${result.target.digest ?? ''}`)}`;
}

/** The SPDX 2.3 document as an object. */
export function toSpdx(result: ScanResult): Record<string, unknown> {
  const r = canonicalize(result);
  const ids = spdxLicenseIds();
  const refs = packageRefs(r);
  const t = r.target;
  const rootId = 'SPDXRef-Target';
  const osId = 'SPDXRef-OperatingSystem';

  const packages: Record<string, unknown>[] = [{
    SPDXID: rootId,
    name: t.ref,
    ...(t.digest ? { versionInfo: t.digest } : {}),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: ['docker-archive', 'oci-layout', 'registry', 'image'].includes(t.kind) ? 'CONTAINER' : 'APPLICATION',
    ...(t.digest && /^sha256:[0-9a-f]{64}$/.test(t.digest) ? { checksums: [{ algorithm: 'SHA256', checksumValue: t.digest.slice(7) }] } : {}),
    comment: `vigil target kind: ${t.kind}`,
  }];
  const relationships: Record<string, unknown>[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
  ];
  if (t.os) {
    packages.push({
      SPDXID: osId, name: t.os.id, ...(t.os.versionId ? { versionInfo: t.os.versionId } : {}),
      downloadLocation: 'NOASSERTION', filesAnalyzed: false, licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION', primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(t.os.prettyName ? { description: t.os.prettyName } : {}),
    });
    relationships.push({ spdxElementId: rootId, relationshipType: 'CONTAINS', relatedSpdxElement: osId });
  }
  const seen = new Set<string>();
  r.packages.forEach((p, i) => {
    const id = spdxId('Package', `${p.name}-${p.version}`, refs[i]);
    if (seen.has(id)) throw new Error(`duplicate SPDX id ${id}`); // refs are unique, so a hash collision
    seen.add(id);
    const declared = p.licenses?.length && p.licenses.every((l) => ids.has(l)) ? p.licenses.join(' AND ') : 'NOASSERTION';
    const comments: string[] = [];
    if (p.layer) comments.push(`layer ${p.layer.index} ${p.layer.digest}${p.layer.createdBy ? ` (${p.layer.createdBy})` : ''}`);
    if (p.dev) comments.push('development dependency');
    packages.push({
      SPDXID: id,
      name: p.name,
      versionInfo: p.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: declared,
      ...(declared === 'NOASSERTION' && p.licenses?.length ? { licenseComments: `declared: ${p.licenses.join('; ')}` } : {}),
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'LIBRARY',
      ...(p.locations?.length ? { sourceInfo: `acquired package info from: ${p.locations.join(', ')}` } : {}),
      ...(p.purl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }] } : {}),
      ...(comments.length ? { comment: comments.join('; ') } : {}),
    });
    const parent = t.os && OS_ECOSYSTEM.test(p.ecosystem) ? osId : rootId;
    relationships.push({ spdxElementId: parent, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });
  const sortedPackages = [packages[0], ...packages.slice(1).sort((a, b) => (String(a.SPDXID) < String(b.SPDXID) ? -1 : 1))];
  const key = (x: Record<string, unknown>) => `${x.spdxElementId} ${x.relationshipType} ${x.relatedSpdxElement}`;
  relationships.sort((a, b) => (key(a) === key(b) ? 0 : a.relationshipType === 'DESCRIBES' ? -1 : b.relationshipType === 'DESCRIBES' ? 1 : key(a) < key(b) ? -1 : 1));

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: t.ref,
    documentNamespace: spdxNamespace(r),
    creationInfo: {
      created: isoSeconds(r.createdAt),
      creators: [`Tool: ${r.tool.name}-${r.tool.version}`],
    },
    packages: sortedPackages,
    relationships,
  };
}

/** The SPDX 2.3 JSON text (two-space indent, trailing newline). */
export function renderSpdx(result: ScanResult): string {
  return `${JSON.stringify(toSpdx(result), null, 2)}\n`;
}
