/**
 * bench/api — the findings API under load over 1,000,000 findings (issue 5: p99 of a filtered
 * findings page < 100 ms).
 *
 * 1. A fresh SQLite store in a temp dir (and with --pg, a PostgreSQL database created for the run
 *    and dropped after): one organization, its delegated-admin account and one member account.
 * 2. Bulk-inserts BENCH_FINDINGS findings (default 1,000,000) over BENCH_RESOURCES resources
 *    (default 2,000; 70% images, 20% hosts, 5% functions, 5% repositories; half per account) straight
 *    into the tables (secondary indexes dropped during the load and rebuilt after). Distribution:
 *    findings per resource log-normal (median ~350); packages drawn Zipf-like from 4,000 (openssl,
 *    glibc, zlib … first), each with 1–40 vulnerabilities; severity per vulnerability (6% critical,
 *    28% high, 44% medium, 17% low, 5% unknown); status 72% ACTIVE, 6% SUPPRESSED, 22% CLOSED; fix
 *    62%, known exploited 1.5%; timestamps from each resource's ten scans over 180 days.
 * 3. Starts the real server (buildServer + listen on 127.0.0.1:0) and loads GET /v1/findings with
 *    autocannon (10 connections, BENCH_DURATION s per scenario, default 10; the load runs in a worker
 *    thread, the server in the main one), plus the baselines: GET /healthz, and the main query
 *    called directly through the store (no HTTP, one call at a time).
 *
 * Prints req/s and p50 / p97.5 / p99 / max latency per scenario; no thresholds.
 * Run: node --import tsx bench/api.ts [--pg] [--explain]   (BENCH_ONLY=<regex>: only the scenarios it matches)
 *   --pg       also run on PostgreSQL (VIGIL_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres)
 *   --pg-only  only PostgreSQL
 *   --explain  print the SQLite query plans of the scenarios' queries
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { silentLogger } from '../src/log.ts';
import { buildServer } from '../src/server/app.ts';
import { listFindings, type FindingFilter, type PageOptions } from '../src/server/findings/query.ts';
import * as repo from '../src/server/tenancy/repo.ts';
import { openStore, type Store } from '../src/store/index.ts';

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 2_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 10;
const PG_ADMIN = process.env.VIGIL_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const args = new Set(process.argv.slice(2));
const NOW = Date.parse('2025-06-01T00:00:00.000Z');

let seed = 0xa91;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

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

interface Vuln { id: string; severity: string; score: number | null; kev: boolean }
interface Pkg { ecosystem: string; name: string; vulns: Vuln[] }
interface Res { id: string; account: string; type: string; name: string; digest: string; scans: string[]; n: number; inactive: boolean }

function makePackages(): Pkg[] {
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

function makeResources(accounts: [string, string]): Res[] {
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
  'suppressed_by', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'details', 'details_hash',
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
    yield [
      `fnd-${hex(32)}`, `${r.id}/${j}`, r.account, r.id, 'vulnerability', v.id, v.id, p.ecosystem, p.name, version,
      null, location, r.type === 'image' ? `sha256:${hex(16)}` : null, v.severity, v.score, fix ? 1 : 0, fix ? '99.0.0' : null, v.kev ? 1 : 0, status,
      status === 'SUPPRESSED' ? 'rule-bench' : null, r.scans[a], status === 'CLOSED' ? r.scans[b] : r.scans[9], r.scans[b], status === 'CLOSED' ? r.scans[b] : null,
      details, hex(64),
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

async function load(store: Store, resources: Res[], pkgs: Pkg[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < resources.length; i += 500) await store.db.insertInto('resources').values(resources.slice(i, i + 500).map(resourceRow)).execute();
  seed = 0xf1d; // the same findings on both dialects
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
    const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'int4', 'text', 'int4', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
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

// ---------------------------------------------------------------------------------------------
// measuring

interface Line { name: string; rps: number; p50: number; p975: number; p99: number; max: number; bad: number }

async function cannon(name: string, url: string, key: string | null): Promise<Line> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, workers: 1, headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { name, rps: r.requests.average, p50: r.latency.p50, p975: r.latency.p97_5, p99: r.latency.p99, max: r.latency.max, bad: r.non2xx + r.errors + r.timeouts };
}

/** The query the main scenario's handler runs (the page and its resources), called in a loop through the store (no HTTP). */
async function direct(name: string, store: Store, filter: FindingFilter, page: PageOptions): Promise<Line> {
  const times: number[] = [];
  const end = performance.now() + DURATION * 1000;
  while (performance.now() < end) {
    const t = performance.now();
    await listFindings(store, filter, page);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { name, rps: times.length / DURATION, p50: pct(0.5), p975: pct(0.975), p99: pct(0.99), max: times[times.length - 1], bad: 0 };
}

function print(lines: Line[]) {
  const w = Math.max(...lines.map((l) => l.name.length));
  console.log(`  ${'scenario'.padEnd(w)}  ${'req/s'.padStart(8)}  ${'p50'.padStart(9)}  ${'p97.5'.padStart(9)}  ${'p99'.padStart(9)}  ${'max'.padStart(9)}  non-2xx`);
  for (const l of lines) console.log(`  ${l.name.padEnd(w)}  ${fmt(l.rps).padStart(8)}  ${ms(l.p50).padStart(9)}  ${ms(l.p975).padStart(9)}  ${ms(l.p99).padStart(9)}  ${ms(l.max).padStart(9)}  ${l.bad}`);
}

async function run(dialect: string, url: string, pkgs: Pkg[]) {
  console.log(`\n== ${dialect} ==`);
  const store = await openStore(url);
  try {
    const org = await repo.createOrganization(store.db, { name: 'bench org', scanSettings: { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true } });
    const admin = org.delegatedAdmin.id;
    const member = (await repo.createAccount(store.db, org.organization.id, 'member')).id;
    const adminKey = (await repo.createApiKey(store.db, admin, 'bench', 'read-only')).key;
    const memberKey = (await repo.createApiKey(store.db, member, 'bench', 'read-only')).key;
    seed = 0xa91;
    const resources = makeResources([admin, member]);
    const loadMs = await load(store, resources, pkgs);
    const count = await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    console.log(`loaded ${fmt(Number(count.n))} findings on ${fmt(resources.length)} resources (2 accounts) in ${(loadMs / 1000).toFixed(1)} s`);

    // scenario parameters: the biggest resource, the vulnerability and package with the most findings
    const bigRes = [...resources].sort((a, b) => b.n - a.n)[0];
    const topVuln = await store.db.selectFrom('findings').select((eb) => ['vulnerability_id', eb.fn.countAll<number>().as('n')]).groupBy('vulnerability_id').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
    const topPkg = 'openssl';
    console.log(`resourceId: ${bigRes.n} findings; vulnerabilityId ${topVuln.vulnerability_id}: ${fmt(Number(topVuln.n))} findings`);

    const app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      // before any request: SQLite statements are prepared once per text, and explain() sees the prepares
      if (args.has('--explain') && store.dialect === 'sqlite') await explain(store, [admin, member]);
      const main = '/v1/findings?status=ACTIVE&severity=CRITICAL';
      const first = await (await fetch(`${base}${main}`, { headers: { authorization: `Bearer ${adminKey}` } })).json() as { items: unknown[]; nextCursor: string };
      let deep = first.nextCursor;
      let deepPage = 2;
      for (; deepPage < 100; deepPage++) {
        const next = ((await (await fetch(`${base}${main}&cursor=${deep}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { nextCursor: string | null }).nextCursor;
        if (!next) break;
        deep = next;
      }
      const scenarios: [string, string, string | null][] = [
        ['GET /healthz (baseline)', '/healthz', null],
        ['ACTIVE+CRITICAL, org (admin)', main, adminKey],
        ['ACTIVE+CRITICAL, member', main, memberKey],
        ['ACTIVE+CRITICAL, page 2 (cursor)', `${main}&cursor=${first.nextCursor}`, adminKey],
        [`ACTIVE+CRITICAL, page ${deepPage} (cursor)`, `${main}&cursor=${deep}`, adminKey],
        ['default (ACTIVE, by severity)', '/v1/findings', adminKey],
        ['ACTIVE, sort=updated', '/v1/findings?sort=updated', adminKey],
        ['all statuses, sort=firstObserved', '/v1/findings?status=ACTIVE,SUPPRESSED,CLOSED&sort=firstObserved', adminKey],
        [`resourceId (${bigRes.n} findings)`, `/v1/findings?resourceId=${bigRes.id}`, adminKey],
        [`vulnerabilityId (${topVuln.n})`, `/v1/findings?vulnerabilityId=${topVuln.vulnerability_id}`, adminKey],
        [`packageName=${topPkg}`, `/v1/findings?packageName=${topPkg}`, adminKey],
        ['HIGH+fixAvailable+image', '/v1/findings?severity=HIGH&fixAvailable=true&resourceType=image', adminKey],
        ['exploitAvailable=true (1.5%)', '/v1/findings?exploitAvailable=true', adminKey],
        ['limit=500', '/v1/findings?limit=500', adminKey],
      ];
      const lines: Line[] = [];
      lines.push(await direct('ACTIVE+CRITICAL, org, store direct (1 at a time)', store, { accountIds: [admin, member], statuses: ['ACTIVE'], severities: ['CRITICAL'] }, { sort: 'severity', limit: 50 }));
      const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
      for (const [name, path, key] of scenarios.filter(([n]) => !only || only.test(n))) {
        lines.push(await cannon(name, `${base}${path}`, key));
        process.stdout.write('.');
      }
      console.log('');
      print(lines);
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

/** SQLite's plans for the statements of the main scenarios. */
async function explain(store: Store, accountIds: string[]) {
  const db = store.raw.sqlite!;
  const orig = db.prepare.bind(db);
  const seen: string[] = [];
  (db as { prepare: unknown }).prepare = (s: string) => { if (/from "findings"/.test(s) && !seen.includes(s)) seen.push(s); return orig(s); };
  try {
    await listFindings(store, { accountIds, statuses: ['ACTIVE'], severities: ['CRITICAL'] }, { sort: 'severity', limit: 50 });
    await listFindings(store, { accountIds, statuses: ['ACTIVE'], resourceIds: ['x'] }, { sort: 'severity', limit: 50 });
    await listFindings(store, { accountIds, statuses: ['ACTIVE'], packageName: 'openssl' }, { sort: 'updated', limit: 50 });
    await listFindings(store, { accountIds, statuses: ['ACTIVE'], exploitAvailable: true }, { sort: 'severity', limit: 50 });
    await listFindings(store, { accountIds, statuses: ['ACTIVE'], severities: ['HIGH'], fixAvailable: true, resourceTypes: ['image'] }, { sort: 'severity', limit: 50 });
  } finally {
    (db as { prepare: unknown }).prepare = orig;
  }
  for (const s of seen) {
    const params = (s.match(/\?/g) ?? []).map(() => 'x');
    console.log(`\n${s.slice(0, 300)}${s.length > 300 ? '…' : ''}`);
    for (const r of db.prepare(`explain query plan ${s}`).all(...params) as { detail: string }[]) console.log(`   ${r.detail}`);
  }
}

const pkgs = makePackages();
if (!args.has('--pg-only')) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-api-'));
  try {
    await run('SQLite', `sqlite:${join(dir, 'vigil.db')}`, pkgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (args.has('--pg') || args.has('--pg-only')) {
  const name = `vigil_bench_api_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  try {
    await run('PostgreSQL', u.toString(), pkgs);
  } finally {
    const a = new pg.Client({ connectionString: PG_ADMIN });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  }
}
