/** Helpers shared by the report renderers: canonical ordering, severity ranks, layer labels. */
import { createHash } from 'node:crypto';
import type { CodeLocation } from '../../model/code.ts';
import type { LayerRef, Package } from '../../model/package.ts';
import { SEVERITY_ORDER, type ScanFinding, type ScanResult, type Severity } from '../../model/scan.ts';

export function severityRank(s: Severity): number {
  const i = SEVERITY_ORDER.indexOf(s);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function packageKey(p: Package): string {
  return [p.ecosystem, p.name, p.version, p.purl ?? '', (p.locations ?? []).join('\u0000')].join('\u0001');
}

/** A character that makes comparing field by field differ from comparing the joined packageKey. */
const KEY_SEPARATORS = /[\u0000\u0001]/;

function cmpLists(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * The canonical order of the packages (ecosystem, name, version, purl, locations; then their
 * order as given) as indices, without building a key per package: fields are compared one by one,
 * which orders as packageKey does unless a field holds a separator character or a location is
 * empty, when the keys are built.
 */
export function packageOrder(packages: readonly Package[]): number[] {
  const order = packages.map((_, i) => i);
  const special = packages.some((p) => KEY_SEPARATORS.test(p.ecosystem) || KEY_SEPARATORS.test(p.name) || KEY_SEPARATORS.test(p.version) || KEY_SEPARATORS.test(p.purl ?? '') || (p.locations ?? []).some((l) => l === '' || KEY_SEPARATORS.test(l)));
  if (special) {
    const keys = packages.map(packageKey);
    return order.sort((a, b) => cmp(keys[a], keys[b]) || a - b);
  }
  const none: string[] = [];
  return order.sort((a, b) => {
    const x = packages[a];
    const y = packages[b];
    return cmp(x.ecosystem, y.ecosystem) || cmp(x.name, y.name) || cmp(x.version, y.version) || cmp(x.purl ?? '', y.purl ?? '') || cmpLists(x.locations ?? none, y.locations ?? none) || a - b;
  });
}

/** A package as the canonical result lists it: locations and licenses sorted. */
export function canonicalPackage(p: Package): Package {
  return { ...p, ...(p.locations ? { locations: [...p.locations].sort(cmp) } : {}), ...(p.licenses ? { licenses: [...p.licenses].sort(cmp) } : {}) };
}

/**
 * The result with packages sorted (ecosystem, name, version, purl, locations), every
 * `packageIndex` remapped, and findings, unknown, fixes, errors and inner lists sorted, so that the
 * same scan renders byte for byte the same whatever order extraction produced.
 */
export function canonicalize(result: ScanResult): ScanResult {
  const order = packageOrder(result.packages);
  return { ...canonicalRest(result, order), packages: order.map((i) => canonicalPackage(result.packages[i])) };
}

/**
 * canonicalize without its packages (left as given): every other list sorted and remapped to the
 * package `order` (packageOrder's).
 */
export function canonicalRest(result: ScanResult, order: readonly number[]): ScanResult {
  const newIndex = new Int32Array(order.length);
  order.forEach((old, i) => { newIndex[old] = i; });
  const at = (i: number) => (Number.isInteger(i) && i >= 0 && i < newIndex.length ? newIndex[i] : i);
  const findings = result.findings
    .map((f) => ({
      ...f,
      packageIndex: at(f.packageIndex),
      aliases: [...f.aliases].sort(cmp),
      ...(f.references ? { references: [...f.references].sort(cmp) } : {}),
    }))
    .sort((a, b) => a.packageIndex - b.packageIndex || cmp(a.vulnerability, b.vulnerability) || cmp(a.id, b.id));
  return {
    ...result,
    findings,
    unknown: result.unknown.map((u) => ({ ...u, packageIndex: at(u.packageIndex) })).sort((a, b) => a.packageIndex - b.packageIndex || cmp(a.id, b.id)),
    errors: [...result.errors].sort((a, b) => cmp(a.path, b.path) || cmp(a.rule, b.rule) || cmp(a.message, b.message)),
    fixes: result.fixes
      .map((f) => ({ ...f, packageIndex: at(f.packageIndex), closes: [...f.closes].sort(cmp) }))
      .sort((a, b) => a.packageIndex - b.packageIndex),
    ...(result.secrets ? { secrets: [...result.secrets].sort((a, b) => locationOrder(a.location, b.location) || cmp(a.rule, b.rule) || cmp(a.secret.hash, b.secret.hash)) } : {}),
    ...(result.code ? { code: [...result.code].sort((a, b) => locationOrder(a.location, b.location) || cmp(a.rule, b.rule)) } : {}),
  };
}

/** Findings over files in reading order: path, line, column, then history (the tree first, then commits by date). */
function locationOrder(a: CodeLocation, b: CodeLocation): number {
  return cmp(a.path, b.path) || a.line - b.line || a.column - b.column || cmp(a.commit?.date ?? '', b.commit?.date ?? '') || cmp(a.commit?.id ?? '', b.commit?.id ?? '');
}

/**
 * The package's fix guidance: the smallest version closing every open advisory (null when some
 * advisory has no fix); without a guidance entry, the finding's own fixed version.
 */
export function fixFor(result: ScanResult, f: ScanFinding): string | null {
  const fix = result.fixes.find((x) => x.packageIndex === f.packageIndex);
  return fix ? fix.version : f.fixedVersion;
}

/** "sha256:1f1c1a34c5b0" — the algorithm and the first 12 hex digits. */
export function shortDigest(digest: string): string {
  const i = digest.indexOf(':');
  return i < 0 ? digest.slice(0, 12) : digest.slice(0, i + 1 + 12);
}

export function truncate(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** "#1 sha256:2b2d2e46d7c1 RUN /bin/sh -c npm ci --omit=dev &&…" */
export function layerLabel(layer: LayerRef | undefined, createdByMax = 40): string {
  if (!layer) return '';
  const by = layer.createdBy ? ` ${truncate(layer.createdBy, createdByMax)}` : '';
  return `#${layer.index} ${shortDigest(layer.digest)}${by}`;
}

/** Counts of unsuppressed findings by severity, in SEVERITY_ORDER. */
export function severityCounts(findings: readonly ScanFinding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (!f.suppressed) counts[f.severity]++;
  return counts;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A JSON value with object keys sorted recursively (array order kept). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(cmp)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
