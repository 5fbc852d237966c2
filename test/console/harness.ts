/**
 * The console's browser tests' harness: a real Vigil server (buildServer on 127.0.0.1:0, a temp
 * SQLite store seeded by seed.ts, the built console from web/dist) and Debian's Chromium driven by
 * playwright-core (no browser download). Every page opened through it is watched: a console error,
 * an uncaught exception, a failed request or an HTTP error answer is a problem the test fails on —
 * except 401s while signed out (the console asks GET /v1/session to learn that it is signed out).
 *
 * Prerequisites (test/helpers/prereq.ts): /usr/bin/chromium (`apt-get install chromium`) and web/dist
 * (`node scripts/build.mjs`, which `npm ci` runs); outside CI a missing one skips, in CI it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { silentLogger } from '../../src/log.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { buildServer, type ServerConfig, type VigilServer } from '../../src/server/app.ts';
import { HOW, needsAll, ROOT } from '../helpers/prereq.ts';
import { sqliteTestStore, type TestStore } from '../helpers/stores.ts';
import { seedConsole, type Seeded } from './seed.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CONSOLE_DIR = join(ROOT, 'web', 'dist');
/** Debian's Chromium in a container: no sandbox (no user namespaces), no GPU, nothing phoning home. */
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the console tests cannot run here (skip reason), or false; in CI a missing one throws. */
export function consoleUnavailable(): string | false {
  return needsAll([
    ['chromium', existsSync(CHROMIUM), HOW.apt('chromium')],
    ['web/dist', existsSync(join(CONSOLE_DIR, 'index.html')), HOW.console],
  ]);
}

