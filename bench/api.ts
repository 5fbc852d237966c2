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
import { listFindings, type FindingFilter, type PageOptions } from '../src/findings/query.ts';
import * as repo from '../src/server/tenancy/repo.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { fmt, load, makePackages, makeResources, ms, setSeed, type Pkg } from './api-data.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 10;
const PG_ADMIN = process.env.VIGIL_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const args = new Set(process.argv.slice(2));

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
    setSeed(0xa91);
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
