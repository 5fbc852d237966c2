/**
 * CIS benchmark scans in the console (issue 18), in real Chromium against a real server: a root
 * filesystem target over a copy of the real debootstrap bookworm root (.cache/targets), tagged
 * through the Resource page's tag form (the tag is in GET /v1/resources/{id}/tags); a scan
 * configuration created through the form (weekly, 02:00 Europe/Paris, the tag, root filesystems)
 * is the API's object, edited to daily; its scan started by the engine's tick at the scheduled time
 * (clock injected) and a second one by "Run now" after a deviation in the root, each target assessed
 * in the isolated scan process; the scans list, the trend, the scan page's counts, its By check and
 * By target tabs and their evidence all show the API's numbers; the CSV and JSON downloads are the
 * API's reports; a read-only key is offered no write action. Screenshots of every view.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTarget, Engine, ensureTargetResource } from '../../src/engine/index.ts';
import { openQueue, type JobQueue } from '../../src/engine/queue/index.ts';
import { silentLogger } from '../../src/log.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { ROOT } from '../helpers/prereq.ts';
import { consoleUnavailable, describeViolations, seriousViolations, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';

const PRISTINE = join(ROOT, '.cache', 'targets', 'rootfs-bookworm');
const skip = consoleUnavailable() || (!existsSync(join(PRISTINE, 'etc', 'os-release')) && 'no .cache/targets/rootfs-bookworm (see docs/REAL-TARGETS.md)');
const log = silentLogger();

interface Scan { id: string; name: string; status: string; scanDate: string; targets: { total: number; done: number }; checks: { passed: number; failed: number; skipped: number; errors: number; manual: number; total: number } }

describe('console: CIS benchmark scans', { skip }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let tmp: string;
  let root: string;
  let queue: JobQueue;
  let engine: Engine;
  let clock = new Date();
  let resourceId: string;
  let configId: string;
  const scans: Scan[] = [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'vigil-console-cis-'));
    root = join(tmp, 'rootfs');
    execFileSync('cp', ['-a', PRISTINE, root]);
    const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'], allowPaths: [tmp] });
    h = await startConsole({ policy });
    console.log(`console screenshots: ${h.screenshots}`);
    // the engine's side (the workers of `vigil server`): its tick and the target jobs, run by the test, clock injected
    queue = await openQueue(h.store, { log });
    engine = new Engine({ store: h.store, queue, log, now: () => clock, policy });
    const target = await createTarget(h.store, { accountId: h.seed.accounts.admin, kind: 'rootfs', name: 'cis-web-1', config: { path: root } }, clock);
    resourceId = await ensureTargetResource(engine.ctx, target, { ref: root });
    s = await h.open({ key: h.seed.keys.admin, acceptDownloads: true });
  });
  after(async () => {
    await s?.close();
    await queue?.stop();
    await h?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function shot(name: string) {
    const { page, watch } = s;
    await settle(page, watch);
    await page.screenshot({ path: join(h.screenshots, `cis-${name}.png`), fullPage: true });
    // a long page (hundreds of checks) also as its first screen, to be read at full size
    if (await page.evaluate(() => document.documentElement.scrollHeight > 2000)) await page.screenshot({ path: join(h.screenshots, `cis-${name}-top.png`) });
    const vs = await seriousViolations(page);
    assert.equal(vs.length, 0, `${name}: serious accessibility violations:\n  ${describeViolations(vs)}`);
    watch.assertClean(name);
  }
  /** runs every target job of a scan (what the engine's workers do) and returns the scan as the API has it */
  async function runTargets(scanId: string): Promise<Scan> {
    const rows = await h.store.db.selectFrom('cis_scan_targets').select('resource_id').where('scan_id', '=', scanId).execute();
    for (const r of rows) await engine.cisTargetNow(scanId, r.resource_id);
    const scan = (await h.api(`/v1/cis/scans/${scanId}`)).body as Scan;
    assert.equal(scan.status, 'COMPLETED', JSON.stringify(scan));
    return scan;
  }
  /** waits until the locator matches `n` elements (a filter's new rows replace the previous ones after the request), then asserts it */
  async function count(loc: ReturnType<ConsoleSession['page']['locator']>, n: number, what: string) {
    const until = Date.now() + 15_000;
    while ((await loc.count()) !== n && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await loc.count(), n, what);
  }
  const text = async (sel: ReturnType<ConsoleSession['page']['locator']>) => ((await sel.textContent()) ?? '').replace(/\s+/g, ' ').trim();

  test('resource tags: added and removed on the Resource page, as GET /v1/resources/{id}/tags says', async () => {
    const { page } = s;
    await page.goto(`/resources/${resourceId}`);
    await settle(page, s.watch);
    const card = page.getByRole('region', { name: 'Key/value tags' });
    await card.getByText('No key/value tags.').waitFor();
    const form = card.getByRole('form', { name: 'Add a tag' });
    for (const [k, v] of [['env', 'prod'], ['team', 'web platform'], ['scratch', 'x']]) {
      await form.getByLabel('Key').fill(k);
      await form.getByLabel('Value').fill(v);
      await form.getByRole('button', { name: 'Add tag' }).click();
      await card.getByTestId('kv-tag').filter({ hasText: `${k}=${v}` }).waitFor();
    }
    await card.getByRole('button', { name: 'Remove tag scratch' }).click();
    await card.getByTestId('kv-tag').filter({ hasText: 'scratch' }).waitFor({ state: 'detached' });
    const api = (await h.api(`/v1/resources/${resourceId}/tags`)).body;
    assert.deepEqual(api.tags, { env: 'prod', team: 'web platform' });
    assert.deepEqual((await card.getByTestId('kv-tag').allTextContents()).map((t) => t.replace('×', '').trim()), ['env=prod', 'team=web platform']);
    // a key the server refuses: its error, naming the key
    await form.getByLabel('Key').fill('bad;key');
    await form.getByRole('button', { name: 'Add tag' }).click();
    const alert = card.getByRole('alert').filter({ hasText: 'VIGIL_INVALID_INPUT' });
    await alert.waitFor();
    assert.match(await text(alert), /bad;key/);
    const expected = s.watch.problems.filter((p) => /^HTTP 400: PUT .*\/tags$/.test(p));
    assert.equal(expected.length, 1, s.watch.problems.join('\n'));
    s.watch.problems.splice(0, s.watch.problems.length, ...s.watch.problems.filter((p) => !expected.includes(p)));
    await form.getByLabel('Key').fill('');
    await shot('resource-tags');
  });

  test('a configuration created through the form is the API\'s object; edited to daily; listed in words', async () => {
    const { page } = s;
    await page.goto('/cis');
    await settle(page, s.watch);
    await page.getByText('No scan configuration yet.').waitFor();
    const form = page.getByRole('form', { name: 'New scan configuration' });
    await form.getByLabel('Name').fill('prod weekly');
    await form.getByLabel(/Benchmark level/).selectOption('LEVEL_1');
    await form.getByLabel('Runs').selectOption('weekly');
    await form.getByLabel('Time of day').fill('02:00');
    await form.getByLabel('Time zone').selectOption('Europe/Paris');
    await form.getByRole('group', { name: 'On' }).getByLabel('Thursday').check();
    await form.getByLabel(/Resource tags/).fill('env=prod');
    await form.getByRole('group', { name: 'Resource types' }).getByLabel('Hosts (SSH and agent hosts)').uncheck();
    await shot('config-form');
    await form.getByRole('button', { name: 'Create configuration' }).click();
    const table = page.getByRole('table', { name: 'CIS scan configurations' });
    const row = table.locator('tbody tr', { hasText: 'prod weekly' });
    await row.waitFor();
    const items = (await h.api('/v1/cis/scan-configurations')).body.items;
    assert.equal(items.length, 1);
    const c = items[0];
    configId = c.id;
    assert.deepEqual({ name: c.name, securityLevel: c.securityLevel, schedule: c.schedule, targets: c.targets, accountId: c.accountId }, {
      name: 'prod weekly', securityLevel: 'LEVEL_1',
      schedule: { weekly: { days: ['MON', 'THU'], startTime: { timeOfDay: '02:00', timezone: 'Europe/Paris' } } },
      targets: { accountIds: [h.seed.accounts.admin], resourceTags: { env: ['prod'] }, resourceTypes: ['rootfs'] },
      accountId: h.seed.accounts.admin,
    });
    assert.equal(await text(row.getByTestId('schedule')), 'Weekly on Monday, Thursday at 02:00 Europe/Paris');

    // edit: daily, Level 1 still, the same targets
    await row.getByRole('button', { name: 'Edit prod weekly' }).click();
    const edit = page.getByRole('form', { name: 'Edit prod weekly' });
    assert.equal(await edit.getByLabel('Time zone').inputValue(), 'Europe/Paris');
    assert.equal(await edit.getByLabel(/Resource tags/).inputValue(), 'env=prod');
    await edit.getByLabel('Name').fill('prod nightly');
    await edit.getByLabel('Runs').selectOption('daily');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const row2 = table.locator('tbody tr', { hasText: 'prod nightly' });
    await row2.getByText('Daily at 02:00 Europe/Paris').waitFor();
    const c2 = (await h.api(`/v1/cis/scan-configurations/${configId}`)).body;
    assert.equal(c2.name, 'prod nightly');
    assert.deepEqual(c2.schedule, { daily: { startTime: { timeOfDay: '02:00', timezone: 'Europe/Paris' } } });
    assert.deepEqual(c2.targets, c.targets);
    assert.ok(c2.nextRunAt, 'a daily configuration has a next run');
    assert.equal(await text(row2.getByTestId('next-run')), `${c2.nextRunAt.slice(0, 16).replace('T', ' ')} UTC`, 'next run as the API says');
    await shot('configurations');
  });

  test('"Run now", then a deviation and the scheduled scan (the engine\'s tick at 02:00 Paris): the scans list and trend show the API\'s numbers', async () => {
    const { page } = s;
    const table = page.getByRole('table', { name: 'CIS scans' });
    // "Run now" from the configurations page: the scan page of the new scan, in progress
    await page.goto('/cis');
    await settle(page, s.watch);
    await page.getByRole('button', { name: 'Run now prod nightly' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/cis\/scans\/[^/]+$/);
    const firstId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await settle(page, s.watch);
    await page.getByTestId('stat-targets').waitFor().catch(async (e) => {
      throw new Error(`the scan page of ${firstId} shows: ${await text(page.locator('main'))}; problems: ${s.watch.problems.join('; ')}`, { cause: e });
    });
    assert.match(await text(page.locator('.page-header')), /IN PROGRESS/);
    assert.equal(await text(page.getByTestId('stat-targets')), '0 / 1', 'the tagged root filesystem only');
    await shot('scan-in-progress');
    scans.push(await runTargets(firstId));

    // a deviation: /etc/passwd writable by everyone; then the engine's tick at the configured time starts the scheduled scan
    chmodSync(join(root, 'etc', 'passwd'), 0o666);
    const cfg = (await h.api(`/v1/cis/scan-configurations/${configId}`)).body;
    clock = new Date(Date.parse(cfg.nextRunAt) + 20_000);
    await engine.tick();
    const started = (await h.api(`/v1/cis/scans?configurationId=${configId}&status=IN_PROGRESS`)).body.items as Scan[];
    assert.equal(started.length, 1);
    assert.equal(started[0].scanDate, cfg.nextRunAt);
    assert.deepEqual(started[0].targets, { total: 1, done: 0 });
    await page.goto('/cis/scans');
    await settle(page, s.watch);
    assert.match(await text(table.locator('tbody tr').first()), /IN PROGRESS.*0 \/ 1/);
    await shot('scans-in-progress');
    scans.push(await runTargets(started[0].id));
    assert.ok(scans[1].checks.failed > scans[0].checks.failed, `the deviation fails a check: ${JSON.stringify(scans.map((x) => x.checks))}`);

    await page.goto(`/cis/scans?configurationId=${configId}`);
    await settle(page, s.watch);
    const rows = table.locator('tbody tr');
    await count(rows, 2, 'two scans');
    const api = (await h.api(`/v1/cis/scans?configurationId=${configId}`)).body.items as Scan[];
    for (let i = 0; i < api.length; i++) {
      const x = api[i];
      const t = await text(rows.nth(i));
      assert.match(t, /COMPLETED/);
      assert.equal(await text(rows.nth(i).getByTestId('targets')), '1 / 1');
      for (const [n, w] of [[x.checks.passed, 'pass'], [x.checks.failed, 'fail'], [x.checks.manual, 'manual']] as const) {
        if (n) assert.ok(t.includes(`${n} ${w}`), `row ${i} "${t}" shows ${n} ${w}`);
      }
      const rate = Math.round((1000 * x.checks.passed) / (x.checks.passed + x.checks.failed)) / 10;
      assert.equal(await text(rows.nth(i).getByTestId('pass-rate')), `${rate}%`);
    }
    const trend = (await h.api(`/v1/cis/trend?configurationId=${configId}`)).body.items;
    assert.equal(trend.length, 2);
    const trendCard = page.getByRole('region', { name: 'Trend: prod nightly' });
    assert.ok(await trendCard.locator('.chart svg path').count() > 0, 'the chart is drawn');
    await trendCard.getByText('History as a table (2 scans)').click();
    const points = page.getByTestId('trend-point');
    await count(points, 2, 'two trend points');
    for (const [i, p] of [...trend].reverse().entries()) {
      const cells = (await points.nth(i).locator('td').allTextContents()).slice(3);
      assert.deepEqual(cells, [p.passed, p.failed, p.skipped, p.errors, p.manual].map(String).concat(`${p.passRate}%`));
    }
    await shot('scans');
  });

  test('the scan page: counts, By check (a check\'s targets with evidence), By target (a target\'s results with evidence), as the API says', async () => {
    const { page } = s;
    const scan = scans[1];
    await page.goto(`/cis/scans/${scan.id}`);
    await settle(page, s.watch);
    assert.equal(await text(page.getByTestId('stat-targets')), '1 / 1');
    assert.equal(await text(page.getByTestId('stat-PASS')), String(scan.checks.passed));
    assert.equal(await text(page.getByTestId('stat-FAIL')), String(scan.checks.failed));
    assert.equal(await text(page.getByTestId('stat-NOT_APPLICABLE')), String(scan.checks.skipped));
    assert.equal(await text(page.getByTestId('stat-MANUAL')), String(scan.checks.manual));
    assert.equal(await page.getByRole('button', { name: 'Cancel scan' }).count(), 0, 'no Cancel once finished');

    // By check: every check, the failing ones under the filter
    const checks = (await h.api(`/v1/cis/scans/${scan.id}/checks`)).body.items;
    const byCheck = page.getByRole('table', { name: 'Results by check' });
    await count(byCheck.locator('tbody tr'), checks.length, 'every check');
    await shot('scan-by-check');
    await page.getByLabel('Checks with a target in status').selectOption('FAIL');
    await settle(page, s.watch);
    const failing = (await h.api(`/v1/cis/scans/${scan.id}/checks?status=FAIL`)).body.items as { checkId: string; title: string }[];
    await count(byCheck.locator('tbody tr'), failing.length, 'the checks with a FAIL');
    // the check the deviation failed: /etc/passwd's permissions
    const passwd = (await h.api(`/v1/cis/scans/${scan.id}/results?status=FAIL`)).body.items.find((r: { evidence: { path?: string }[] }) => r.evidence.some((e) => e.path === '/etc/passwd'));
    assert.ok(passwd, 'a FAIL result names /etc/passwd');
    const before = (await h.api(`/v1/cis/scans/${scans[0].id}/results?checkId=${encodeURIComponent(passwd.checkId)}`)).body.items[0];
    assert.equal(before.status, 'PASS', 'it passed before the deviation');
    await byCheck.getByRole('button', { name: passwd.checkId, exact: true }).click();
    const panel = page.getByRole('region', { name: new RegExp(`^${passwd.checkId.replace(/\./g, '\\.')} .*: targets$`) });
    await panel.getByTestId('cis-result').first().waitFor();
    const rowText = await text(panel.getByTestId('cis-result').first());
    assert.match(rowText, /cis-web-1/);
    assert.match(rowText, /FAIL/);
    const ev = passwd.evidence.find((e: { path?: string }) => e.path === '/etc/passwd');
    assert.ok(rowText.includes(ev.message), `${rowText} shows ${ev.message}`);
    if (ev.found) assert.ok(rowText.includes(`found ${ev.found}`), rowText);
    if (ev.expected) assert.ok(rowText.includes(`expected ${ev.expected}`), rowText);
    await shot('scan-check-detail');

    // By target: the root filesystem, its counts; its results with evidence (file:line)
    await page.getByRole('tab', { name: 'By target' }).click();
    await settle(page, s.watch);
    const byTarget = page.getByRole('table', { name: 'Results by target' });
    const trow = byTarget.locator('tbody tr');
    await count(trow, 1, 'one target');
    const tt = await text(trow.first());
    const target = (await h.api(`/v1/cis/scans/${scan.id}/targets`)).body.items[0];
    assert.match(tt, /cis-web-1.*rootfs.*debian-12.*COMPLETED/);
    assert.ok(tt.includes(`${target.counts.passed} pass`) && tt.includes(`${target.counts.failed} fail`), tt);
    await trow.first().getByRole('button', { name: 'cis-web-1' }).click();
    const results = page.getByRole('region', { name: 'cis-web-1: check results' });
    await results.getByTestId('cis-result').first().waitFor();
    const all = (await h.api(`/v1/cis/scans/${scan.id}/results?resourceId=${resourceId}&limit=2000`)).body;
    const shown = Math.min(all.items.length, 200);
    await count(results.getByTestId('cis-result'), shown, 'the target\'s results');
    await results.getByLabel('Result status').selectOption('FAIL');
    const fails = (await h.api(`/v1/cis/scans/${scan.id}/results?resourceId=${resourceId}&status=FAIL&limit=2000`)).body.items;
    await count(results.getByTestId('cis-result'), Math.min(fails.length, 200), 'the target\'s FAIL results');
    const withLine = fails.find((r: { evidence: { line?: number }[] }) => r.evidence.some((e) => e.line !== undefined));
    if (withLine) {
      const e = withLine.evidence.find((x: { line?: number }) => x.line !== undefined);
      const r = results.getByTestId('cis-result').filter({ hasText: withLine.checkId }).first();
      assert.ok((await text(r)).includes(`${e.path}:${e.line}`), 'file:line');
    }
    await shot('scan-target-detail');
  });

  test('downloads: the CSV and JSON reports are the API\'s', async () => {
    const { page } = s;
    const scan = scans[1];
    await page.goto(`/cis/scans/${scan.id}`);
    await settle(page, s.watch);
    for (const format of ['csv', 'json'] as const) {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download ${format.toUpperCase()}` }).click()]);
      assert.equal(dl.suggestedFilename(), `vigil-cis-${scan.id}.${format}`);
      const got = readFileSync((await dl.path())!, 'utf8');
      const want = (await h.api(`/v1/cis/scans/${scan.id}/report?format=${format}`));
      assert.equal(want.status, 200);
      if (format === 'csv') {
        assert.equal(got, want.body);
        assert.equal(got.trim().split('\n').length - 1, (await h.api(`/v1/cis/scans/${scan.id}/results?limit=2000`)).body.items.reduce((n: number, r: { evidence: unknown[] }) => n + Math.max(1, r.evidence.length), 0));
      } else {
        assert.deepEqual(JSON.parse(got), want.body);
        assert.equal(JSON.parse(got).scan.checks.failed, scan.checks.failed);
      }
    }
    s.watch.assertClean('downloads');
  });

  test('an IN_PROGRESS scan is cancelled from its page', async () => {
    const { page } = s;
    const run = await h.api(`/v1/cis/scan-configurations/${configId}/run`, { method: 'POST' });
    assert.equal(run.status, 202);
    await page.goto(`/cis/scans/${run.body.id}`);
    await settle(page, s.watch);
    await page.getByRole('button', { name: 'Cancel scan' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel scan' }).click();
    await page.locator('.page-header').getByText('CANCELLED').waitFor();
    const after = (await h.api(`/v1/cis/scans/${run.body.id}`)).body;
    assert.equal(after.status, 'CANCELLED');
    await page.getByRole('tab', { name: 'By target' }).click();
    await page.getByRole('table', { name: 'Results by target' }).getByText('CANCELLED').waitFor();
    await shot('scan-cancelled');
  });

  test('a read-only key sees the pages and no write action', async () => {
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/cis');
      await settle(ro.page, ro.watch);
      await ro.page.getByRole('table', { name: 'CIS scan configurations' }).locator('tbody tr', { hasText: 'prod nightly' }).waitFor();
      assert.equal(await ro.page.getByRole('form').count(), 0);
      assert.equal(await ro.page.getByRole('button', { name: /Run now|Edit|Delete/ }).count(), 0);
      await ro.page.goto(`/resources/${resourceId}`);
      await settle(ro.page, ro.watch);
      await ro.page.getByTestId('kv-tag').first().waitFor();
      assert.equal(await ro.page.getByRole('form', { name: 'Add a tag' }).count(), 0);
      assert.equal(await ro.page.getByRole('button', { name: /Remove tag/ }).count(), 0);
      ro.watch.assertClean('read-only');
    } finally {
      await ro.close();
    }
  });
});
