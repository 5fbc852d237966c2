/**
 * CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/) for a scan: the target as
 * metadata.component, one component per package, and with `vex` the findings as
 * `vulnerabilities[]` (https://cyclonedx.org/capabilities/vex/).
 */
import type { ScanFinding, ScanResult, Severity } from '../../model/index.ts';
import { spdxLicenseIds } from '../schemas/index.ts';
import { canonicalize, OS_ECOSYSTEM, packageRefs, stableUuid } from './common.ts';

const IMAGE_KINDS = new Set(['docker-archive', 'oci-layout', 'registry', 'image']);

const CDX_SEVERITY: Record<Severity, string> = {
  CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', NONE: 'none', UNKNOWN: 'unknown',
};

const CVSS_METHOD: Record<string, string> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

interface Property { name: string; value: string }

function vulnSource(id: string): { name: string; url: string } {
  if (/^CVE-/.test(id)) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (/^GHSA-/.test(id)) return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${encodeURIComponent(id)}` };
}

/** CycloneDX `licenses`: SPDX ids as `license.id`, an SPDX expression alone, anything else as `license.name`. */
function licenses(list: string[] | undefined, ids: ReadonlySet<string>): unknown[] | undefined {
  if (!list?.length) return undefined;
  if (list.length === 1 && / (AND|OR|WITH) /.test(list[0])) return [{ expression: list[0] }];
  return list.map((l) => (ids.has(l) ? { license: { id: l } } : { license: { name: l } }));
}

/**
 * How a suppression maps to CycloneDX's impact analysis: an OpenVEX "not_affected" or "fixed"
 * keeps its meaning; any other ignore is a decision not to fix (state exploitable, response
 * will_not_fix), which is what a risk acceptance is.
 */
function analysis(s: NonNullable<ScanFinding['suppressed']>): Record<string, unknown> {
  const detail = `${s.reason} (${s.source})`;
  if (/^not_affected\b/.test(s.reason)) return { state: 'not_affected', detail };
  if (/^fixed\b/.test(s.reason)) return { state: 'resolved', detail };
  return { state: 'exploitable', response: ['will_not_fix'], detail };
}

export interface CycloneDxOptions {
  /** include the findings as `vulnerabilities[]` */
  vex: boolean;
}

/** The CycloneDX 1.6 document as an object (sorted, deterministic: serialNumber derives from target and createdAt). */
export function toCycloneDx(result: ScanResult, opts: CycloneDxOptions): Record<string, unknown> {
  const r = canonicalize(result);
  const refs = packageRefs(r);
  const ids = spdxLicenseIds();
  const t = r.target;
  const targetRef = 'vigil:target';
  const osRef = 'vigil:os';

  const targetProps: Property[] = [{ name: 'vigil:target:kind', value: t.kind }];
  if (t.digest) targetProps.push({ name: 'vigil:target:digest', value: t.digest });
  if (t.platform) targetProps.push({ name: 'vigil:target:platform', value: t.platform });
  for (const l of t.layers ?? []) {
    targetProps.push({ name: 'vigil:layer', value: `${l.index} ${l.digest}${l.createdBy ? ` ${l.createdBy}` : ''}` });
  }

  const components: Record<string, unknown>[] = [];
  if (t.os) {
    const osProps: Property[] = [];
    if (t.os.ecosystem) osProps.push({ name: 'vigil:ecosystem', value: t.os.ecosystem });
    if (t.os.prettyName) osProps.push({ name: 'vigil:os:prettyName', value: t.os.prettyName });
    components.push({
      'bom-ref': osRef, type: 'operating-system', name: t.os.id,
      ...(t.os.versionId ? { version: t.os.versionId } : {}),
      ...(osProps.length ? { properties: osProps } : {}),
    });
  }
  r.packages.forEach((p, i) => {
    const props: Property[] = [{ name: 'vigil:ecosystem', value: p.ecosystem }];
    // every extractor of a merged install (src/inventory/README.md, "Same install"), else the one
    for (const by of p.extractors ?? (p.foundBy ? [p.foundBy] : [])) props.push({ name: 'vigil:foundBy', value: by });
    for (const l of p.locations ?? []) props.push({ name: 'vigil:location', value: l });
    if (p.layer) {
      props.push({ name: 'vigil:layer:index', value: String(p.layer.index) });
      props.push({ name: 'vigil:layer:digest', value: p.layer.digest });
      if (p.layer.createdBy) props.push({ name: 'vigil:layer:createdBy', value: p.layer.createdBy });
    }
    if (p.sourceName) props.push({ name: 'vigil:sourceName', value: p.sourceName });
    if (p.sourceVersion) props.push({ name: 'vigil:sourceVersion', value: p.sourceVersion });
    if (p.ownedBy) props.push({ name: 'vigil:ownedBy', value: p.ownedBy });
    if (p.dev) props.push({ name: 'vigil:dev', value: 'true' });
    const lic = licenses(p.licenses, ids);
    components.push({
      'bom-ref': refs[i],
      // A distro package is a library of the operating system; CycloneDX has no "os package" type.
      type: 'library',
      name: p.name,
      version: p.version,
      ...(p.dev ? { scope: 'optional' } : {}),
      ...(lic ? { licenses: lic } : {}),
      ...(p.purl ? { purl: p.purl } : {}),
      properties: props,
    });
  });
  components.sort((a, b) => (String(a['bom-ref']) < String(b['bom-ref']) ? -1 : 1));

  const dependencies = [
    { ref: targetRef, dependsOn: [...(t.os ? [osRef] : []), ...refs.filter((_, i) => !(t.os && OS_ECOSYSTEM.test(r.packages[i].ecosystem)))].sort() },
    ...(t.os ? [{ ref: osRef, dependsOn: refs.filter((_, i) => OS_ECOSYSTEM.test(r.packages[i].ecosystem)).sort() }] : []),
  ];

  const bom: Record<string, unknown> = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${stableUuid(`${t.kind}\n${t.ref}\n${t.digest ?? ''}\n${r.createdAt}\n${opts.vex}`)}`,
    version: 1,
    metadata: {
      timestamp: r.createdAt,
      tools: { components: [{ type: 'application', name: r.tool.name, version: r.tool.version }] },
      component: {
        'bom-ref': targetRef,
        type: IMAGE_KINDS.has(t.kind) ? 'container' : 'application',
        name: t.ref,
        ...(t.digest ? { version: t.digest } : {}),
        properties: targetProps,
      },
    },
    components,
    dependencies,
  };

  if (opts.vex) {
    // One entry per vulnerability and suppression state: analysis is per vulnerability entry, so a
    // vulnerability suppressed for one package and open for another needs two entries.
    const groups = new Map<string, ScanFinding[]>();
    for (const f of r.findings) {
      const key = `${f.vulnerability}\u0000${f.suppressed ? `${f.suppressed.reason}\u0000${f.suppressed.source}` : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const vulnerabilities = [...groups.keys()].sort().map((key, n, keys) => {
      const fs = groups.get(key)!;
      const f0 = fs[0];
      const id = f0.vulnerability;
      const repeated = keys.filter((k) => k.split('\u0000')[0] === id).length > 1;
      const advisories = [...new Set(fs.flatMap((f) => [f.id, ...f.aliases]))].filter((a) => a !== id).sort();
      const ratings = fs
        .filter((f) => f.cvss)
        .map((f) => ({ source: { name: f.cvss!.source }, score: f.cvss!.score, severity: CDX_SEVERITY[f.severity], method: CVSS_METHOD[f.cvss!.version] ?? 'other', vector: f.cvss!.vector }))
        .filter((x, i, all) => all.findIndex((y) => y.vector === x.vector && y.source.name === x.source.name) === i);
      if (!ratings.length) ratings.push({ severity: CDX_SEVERITY[f0.severity] } as (typeof ratings)[number]);
      const fixes = fs.filter((f) => f.fixedVersion).map((f) => `${r.packages[f.packageIndex].name} ${f.fixedVersion}`);
      return {
        'bom-ref': repeated ? `vuln:${id}#${n}` : `vuln:${id}`,
        id,
        source: vulnSource(id),
        ...(advisories.length ? { references: advisories.map((a) => ({ id: a, source: vulnSource(a) })) } : {}),
        ratings,
        ...(f0.summary ? { description: f0.summary } : {}),
        ...(f0.type === 'malicious'
          ? { recommendation: 'Malicious package: remove it and rotate any credentials it could reach.' }
          : fixes.length ? { recommendation: `Upgrade to a fixed version: ${[...new Set(fixes)].join(', ')}.` } : {}),
        ...(f0.suppressed ? { analysis: analysis(f0.suppressed) } : {}),
        affects: fs.map((f) => ({
          ref: refs[f.packageIndex],
          versions: [
            { version: f.installedVersion, status: 'affected' },
            ...(f.fixedVersion ? [{ version: f.fixedVersion, status: 'unaffected' }] : []),
          ],
        })).sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)),
        ...(f0.type === 'malicious' ? { properties: [{ name: 'vigil:type', value: 'malicious' }] } : {}),
      };
    });
    bom.vulnerabilities = vulnerabilities;
  }
  return bom;
}

/** The CycloneDX 1.6 JSON text (two-space indent, trailing newline). */
export function renderCycloneDx(result: ScanResult, opts: CycloneDxOptions): string {
  return `${JSON.stringify(toCycloneDx(result, opts), null, 2)}\n`;
}
