/**
 * Exports in the console (issue 19), in real Chromium against a real server and store: "Export
 * report…" on the findings explorer opens a findings report of its filter; a directory outside the
 * allowed paths is refused (the server's answer shown), one inside is written by the report job
 * (run as the engine's worker runs it) and its location shown; a JSON report kept for download is
 * downloaded from the page and holds the findings GET /v1/findings lists for the same filter; an
 * SBOM export started through the API is listed with its download. A read-only key is offered no
 * report button.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runFindingsReport, runSbomExport } from '../../src/engine/index.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import { expectRefused, shooter, text } from './issue19.ts';

const skip = consoleUnavailable();

describe('console: exports', { skip, concurrency: false }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let policy: TargetPolicy;
  let dir: string;
  let shot: ReturnType<typeof shooter>;

  before(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-console-exports-')));
    policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'], allowPaths: [dir] });
    h = await startConsole({ policy });
    console.log(`console screenshots: ${h.screenshots}`);
    shot = shooter(h, 'exports');
    s = await h.open({ key: h.seed.keys.admin, acceptDownloads: true });
  });
  after(async () => {
    await s?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** runs the queued findings reports as the engine's worker does */
  const runReports = async () => {
    for (const r of (await h.api('/v1/findings-reports')).body.items as { id: string; status: string }[]) {
      if (r.status === 'QUEUED') await runFindingsReport(h.store, r.id, new Date(), policy);
    }
  };

  test('from the findings explorer\'s filter: a refused directory, then a CSV written to an allowed one', async () => {
    const { page } = s;
    await page.goto('/integrations/exports');
    await settle(page, s.watch);
    await page.getByText('No findings report in the last 7 days').waitFor();
    await shot(s, 'empty');
    await page.goto('/findings?severity=CRITICAL');
    await settle(page, s.watch);
    await page.getByRole('link', { name: 'Export report…' }).click();
    await page.waitForURL(/\/integrations\/exports\?new=1&severity=CRITICAL/);
    await settle(page, s.watch);
    const form = page.getByRole('form', { name: 'New findings report' });
    assert.match(await text(page.locator('.filter-words')), /selected by Severity = CRITICAL/);
    await form.getByLabel('A directory on the server').check();
    await form.getByLabel(/^Directory/).fill('/etc');
    await form.getByRole('button', { name: 'Create report' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: /allow/ });
    await refusal.waitFor();
    expectRefused(s, /HTTP 403: POST .*\/v1\/findings-reports$/);
    await shot(s, 'directory-refused');
    await form.getByLabel(/^Directory/).fill(dir);
    await form.getByRole('button', { name: 'Create report' }).click();
    await page.getByText(/^Report .* is QUEUED/).waitFor();
    await runReports();
    const [r] = (await h.api('/v1/findings-reports')).body.items as { id: string; status: string; location: string; findings: number }[];
    assert.equal(r.status, 'SUCCEEDED');
    assert.ok(r.location.startsWith(dir), r.location);
    const row = page.getByRole('row').filter({ hasText: r.location });
    await row.waitFor();
    assert.match(await text(row), new RegExp(`CSV Severity = CRITICAL ${r.findings} findings directory ${dir}`));
    assert.match(await text(row), /SUCCEEDED/);
    const csv = readFileSync(r.location, 'utf8').trim().split('\n');
    assert.equal(csv.length, r.findings + 1, 'a header and a line per finding');
    await shot(s, 'written');
  });

  test('JSON kept for download: the file holds the findings GET /v1/findings lists for the filter', async () => {
    const { page } = s;
    await page.goto('/integrations/exports?new=1&severity=HIGH&fixAvailable=YES');
    await settle(page, s.watch);
    const form = page.getByRole('form', { name: 'New findings report' });
    await form.getByLabel('Format').selectOption('json');
    await form.getByRole('button', { name: 'Create report' }).click();
    await page.getByText(/^Report .* is QUEUED/).waitFor();
    await runReports();
    const link = page.getByRole('link', { name: /^Download findings report/ });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const got = JSON.parse(readFileSync(await download.path(), 'utf8')) as { id: string }[];
    const api = (await h.api('/v1/findings?severity=HIGH&fixAvailable=YES&limit=500')).body.items as { id: string }[];
    assert.ok(api.length > 0);
    assert.deepEqual(got.map((f) => f.id).sort(), api.map((f) => f.id).sort());
    await settle(page, s.watch);
    await shot(s, 'download');
  });

  test('ASFF for Security Hub: the account and region asked, refused until they are right, then one Findings document', async () => {
    const { page } = s;
    await page.goto('/integrations/exports?new=1&severity=CRITICAL');
    await settle(page, s.watch);
    const form = page.getByRole('form', { name: 'New findings report' });
    await form.getByLabel('Format').selectOption('asff');
    await form.getByLabel(/^AWS account ID/).fill('1234');
    await form.getByLabel(/^AWS region/).fill('eu-west-1');
    await form.getByRole('button', { name: 'Create report' }).click();
    await form.getByText(/12 digits/).waitFor();
    expectRefused(s, /HTTP 400: POST .*\/v1\/findings-reports$/);
    await shot(s, 'asff-refused');
    await form.getByLabel(/^AWS account ID/).fill('111122223333');
    await form.getByRole('button', { name: 'Create report' }).click();
    await page.getByText(/^Report .* is QUEUED/).waitFor();
    await runReports();
    const link = page.getByRole('row').filter({ hasText: 'ASFF' }).getByRole('link', { name: /^Download findings report/ });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const got = JSON.parse(readFileSync(await download.path(), 'utf8')) as { Findings: { AwsAccountId: string; Region: string }[] };
    const api = (await h.api('/v1/findings?severity=CRITICAL&limit=500')).body.items as unknown[];
    assert.equal(got.Findings.length, api.length);
    assert.ok(got.Findings.every((f) => f.AwsAccountId === '111122223333' && f.Region === 'eu-west-1'));
    await settle(page, s.watch);
    await shot(s, 'asff');
  });

  test('an SBOM export is listed with its download; a read-only key has no report button', async () => {
    const created = await h.api('/v1/sbom-exports', { method: 'POST', body: { format: 'cyclonedx', resourceIds: [h.seed.imageId] } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await runSbomExport(h.store, created.body.id, new Date(), policy);
    const { page } = s;
    await page.goto('/integrations/exports');
    await settle(page, s.watch);
    const row = page.getByRole('table', { name: 'SBOM exports' }).getByRole('row').nth(1);
    assert.match(await text(row), /cyclonedx 1 \(1 documents\) kept for download SUCCEEDED Download/);
    assert.equal(await row.getByRole('link', { name: /^Download SBOM export/ }).getAttribute('href'), `/v1/sbom-exports/${created.body.id}/download`);
    await shot(s, 'list');
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/findings');
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('link', { name: 'Export report…' }).count(), 0);
      await ro.page.goto('/integrations/exports');
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('link', { name: /New report/ }).count(), 0);
      await shot(ro, 'read-only');
    } finally {
      await ro.close();
    }
  });
});
