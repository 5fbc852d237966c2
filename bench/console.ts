/**
 * bench/console — the console in Chromium over 1,000,000 findings on SQLite (issue 15: dashboard
 * ready in < 1 s, a findings page in < 300 ms, both at p95), printed beside the API's own latency
 * for the very calls the pages made.
 *
 * 1. The store: bench/api-data.ts's data set (the one bench/api.ts loads: BENCH_FINDINGS,
 *    default 1,000,000, over BENCH_RESOURCES, default 2,000, in two accounts of one organization),
 *    built once and cached in .cache/bench-console/ (keyed by the sizes and the generator's source,
 *    so a changed generator rebuilds it); later runs open the cached file (migrations added since
 *    run on it once; one whose applied migrations the code no longer has is rebuilt). BENCH_FRESH=1
 *    rebuilds it.
 * 2. The real server (buildServer on 127.0.0.1:0) serving the built console (web/dist: run
 *    `node scripts/build.mjs` first), signed in as the organization's admin (delegated admin: the
 *    dashboard and the explorer cover both accounts — the largest view).
 * 3. Debian's Chromium through playwright-core, BENCH_RUNS runs (default 20) of each, after one
 *    warm-up run that is printed on its own (the first dashboard call may fill a server-side cache):
 *    - dashboard ready: a full navigation to / → the five key numbers rendered (the dashboard's
 *      `data-testid`s), as performance.now() in the page, i.e. from the navigation's start (a
 *      MutationObserver installed before the page's scripts notes when they appear);
 *    - findings page (load): a full navigation to /findings?severity=CRITICAL → the first rows;
 *    - findings page (next): "Next →" clicked → the next page's rows (click to rows, in the page).
 *    Beside each: the duration of its API call(s) as the browser saw them (resource timing) and,
 *    for navigations, DOMContentLoaded (navigation timing: the app's scripts loaded and run).
 * 4. The API alone: the GET requests the pages made (recorded during the runs, same URLs), each
 *    replayed BENCH_API_RUNS times (default 200) one at a time with fetch and a Bearer key: p50 /
 *    p95 / p99. GET /v1/dashboard is served from a 30 s server-side cache while nothing changes, so
 *    the dashboard's computation without it (straight over the store) is printed too: what the
 *    first view after a write or an idle half-minute costs.
 *
 * Prints p50 / p95 / max per measure, the targets, and whether each was met; nothing fails on them.
 * Run: node --import tsx bench/console.ts     (2 cores shared: numbers are for comparison, not SLAs)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { silentLogger } from '../src/log.ts';
import { buildServer, type ServerConfig } from '../src/server/app.ts';
import * as repo from '../src/server/tenancy/repo.ts';
import { openStore } from '../src/store/index.ts';
import { CHROMIUM, CONSOLE_DIR, LAUNCH_ARGS } from '../test/console/harness.ts';
import { load, makePackages, makeResources, setSeed } from './api-data.ts';

const ROOT = join(import.meta.dirname, '..');
/** the data set's size, as bench/api-data.ts reads it */
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const API_RUNS = Number(process.env.BENCH_API_RUNS ?? 200);
const TARGETS = { dashboard: 1000, findings: 300 };
const DASH_IDS = ['dash-critical', 'dash-high', 'dash-total-active', 'dash-coverage-percent', 'dash-new-24h'];

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

interface Meta { adminKey: string; findings: number; resources: number; builtIn: number }

/** The cached store (built when missing): its path and its admin key. */
async function cachedStore(fresh: boolean): Promise<{ path: string; meta: Meta }> {
  const gen = createHash('sha256').update(readFileSync(join(ROOT, 'bench', 'api-data.ts'))).digest('hex').slice(0, 12);
  const dir = join(ROOT, '.cache', 'bench-console');
  const path = join(dir, `findings-${FINDINGS}-${RESOURCES}-${gen}.db`);
  const metaPath = `${path}.json`;
  if (!fresh && existsSync(path) && existsSync(metaPath)) return { path, meta: JSON.parse(readFileSync(metaPath, 'utf8')) as Meta };
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  console.log(`building the store (${fmt(FINDINGS)} findings, ${fmt(RESOURCES)} resources) into ${path} …`);
  const store = await openStore(`sqlite:${tmp}`);
  let meta: Meta;
  try {
    const org = await repo.createOrganization(store.db, { name: 'bench org', scanSettings: { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true } });
    const member = (await repo.createAccount(store.db, org.organization.id, 'member')).id;
    setSeed(0xa91);
    const resources = makeResources([org.delegatedAdmin.id, member]);
    const loadMs = await load(store, resources, makePackages());
    meta = { adminKey: org.adminKey.key, findings: FINDINGS, resources: RESOURCES, builtIn: Math.round(loadMs) };
  } finally {
    await store.close();
  }
  // only a finished store is cached (an interrupted build leaves .building, removed next time)
  for (const ext of ['', '-wal', '-shm']) rmSync(`${path}${ext}`, { force: true });
  for (const ext of ['', '-wal', '-shm']) if (existsSync(`${tmp}${ext}`)) renameSync(`${tmp}${ext}`, `${path}${ext}`);
  writeFileSync(metaPath, JSON.stringify(meta));
  console.log(`built in ${(meta.builtIn / 1000).toFixed(0)} s`);
  return { path, meta };
}