/** The newest modification time under a directory (web/src), to warn about a stale web/dist. */
function newestUnder(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Watches a page: what went wrong in it, in words a failing test can print. */
export class PageWatch {
  readonly problems: string[] = [];
  /** requests the page has sent and not yet seen end (fetches, lazily loaded page chunks) */
  readonly inFlight = new Set<Request>();
  /** while signed out, 401s are the console learning that it is (GET /v1/session, a wrong key) */
  signedOut = true;
  constructor(readonly page: Page) {
    page.on('request', (r) => { this.inFlight.add(r); });
    page.on('requestfinished', (r) => { this.inFlight.delete(r); });
    page.on('requestfailed', (r) => { this.inFlight.delete(r); });
    page.on('pageerror', (e) => this.problems.push(`uncaught exception: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium logs every HTTP error answer too; those are judged from the response below
      if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) return;
      this.problems.push(`console error: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
    });
    page.on('requestfailed', (r) => {
      const err = r.failure()?.errorText ?? '';
      // a fetch aborted because the page moved on (React Query cancels, downloads end a navigation)
      if (err === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${r.method()} ${r.url()}: ${err}`);
    });
    page.on('response', (r) => {
      if (r.status() < 400) return;
      if (r.status() === 401 && (this.signedOut || new URL(r.url()).pathname === '/v1/session')) return;
      this.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
  }

  /** Fails naming every problem seen so far (and forgets them). */
  assertClean(what: string): void {
    const p = this.problems.splice(0);
    assert.deepEqual(p, [], `${what}: ${p.length} problem(s) in the page:\n  ${p.join('\n  ')}`);
  }
}

export interface ConsoleSession {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  /** Signs in through the login form; resolves once the console has left /login. */
  signIn(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface ConsoleHarness {
  base: string;
  seed: Seeded;
  store: TestStore['store'];
  app: VigilServer;
  browser: Browser;
  screenshots: string;
  /** The API as a script sees it (Bearer key; default the admin key): `{ status, body }`. */
  api<T = any>(path: string, opts?: { key?: string; method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  /** A fresh browser context (no cookies) with one watched page; signed in when `key` is given. */
  open(opts?: { key?: string; acceptDownloads?: boolean }): Promise<ConsoleSession>;
  close(): Promise<void>;
}

/**
 * Starts the seeded server and the browser.
 * @throws Error when the server or Chromium cannot start
 */
export async function startConsole(opts: { policy?: TargetPolicy } = {}): Promise<ConsoleHarness> {
  if (newestUnder(join(ROOT, 'web', 'src')) > statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs) {
    console.warn(`note: web/dist is older than web/src: the tests run the last build (${HOW.console} rebuilds it)`);
  }
  const ts = await sqliteTestStore();
  let app: VigilServer | undefined;
  let browser: Browser | undefined;
  try {
    const seed = await seedConsole(ts.store);
    // consoleDir: the built console served at / (SPA fallback); typed by the session work on ServerConfig
    const config = { defaultMetrics: false, consoleDir: CONSOLE_DIR } as ServerConfig;
    // tenants' targets may use loopback (the registry form adds one on 127.0.0.1; polling is off)
    const policy = opts.policy ?? (await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] }));
    app = await buildServer({ store: ts.store, log: silentLogger(), config, policy });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    // the console at / and its SPA fallback, before any browser waits on a page that is not there
    for (const path of ['/', '/login', '/findings/x']) {
      const res = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
      const html = await res.text();
      if (res.status !== 200 || !/<script[^>]+src="\/assets\//.test(html)) throw new Error(`the server does not serve the console (web/dist) at ${path}: HTTP ${res.status} ${html.slice(0, 200)}`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    const screenshots = process.env.VIGIL_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'vigil-console-screens-'));
    mkdirSync(screenshots, { recursive: true });
    const b = browser;
    const a = app;
    return {
      base, seed, store: ts.store, app, browser, screenshots,
      async api(path, o = {}) {
        const res = await fetch(`${base}${path}`, {
          method: o.method ?? 'GET',
          headers: { authorization: `Bearer ${o.key ?? seed.keys.admin}`, ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: o.body === undefined ? undefined : JSON.stringify(o.body),
        });
        const text = await res.text();
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        return { status: res.status, body: body as any };
      },
      async open(o = {}) {
        const context = await b.newContext({ baseURL: base, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce', acceptDownloads: o.acceptDownloads ?? false });
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        const watch = new PageWatch(page);
        const session: ConsoleSession = {
          context, page, watch,
          async signIn(key) {
            watch.signedOut = true;
            await page.goto('/login');
            await page.getByLabel('API key').fill(key);
            await page.getByRole('button', { name: 'Sign in' }).click();
            await page.waitForURL((u) => u.pathname !== '/login');
            watch.signedOut = false;
          },
          close: () => context.close(),
        };
        if (o.key) await session.signIn(o.key);
        return session;
      },
      async close() {
        await b.close().catch(() => {});
        await a.close();
        await ts.cleanup();
        if (!process.env.VIGIL_SCREENSHOTS && readdirSync(screenshots).length === 0) rmSync(screenshots, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    await app?.close().catch(() => {});
    await ts.cleanup();
    throw e;
  }
}

/**
 * Waits until the page has settled: no request in flight for 500 ms, a heading, nothing marked
 * loading or busy, then two animation frames (charts drawn).
 */
export async function settle(page: Page, watch?: PageWatch): Promise<void> {
  const settled = () => !!document.querySelector('h1') && !document.querySelector('.state.loading, [aria-busy="true"]');
  const frames = () => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  await page.waitForLoadState('networkidle');
  // A client-side route change resolves waitForURL before React has rendered the new page (its chunk
  // is loaded lazily, its queries start after the first render), and networkidle was reached long ago:
  // the old page's heading would pass for settled. So: let React render, then wait until the page shows
  // a heading with nothing loading AND no request of the page is in flight, twice in a row.
  for (let quiet = 0; quiet < 2;) {
    await frames();
    try {
      await page.waitForFunction(settled);
    } catch (e) {
      // say what the page shows instead of a bare timeout
      const state = await page.evaluate(() => ({
        h1: document.querySelector('h1')?.textContent ?? null,
        busy: [...document.querySelectorAll('.state.loading, [aria-busy="true"]')].map((el) => `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).replace(/ /g, '.')}` : ''}: ${(el.textContent ?? '').trim().slice(0, 80)}`),
        text: (document.querySelector('main') ?? document.body).textContent?.replace(/\s+/g, ' ').trim().slice(0, 300) ?? '',
      })).catch(() => null);
      const problems = watch?.problems.length ? `; problems in the page:\n  ${watch.problems.join('\n  ')}` : '';
      throw new Error(`${page.url()} did not settle (a heading, nothing loading): ${JSON.stringify(state)}${problems}`, { cause: e });
    }
    if (watch?.inFlight.size) {
      quiet = 0;
      await page.waitForLoadState('networkidle');
      const deadline = Date.now() + 30_000;
      while (watch.inFlight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (watch.inFlight.size) throw new Error(`${page.url()} did not settle: still in flight after 30 s: ${[...watch.inFlight].map((r) => `${r.method()} ${r.url()}`).join(', ')}`);
    } else {
      quiet++;
    }
  }
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }

/** axe-core's WCAG 2 A/AA violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated through the DevTools protocol, not as an inline <script>: the console's
  // Content-Security-Policy (script-src 'self') stays in force, so the tests also see what it blocks
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The violations in words: rule, impact, what it asks, and each node with axe's summary. */
export function describeViolations(vs: AxeViolation[]): string {
  return vs.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 10).map((n) => `    ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`).join('\n')}${v.nodes.length > 10 ? `\n    … ${v.nodes.length - 10} more` : ''}`).join('\n  ');
}
