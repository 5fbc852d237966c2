/**
 * bench/dashboard — GET /v1/dashboard and the findings aggregations over 1,000,000 findings
 * (issue 15: the dashboard in well under 1 s on SQLite).
 *
 * The store is bench/api.ts's (bench/api-data.ts: 1M findings on 2,000 resources, two accounts),
 * on SQLite in a temp dir, the real server on 127.0.0.1:0. Each scenario is called one request at
 * a time (a console's dashboard is one call, not a load) for BENCH_COUNT calls (default 30) or
 * BENCH_SECONDS (default 20) s, whichever ends first, and prints p50 / p95 / p99 / max:
 *  - the dashboard computed (the server's cache invalidated before each call by an event, as a
 *    finished scan does), as the delegated admin (both accounts) and as a member;
 *  - the dashboard from the cache (nothing changed since);
 *  - computeDashboard called directly through the store (no HTTP);
 *  - /v1/aggregations/findings by every key, plain and with filters.
 * No thresholds. Run: node --import tsx bench/dashboard.ts
 *   BENCH_DB=<file>: keep the SQLite store in that file and reuse it on the next run (no reload)
 *   BENCH_ONLY=<regex>: only the scenarios it matches
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log.ts';
import { buildServer } from '../src/server/app.ts';
import { computeDashboard } from '../src/server/findings/dashboard.ts';
import * as repo from '../src/server/tenancy/repo.ts';
import { openStore } from '../src/store/index.ts';
import { fmt, load, makePackages, makeResources, ms, NOW, setSeed } from './api-data.ts';

const COUNT = Number(process.env.BENCH_COUNT ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

interface Line { name: string; n: number; p50: number; p95: number; p99: number; max: number }

async function timed(name: string, fn: () => Promise<void>, before?: () => Promise<void>): Promise<Line | null> {
  if (only && !only.test(name)) return null;
  await before?.();
  await fn(); // warm: statements prepared, pages in the OS cache
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (times.length < COUNT && performance.now() < end) {
    await before?.();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  process.stdout.write('.');
  return { name, n: times.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: times[times.length - 1] };
}

function print(lines: Line[]) {
  const w = Math.max(...lines.map((l) => l.name.length));
  console.log(`\n  ${'scenario'.padEnd(w)}  ${'calls'.padStart(5)}  ${'p50'.padStart(9)}  ${'p95'.padStart(9)}  ${'p99'.padStart(9)}  ${'max'.padStart(9)}`);
  for (const l of lines) console.log(`  ${l.name.padEnd(w)}  ${String(l.n).padStart(5)}  ${ms(l.p50).padStart(9)}  ${ms(l.p95).padStart(9)}  ${ms(l.p99).padStart(9)}  ${ms(l.max).padStart(9)}`);
}

const keep = process.env.BENCH_DB;
const dir = keep ? null : mkdtempSync(join(tmpdir(), 'vigil-bench-dashboard-'));
const file = keep ?? join(dir!, 'vigil.db');
const reuse = !!keep && existsSync(keep);
const store = await openStore(`sqlite:${file}`);
try {
  let admin: string;
  let member: string;
  if (!reuse) {
    const org = await repo.createOrganization(store.db, { name: 'bench org', scanSettings: { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true } });
    admin = org.delegatedAdmin.id;
    member = (await repo.createAccount(store.db, org.organization.id, 'member')).id;
    const pkgs = makePackages();
    setSeed(0xa91);
    const resources = makeResources([admin, member]);
    const loadMs = await load(store, resources, pkgs);
    console.log(`loaded in ${(loadMs / 1000).toFixed(1)} s`);
  } else {
    const accounts = await store.db.selectFrom('accounts').select(['id', 'is_delegated_admin']).execute();
    admin = accounts.find((a) => Number(a.is_delegated_admin) === 1)!.id;
    member = accounts.find((a) => Number(a.is_delegated_admin) !== 1)!.id;
  }
  const adminKey = (await repo.createApiKey(store.db, admin, 'bench', 'read-only')).key;
  const memberKey = (await repo.createApiKey(store.db, member, 'bench', 'read-only')).key;
  const count = await store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  console.log(`${fmt(Number(count.n))} findings${reuse ? ` (reused ${keep})` : ''}`);

  const app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false } });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const get = async (path: string, key: string) => {
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    };
    // an event, as a finished scan writes one: the next dashboard is computed anew
    const invalidate = async () => {
      await store.db.insertInto('events').values({ type: 'scan.completed', account_id: member, resource_id: null, payload: '{"bench":true}', created_at: new Date().toISOString() }).execute();
    };
    const lines: (Line | null)[] = [];
    lines.push(await timed('dashboard, computed (org: 2 accounts)', () => get('/v1/dashboard', adminKey), invalidate));
    lines.push(await timed('dashboard, computed (member)', () => get('/v1/dashboard', memberKey), invalidate));
    lines.push(await timed('dashboard, cached (nothing changed)', () => get('/v1/dashboard', adminKey)));
    lines.push(await timed('computeDashboard, store direct (org)', async () => { await computeDashboard(store, [admin, member], new Date(NOW)); }));
    const aggregations: [string, string][] = [
      ['severity', 'by=severity'], ['account', 'by=account'], ['resource', 'by=resource'], ['vulnerability', 'by=vulnerability'], ['package', 'by=package'],
      ['layer', 'by=layer'], ['repository', 'by=repository'], ['function', 'by=function'], ['type', 'by=type'], ['title', 'by=title'],
      ['imageTag', 'by=imageTag'], ['fixAvailable', 'by=fixAvailable'],
      ['vulnerability, severity=CRITICAL', 'by=vulnerability&severity=CRITICAL'],
      ['repository, resourceType=image&fixAvailable=PARTIAL', 'by=repository&resourceType=image&fixAvailable=PARTIAL'],
      ['layer, repository=<one>', 'by=layer&repository=registry.example.com/team-1/svc-0'],
      ['title, firstObservedFrom=<90 days>', `by=title&firstObservedFrom=${new Date(NOW - 90 * 86_400_000).toISOString().slice(0, 10)}`],
    ];
    for (const [name, qs] of aggregations) lines.push(await timed(`aggregation ${name}`, () => get(`/v1/aggregations/findings?${qs}`, adminKey)));
    print(lines.filter((l): l is Line => l !== null));
  } finally {
    await app.close();
  }
} finally {
  await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
