/**
 * The 1M-finding data set of bench/api.ts and bench/dashboard.ts (see bench/api.ts for its
 * distribution), generated the same on every run and dialect, and its bulk load.
 */
import { seededRandom } from '../test/helpers/random.ts';
import type { Store } from '../src/store/index.ts';

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 2_000);
/** the time the data set is generated around (scans over the 180 days before it) */
export const NOW = Date.parse('2025-06-01T00:00:00.000Z');

let stream = seededRandom(0xa91);
/** Restarts the random stream (the same data on every dialect and every run). */
export function setSeed(s: number): void {
  stream = seededRandom(s);
}
const rand = (): number => stream.rand();
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
export const fmt = (n: number) => Math.round(n).toLocaleString('en');
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

/** cumulative weights → index, for Zipf-like draws */
function sampler(weights: number[]): () => number {
  const cum: number[] = [];
  let s = 0;
  for (const w of weights) cum.push((s += w));
  return () => {
    const x = rand() * s;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

// ---------------------------------------------------------------------------------------------
// the data set (generated once, the same for both dialects)

const TOP = [
  ['Debian:12', 'openssl'], ['Debian:12', 'glibc'], ['Debian:12', 'zlib'], ['Debian:12', 'curl'], ['Debian:12', 'libxml2'], ['Alpine:v3.19', 'busybox'],
  ['Debian:12', 'systemd'], ['Debian:12', 'ncurses'], ['Debian:12', 'krb5'], ['Debian:12', 'sqlite3'], ['npm', 'lodash'], ['PyPI', 'requests'],
  ['PyPI', 'urllib3'], ['Maven', 'com.fasterxml.jackson.core:jackson-databind'], ['Maven', 'org.apache.logging.log4j:log4j-core'],
  ['Go', 'golang.org/x/net'], ['npm', 'express'], ['npm', 'minimist'], ['PyPI', 'pillow'], ['crates.io', 'openssl'],
] as const;
const ECOS = ['Debian:12', 'npm', 'PyPI', 'Go', 'Maven', 'Alpine:v3.19', 'crates.io', 'RubyGems'];
const SEVERITIES: [string, number, number | null, number | null][] = [['CRITICAL', 0.06, 9, 10], ['HIGH', 0.28, 7, 8.9], ['MEDIUM', 0.44, 4, 6.9], ['LOW', 0.17, 0.1, 3.9], ['UNKNOWN', 0.05, null, null]];

export interface Vuln { id: string; severity: string; score: number | null; kev: boolean }
export interface Pkg { ecosystem: string; name: string; vulns: Vuln[] }
export interface Res { id: string; account: string; type: string; name: string; digest: string; scans: string[]; n: number; inactive: boolean }

export function makePackages(): Pkg[] {
  const pkgs: Pkg[] = [];
  const sevOf = sampler(SEVERITIES.map((s) => s[1]));
  let cve = 0;
  for (let i = 0; i < 4000; i++) {
    const [ecosystem, name] = i < TOP.length ? TOP[i] : [ECOS[i % ECOS.length], `pkg-${i.toString(36)}`];
    const vulns: Vuln[] = [];
    const nv = 1 + Math.floor(rand() ** 2 * 40);
    for (let k = 0; k < nv; k++) {
      const [severity, , lo, hi] = SEVERITIES[sevOf()];
      vulns.push({ id: `CVE-${2018 + (cve % 8)}-${String(10000 + cve++).padStart(5, '0')}`, severity, score: lo === null ? null : Math.round((lo + rand() * (hi! - lo)) * 10) / 10, kev: rand() < 0.015 });
    }
    pkgs.push({ ecosystem, name, vulns });
  }
  return pkgs;
}

export function makeResources(accounts: [string, string]): Res[] {
  const out: Res[] = [];
  const weights = Array.from({ length: RESOURCES }, () => Math.exp(gauss() * 0.8));
  const total = weights.reduce((a, b) => a + b, 0);
  let left = FINDINGS;
  for (let i = 0; i < RESOURCES; i++) {
    const x = rand();
    const type = x < 0.7 ? 'image' : x < 0.9 ? 'host' : x < 0.95 ? 'function' : 'repository';
    const start = NOW - 180 * 86_400_000 + rand() * 90 * 86_400_000;
    const scans = Array.from({ length: 10 }, (_, k) => new Date(start + k * ((NOW - start) / 10) + rand() * 3_600_000).toISOString());
    const n = i === RESOURCES - 1 ? left : Math.min(left, Math.round((weights[i] / total) * FINDINGS));
    left -= n;
    const name = type === 'image' ? `registry.example.com/team-${i % 40}/svc-${Math.floor(i / 3)}` : type === 'host' ? `host-${i}.prod.example.com` : `${type}-${i}`;
    out.push({ id: `res-${hex(32)}`, account: accounts[i % 2], type, name, digest: `sha256:${hex(64)}`, scans, n, inactive: rand() < 0.05 });
  }
  return out;
}

const FINDING_COLUMNS = [
  'id', 'finding_key', 'account_id', 'resource_id', 'type', 'vulnerability_id', 'advisory_id', 'package_ecosystem', 'package_name', 'package_version',
  'package_purl', 'package_location', 'package_layer', 'severity', 'score', 'fix_available', 'fixed_version', 'exploit_available', 'status',
  'suppressed_by', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'details', 'details_hash', 'title', 'fix_availability',
] as const;
type FindingTuple = (string | number | null)[];

/** The findings of one resource, as column tuples in FINDING_COLUMNS order. */
function* findingsOf(r: Res, pkgs: Pkg[], pickPkg: () => number): Generator<FindingTuple> {
  const seen = new Set<string>();
  for (let j = 0; j < r.n; j++) {
    let p: Pkg;
    let v: Vuln;
    let tries = 0;
    do {
      p = pkgs[pickPkg()];
      v = p.vulns[Math.floor(rand() * p.vulns.length)];
    } while (seen.has(`${v.id}|${p.name}`) && ++tries < 20);
    seen.add(`${v.id}|${p.name}`);
    const a = Math.floor(rand() * 10);
    const b = a + Math.floor(rand() * (10 - a));
    const s = rand();
    const status = s < 0.72 ? 'ACTIVE' : s < 0.78 ? 'SUPPRESSED' : 'CLOSED';
    const fix = rand() < 0.62;
    const version = `${1 + Math.floor(rand() * 5)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 10)}`;
    const location = p.ecosystem.startsWith('Debian') ? '/var/lib/dpkg/status' : p.ecosystem.startsWith('Alpine') ? '/lib/apk/db/installed' : `/app/lock-${tries}`;
    const details = JSON.stringify({
      advisories: [v.id], aliases: [v.id], summary: `${p.name}: ${v.severity.toLowerCase()} issue in request parsing`,
      ...(v.score !== null ? { cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: v.score, source: 'nvd' } } : {}),
      explanation: { record: v.id, searched: { ecosystem: p.ecosystem, name: p.name, version }, scheme: 'semver', hit: { by: 'range', range: 0, type: 'ECOSYSTEM', events: [{ introduced: '0' }] }, fixed: fix ? ['99.0.0'] : [], fixedBy: fix ? '99.0.0' : null, fixAvailable: fix },
    });
    // an image's packages come from one of ~8 layers (by ecosystem: the OS packages in the base layer);
    // the 16 draws of earlier versions' random layer digests are kept so the rest of the data is unchanged
    const drawn = hex(16);
    const layer = r.type === 'image' ? `${r.digest.slice(0, 67)}${Math.max(0, ECOS.indexOf(p.ecosystem)).toString(16)}` : null;
    void drawn;
    yield [
      `fnd-${hex(32)}`, `${r.id}/${j}`, r.account, r.id, 'vulnerability', v.id, v.id, p.ecosystem, p.name, version,
      null, location, layer, v.severity, v.score, fix ? 1 : 0, fix ? '99.0.0' : null, v.kev ? 1 : 0, status,
      status === 'SUPPRESSED' ? 'rule-bench' : null, r.scans[a], status === 'CLOSED' ? r.scans[b] : r.scans[9], r.scans[b], status === 'CLOSED' ? r.scans[b] : null,
      // the title is the summary; one fixed finding in ten folds a match without a fix (PARTIAL)
      details, hex(64), `${p.name}: ${v.severity.toLowerCase()} issue in request parsing`, fix ? (j % 10 === 0 ? 'PARTIAL' : 'YES') : 'NO',
    ];
  }
}

function resourceRow(r: Res) {
  return {
    id: r.id, account_id: r.account, type: r.type, name: r.name, ref: `${r.name}:latest`, digest: r.digest, tags: '["latest"]',
    coverage_status: r.inactive ? 'INACTIVE' : 'ACTIVE', coverage_reason: r.inactive ? 'UNREACHABLE' : 'SUCCESSFUL', last_scanned_at: r.scans[9], created_at: r.scans[0], updated_at: r.scans[9],
  };
}

// ---------------------------------------------------------------------------------------------
// loading

export async function load(store: Store, resources: Res[], pkgs: Pkg[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < resources.length; i += 500) await store.db.insertInto('resources').values(resources.slice(i, i + 500).map(resourceRow)).execute();
  setSeed(0xf1d); // the same findings on both dialects
  const pickPkg = sampler(pkgs.map((_, i) => 1 / (i + 1) ** 1.05));
  const rows = function* () { for (const r of resources) yield* findingsOf(r, pkgs, pickPkg); };
  if (store.dialect === 'sqlite') {
    const db = store.raw.sqlite!;
    const indexes = db.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'findings' and sql is not null").all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`drop index ${ix.name}`);
    const ins = db.prepare(`insert into findings (${FINDING_COLUMNS.join(',')}) values (${FINDING_COLUMNS.map(() => '?').join(',')})`);
    let batch: FindingTuple[] = [];
    const flush = db.transaction((b: FindingTuple[]) => { for (const t of b) ins.run(t); });
    for (const t of rows()) {
      batch.push(t);
      if (batch.length === 20_000) { flush(batch); batch = []; }
    }
    flush(batch);
    for (const ix of indexes) db.exec(ix.sql);
  } else {
    const pool = store.raw.pool!;
    const ixs = (await pool.query("select indexname, indexdef from pg_indexes where tablename = 'findings' and indexname not in ('findings_pkey', 'findings_finding_key_key')")).rows as { indexname: string; indexdef: string }[];
    for (const ix of ixs) await pool.query(`drop index ${ix.indexname}`);
    const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'int4', 'text', 'int4', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
    const text = `insert into findings (${FINDING_COLUMNS.join(',')}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(',')})`;
    let cols: unknown[][] = FINDING_COLUMNS.map(() => []);
    let n = 0;
    const flush = async () => {
      if (n) await pool.query(text, cols);
      cols = FINDING_COLUMNS.map(() => []);
      n = 0;
    };
    for (const t of rows()) {
      for (let k = 0; k < t.length; k++) cols[k].push(t[k]);
      if (++n === 10_000) await flush();
    }
    await flush();
    for (const ix of ixs) await pool.query(ix.indexdef);
    // a database in service has statistics (autovacuum's analyze); a bulk load has none until then
    await pool.query('analyze');
  }
  return performance.now() - t0;
}

