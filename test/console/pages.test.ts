/**
 * Every page of the console (web/src/routes.ts PAGES, so a new page is visited without being listed
 * here) in real Chromium, signed in as the organization's admin over seeded data: the page renders
 * (a page without a component shows "Page not found" and fails), settles without a console error or
 * a failed request, is screenshotted (full page, into VIGIL_SCREENSHOTS or a temp directory, printed)
 * and has no serious or critical axe-core violation of WCAG 2 A/AA. The login page too, signed out.
 * The hand-written AWS topology of src/detectors/network/testdata/aws/mixed is uploaded first (PUT
 * /v1/network/topologies/mixed), so the Network page, the findings list and a network
 * reachability finding's detail are seen with data too; a CIS scan configuration is created and run
 * (POST /v1/cis/scan-configurations, …/run) for the CIS pages' sample scan; an event destination and
 * a scheduled report (issue 19) for their pages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LOGIN_PATH, PAGES, type PageId } from '../../web/src/routes.ts';
import { ROOT } from '../helpers/prereq.ts';
import { consoleUnavailable, describeViolations, seriousViolations, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import type { Seeded } from './seed.ts';

/**
 * The path of a page with its parameters filled from the seeded data.
 * @throws Error naming a parameter this harness has no sample for (add it here)
 */
function samplePath(id: PageId, path: string, seed: Seeded, cisScanId: string, issue19: { destinationId: string; scheduleId: string }): string {
  const values: Partial<Record<PageId, Record<string, string>>> = {
    finding: { id: seed.findingId },
    resource: { id: seed.imageId },
    vulnerability: { id: seed.vulnerabilityId },
    target: { kind: seed.target.kind, id: seed.target.id },
    'cis-scan': { id: cisScanId },
    destination: { id: issue19.destinationId },
    'report-schedule': { id: issue19.scheduleId },
  };
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const v = values[id]?.[name];
    if (v === undefined) throw new Error(`page "${id}" (${path}): no sample value for :${name}; add one to samplePath in test/console/pages.test.ts`);
    return encodeURIComponent(v);
  });
}

const skip = consoleUnavailable();

describe('console: every page', { skip }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let cisScanId = '';
  const issue19 = { destinationId: '', scheduleId: '' };
  before(async () => {
    h = await startConsole();
    console.log(`console screenshots: ${h.screenshots}`);
    s = await h.open();
    // a network topology, analysed by the server, for the Network page and a network finding
    const dir = join(ROOT, 'src', 'detectors', 'network', 'testdata', 'aws', 'mixed');
    const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8'))]));
    const put = await h.api('/v1/network/topologies/mixed', { method: 'PUT', body: { files } });
    assert.equal(put.status, 200, `PUT /v1/network/topologies/mixed: ${JSON.stringify(put.body)}`);
    assert.equal(put.body.status, 'ANALYZED', JSON.stringify(put.body.error));
    // a CIS scan configuration and a scan of it started on demand (its target jobs wait for workers this server has not)
    const cfg = await h.api('/v1/cis/scan-configurations', { method: 'POST', body: { name: 'hosts nightly', securityLevel: 'LEVEL_1', schedule: { daily: { startTime: { timeOfDay: '02:00', timezone: 'Europe/Paris' } } }, targets: { accountIds: [h.seed.accounts.admin] } } });
    assert.equal(cfg.status, 201, JSON.stringify(cfg.body));
    const run = await h.api(`/v1/cis/scan-configurations/${cfg.body.id}/run`, { method: 'POST' });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    cisScanId = run.body.id;
    // issue 19: an event destination (its delivery log) and a scheduled report (its runs)
    const dest = await h.api('/v1/event-destinations', { method: 'POST', body: { name: 'siem', url: 'http://127.0.0.1:9/hook', filters: { severities: ['CRITICAL'] } } });
    assert.equal(dest.status, 201, JSON.stringify(dest.body));
    issue19.destinationId = dest.body.id;
    const sched = await h.api('/v1/report-schedules', { method: 'POST', body: { name: 'weekly digest', schedule: { weekly: { days: ['MON'], startTime: { timeOfDay: '08:00', timezone: 'UTC' } } }, recipients: ['secops@example.com'] } });
    assert.equal(sched.status, 201, JSON.stringify(sched.body));
    issue19.scheduleId = sched.body.id;
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  async function check(name: string) {
    const { page, watch } = s;
    await settle(page, watch);
    await page.screenshot({ path: join(h.screenshots, `${name}.png`), fullPage: true });
    const vs = await seriousViolations(page);
    assert.equal(vs.length, 0, `${name}: serious accessibility violations (axe-core, WCAG 2 A/AA):\n  ${describeViolations(vs)}`);
    watch.assertClean(name);
  }

  test('login page (signed out)', async () => {
    await s.page.goto(LOGIN_PATH);
    await check('login');
    await s.signIn(h.seed.keys.admin);
    await settle(s.page, s.watch);
    s.watch.assertClean('signing in');
  });

  for (const p of PAGES) {
    test(`${p.id} (${p.path})`, async () => {
      // what an earlier page that failed left behind is that page's, already reported
      s.watch.problems.splice(0);
      const path = samplePath(p.id, p.path, h.seed, cisScanId, issue19);
      await s.page.goto(path);
      await settle(s.page, s.watch);
      const h1 = (await s.page.locator('h1').first().textContent())?.trim();
      assert.notEqual(h1, 'Page not found', `page "${p.id}" is in web/src/routes.ts PAGES but has no component in web/src/App.tsx COMPONENTS (${path} shows "Page not found")`);
      assert.equal(new URL(s.page.url()).pathname, path, `${p.id}: expected to stay at ${path}, now at ${s.page.url()}`);
      await check(p.id);
    });
  }

  test('network: a topology with its notes, and a network reachability finding through a load balancer', async () => {
    s.watch.problems.splice(0);
    await s.page.goto('/network?topology=mixed');
    await check('network-topology');
    const items = (await h.api('/v1/findings?type=network_reachability&limit=500')).body.items as { id: string; resource: { name: string } }[];
    const viaLb = items.find((f) => f.resource.name === 'i-app1');
    assert.ok(viaLb, 'mixed: i-app1 is reachable through its load balancer');
    await s.page.goto(`/findings/${encodeURIComponent(viaLb.id)}`);
    await check('finding-network');
    await s.page.goto('/findings?type=network_reachability');
    await check('findings-network');
    // the dashboard's widespread "vulnerabilities" include NET-TCP-22 (three instances): no vulnerability record, so its link is the findings
    await s.page.goto('/');
    await settle(s.page, s.watch);
    const net = s.page.getByRole('region', { name: 'Most widespread vulnerabilities' }).getByRole('link', { name: 'NET-TCP-22', exact: true });
    assert.equal(await net.count(), 1, 'NET-TCP-22 is among the most widespread');
    assert.match((await net.getAttribute('href')) ?? '', /^\/findings\?.*vulnerabilityId=NET-TCP-22/);
    s.watch.assertClean('dashboard with network findings');
  });
});