/** Notes performance.now() when every selector is in the document (installed before the page's scripts). */
function readyMarker(selectors: string[]) {
  return `(() => {
    const want = ${JSON.stringify(selectors)};
    const check = () => {
      if (window.__benchReady === undefined && want.every((s) => document.querySelector(s))) window.__benchReady = performance.now();
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  })();`;
}

/** The duration of the page's resource-timing entries whose path starts with `prefix` (summed). */
async function apiTime(page: Page, prefix: string): Promise<number> {
  return page.evaluate((p) => performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith(p)).reduce((n, e) => n + e.duration, 0), prefix);
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`needs ${CHROMIUM} (apt-get install -y chromium)`);
  if (!existsSync(join(CONSOLE_DIR, 'index.html'))) throw new Error('needs the built console in web/dist: node scripts/build.mjs');
  let { path, meta } = await cachedStore(process.env.BENCH_FRESH === '1');
  let t0 = performance.now();
  const store = await openStore(`sqlite:${path}`).catch(async (e: Error) => {
    // a cached store migrated by code whose migrations were since renamed or dropped (another
    // branch): kysely refuses it, and a rebuilt one is the only store that matches the code
    if (!/corrupted migrations/.test(e.message)) throw e;
    console.log(`the cached store's migrations no longer match the code (${e.message}): rebuilding it`);
    ({ path, meta } = await cachedStore(true));
    t0 = performance.now();
    return openStore(`sqlite:${path}`);
  });
  console.log(`store: ${path} (${fmt(meta.findings)} findings, ${fmt(meta.resources)} resources; opened and migrated in ${ms(performance.now() - t0)})`);
  const app = await buildServer({ store, log: silentLogger(), config: { defaultMetrics: false, consoleDir: CONSOLE_DIR } as ServerConfig });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  try {
    const index = await fetch(`${base}/`);
    if (index.status !== 200 || !(await index.text()).includes('/assets/')) throw new Error(`the server does not serve the console at / (HTTP ${index.status}): consoleDir support is needed`);
    const apiCalls = new Set<string>();
    /** A signed-in page whose every navigation notes when `selectors` are all rendered (window.__benchReady). */
    const signedInPage = async (selectors: string[]) => {
      const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (r.method() === 'GET' && u.pathname.startsWith('/v1/') && u.pathname !== '/v1/session') apiCalls.add(u.pathname + u.search);
      });
      await page.goto('/login');
      await page.getByLabel('API key').fill(meta.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname !== '/login');
      await page.addInitScript(readyMarker(selectors));
      return page;
    };
    /** A full navigation to `path`: performance.now() when the markers were rendered, and the API's time. */
    const navigate = async (page: Page, path: string, apiPrefix: string) => {
      await page.goto(path, { waitUntil: 'commit' });
      await page.waitForFunction(() => (window as unknown as { __benchReady?: number }).__benchReady !== undefined);
      const dcl = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? 0);
      return { ready: await page.evaluate(() => (window as unknown as { __benchReady: number }).__benchReady), api: await apiTime(page, apiPrefix), dcl };
    };
    const measure = async (name: string, target: number, f: () => Promise<{ ready: number; api: number; dcl?: number }>) => {
      const warm = await f();
      const ready: number[] = [];
      const api: number[] = [];
      const dcl: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await f();
        ready.push(r.ready);
        api.push(r.api);
        if (r.dcl !== undefined) dcl.push(r.dcl);
      }
      return { name, target, warm, ready, api, dcl };
    };

    const results = [];
    const dash = await signedInPage(DASH_IDS.map((id) => `[data-testid="${id}"]`));
    results.push(await measure('dashboard ready (navigation → numbers)', TARGETS.dashboard, () => navigate(dash, '/', '/v1/dashboard')));
    await dash.context().close();

    const rows = 'table tbody tr';
    const list = await signedInPage([rows]);
    const LIST = '/findings?severity=CRITICAL';
    results.push(await measure('findings page: load (navigation → rows)', TARGETS.findings, () => navigate(list, LIST, '/v1/findings')));
    // each run: the list's first page freshly loaded, then timed in the page from the click on "Next →"
    results.push(await measure('findings page: next (click → rows)', TARGETS.findings, async () => {
      await navigate(list, LIST, '/v1/findings');
      const before = await list.evaluate(() => performance.getEntriesByType('resource').length);
      // a string, not a function: tsx would wrap named inner functions in a helper the page lacks
      const took = await list.evaluate<number>(`new Promise((resolve, reject) => {
        const sel = ${JSON.stringify(rows)};
        const first = () => document.querySelector(sel)?.textContent ?? '';
        const was = first();
        const btn = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Next'));
        if (!btn || btn.disabled) { reject(new Error('no enabled "Next →" button on the findings page')); return; }
        const t = performance.now();
        const obs = new MutationObserver(() => {
          if (first() && first() !== was) { obs.disconnect(); resolve(performance.now() - t); }
        });
        obs.observe(document.body, { subtree: true, childList: true, characterData: true });
        btn.click();
      })`);
      const api = await list.evaluate((n) => performance.getEntriesByType('resource').slice(n).filter((e) => new URL(e.name).pathname === '/v1/findings').reduce((s, e) => s + e.duration, 0), before);
      return { ready: took, api };
    }));
    await list.context().close();

    console.log(`\n${RUNS} runs each after one warm-up (Chromium ${browser.version()}, ${fmt(meta.findings)} findings, SQLite)`);
    const w = Math.max(...results.map((r) => r.name.length));
    console.log(`  ${'measure'.padEnd(w)}  ${'warm-up'.padStart(8)}  ${'p50'.padStart(8)}  ${'p95'.padStart(8)}  ${'max'.padStart(8)}  ${'API in browser p50/p95'.padStart(22)}  ${'DOMContentLoaded p50'.padStart(20)}  target p95`);
    for (const r of results) {
      const p95 = pct(r.ready, 0.95);
      console.log(`  ${r.name.padEnd(w)}  ${ms(r.warm.ready).padStart(8)}  ${ms(pct(r.ready, 0.5)).padStart(8)}  ${ms(p95).padStart(8)}  ${ms(Math.max(...r.ready)).padStart(8)}  ${`${ms(pct(r.api, 0.5))} / ${ms(pct(r.api, 0.95))}`.padStart(22)}  ${(r.dcl.length ? ms(pct(r.dcl, 0.5)) : '—').padStart(20)}  < ${r.target} ms: ${p95 < r.target ? 'met' : 'NOT met'}`);
    }

    // the API alone: the same GETs, one at a time
    console.log(`\nthe API alone: the pages' GET requests, ${API_RUNS} times each, one at a time (fetch, Bearer key)`);
    const calls = [...apiCalls];
    const cw = Math.max(...calls.map((c) => c.length), 10);
    console.log(`  ${'request'.padEnd(cw)}  ${'p50'.padStart(8)}  ${'p95'.padStart(8)}  ${'p99'.padStart(8)}`);
    for (const c of calls) {
      const times: number[] = [];
      for (let i = 0; i < API_RUNS; i++) {
        const t = performance.now();
        const res = await fetch(`${base}${c}`, { headers: { authorization: `Bearer ${meta.adminKey}` } });
        await res.arrayBuffer();
        times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`GET ${c}: HTTP ${res.status}`);
      }
      console.log(`  ${c.padEnd(cw)}  ${ms(pct(times, 0.5)).padStart(8)}  ${ms(pct(times, 0.95)).padStart(8)}  ${ms(pct(times, 0.99)).padStart(8)}`);
    }

    // what the dashboard costs when its 30 s server-side cache is cold (after a write, or idle):
    // computed straight over the store, one at a time. Imported by a computed path: the module comes
    // with the findings API's branch (issue 15) and the bench says n/a where it is absent
    const dashboardModule = '../src/server/findings/dashboard.ts';
    const mod = (await import(dashboardModule).catch(() => ({}))) as { computeDashboard?: (s: typeof store, ids: string[], now: Date) => Promise<unknown> };
    if (mod.computeDashboard) {
      const ids = (await store.db.selectFrom('accounts').select('id').execute()).map((a) => a.id);
      const times: number[] = [];
      for (let i = 0; i < Math.max(5, Math.round(API_RUNS / 10)); i++) {
        const t = performance.now();
        await mod.computeDashboard(store, ids, new Date());
        times.push(performance.now() - t);
      }
      console.log(`  ${'dashboard computed, no cache (store direct, both accounts)'.padEnd(cw)}  ${ms(pct(times, 0.5)).padStart(8)}  ${ms(pct(times, 0.95)).padStart(8)}  ${ms(pct(times, 0.99)).padStart(8)}`);
    } else console.log('  dashboard computed without the cache: n/a (no src/server/findings/dashboard.ts)');
  } finally {
    await browser.close();
    await app.close();
    await store.close();
  }
}

await main();
