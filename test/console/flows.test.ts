/**
 * What a user does in the console, in real Chromium against a real server over seeded data, each
 * result checked against the API (or the store): sign in (a wrong key is refused with an error),
 * the dashboard's numbers, filtering the findings (chips, URL, reload), grouping them, a finding's
 * detail, suppressing it, adding a registry through its typed form, downloading an SBOM, signing
 * out, and what a read-only key is offered. Controls are found by role and label, which checks that
 * they have them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';

const skip = consoleUnavailable();

describe('console: flows', { skip }, () => {
  let h: ConsoleHarness;
  /** signed in as the organization's admin (delegated admin account) for the flows that share it */
  let s: ConsoleSession;
  before(async () => {
    h = await startConsole();
    s = await h.open({ key: h.seed.keys.admin, acceptDownloads: true });
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  test('sign in: a wrong key is refused with an error; the right one opens the dashboard', async () => {
    const t = await h.open();
    try {
      const { page, watch } = t;
      await page.goto('/findings');
      await page.waitForURL('**/login');
      await page.getByLabel('API key').fill('vgl_wrongwrongwr_0000000000000000000000000000000000000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /VIGIL_UNAUTHORIZED|invalid|unknown/i);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.deepEqual((await t.context.cookies()).filter((c) => c.name === 'vigil_session'), []);
      await page.getByLabel('API key').fill(h.seed.keys.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname !== '/login');
      const cookie = (await t.context.cookies()).find((c) => c.name === 'vigil_session');
      assert.ok(cookie, 'a session cookie is set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      watch.signedOut = false;
      await settle(page, watch);
      if (new URL(page.url()).pathname !== '/') await page.goto('/');
      await settle(page, watch);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');
      watch.assertClean('sign in');
    } finally {
      await t.close();
    }
  });

  test('dashboard: the numbers are the API\'s', async () => {
    const { page, watch } = s;
    await page.goto('/');
    await settle(page, watch);
    const dash = (await h.api('/v1/dashboard')).body;
    const agg = (await h.api('/v1/aggregations/findings?by=severity')).body;
    const bySev = Object.fromEntries((agg.items as { key: string; count: number }[]).map((i) => [i.key, i.count]));
    const total = Object.values(dash.severity as Record<string, number>).reduce((a, b) => a + b, 0);
    // the API agrees with itself and with the store
    assert.equal(dash.severity.CRITICAL, bySev.CRITICAL ?? 0);
    assert.equal(dash.severity.HIGH, bySev.HIGH ?? 0);
    const active = await h.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'ACTIVE').executeTakeFirstOrThrow();
    assert.equal(total, Number(active.n));
    assert.ok(dash.newLast24h.total > 0, 'the seed has findings from the last 24 hours');
    const value = async (id: string) => page.getByTestId(id).getAttribute('data-value');
    assert.equal(await value('dash-critical'), String(dash.severity.CRITICAL));
    assert.equal(await value('dash-high'), String(dash.severity.HIGH));
    assert.equal(await value('dash-total-active'), String(total));
    assert.equal(await value('dash-new-24h'), String(dash.newLast24h.total));
    assert.equal(Number(await value('dash-coverage-percent')), Math.round((1000 * dash.coverage.scanned) / dash.coverage.total) / 10);
    // what people read is the same number
    assert.equal((await page.getByTestId('dash-critical').textContent())?.replace(/\D/g, ''), String(dash.severity.CRITICAL));
    watch.assertClean('dashboard');
  });

  test('findings: a severity chip filters every row, lives in the URL and survives a reload', async () => {
    const { page, watch } = s;
    await page.goto('/findings');
    await settle(page, watch);
    await page.getByLabel('Filter field').selectOption({ label: 'Severity' });
    await page.getByLabel('Filter value').selectOption('HIGH');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForURL((u) => u.searchParams.getAll('severity').includes('HIGH'));
    await settle(page, watch);
    const expected = (await h.api('/v1/findings?severity=HIGH&limit=100')).body.items as { id: string; severity: string }[];
    assert.ok(expected.length > 0);
    const check = async () => {
      const rows = page.getByRole('table', { name: 'Findings' }).locator('tbody tr');
      // the list keeps the unfiltered rows on screen until the filtered page has arrived (and under
      // load the page can settle before that request starts): wait for the last non-HIGH row to go
      await rows.locator('.sev').filter({ hasNotText: 'HIGH' }).first().waitFor({ state: 'detached' });
      assert.equal(await rows.count(), expected.length, 'one row per HIGH finding the API lists');
      for (const sev of await rows.locator('.sev').allTextContents()) assert.equal(sev.trim(), 'HIGH');
      assert.ok(await page.getByRole('button', { name: 'Remove filter Severity HIGH' }).isVisible(), 'the chip is shown');
    };
    await check();
    await page.reload();
    await settle(page, watch);
    assert.deepEqual(new URL(page.url()).searchParams.getAll('severity'), ['HIGH']);
    await check();
    watch.assertClean('findings filter');
  });

  test('findings: grouped by vulnerability, a group opens its findings', async () => {
    const { page, watch } = s;
    await page.goto('/findings');
    await settle(page, watch);
    await page.getByLabel('Group by').selectOption({ label: 'Vulnerability' });
    await page.waitForURL((u) => u.searchParams.get('group') === 'vulnerability');
    await settle(page, watch);
    const agg = (await h.api('/v1/aggregations/findings?by=vulnerability')).body.items as { key: string; count: number }[];
    const rows = page.locator('table tbody tr');
    assert.equal(await rows.count(), agg.length, 'one row per vulnerability');
    const top = agg[0];
    const row = rows.filter({ hasText: top.key }).first();
    assert.ok((await row.textContent())?.includes(String(top.count)));
    await row.getByRole('button').first().click();
    await page.waitForURL((u) => u.searchParams.getAll('vulnerabilityId').includes(top.key) && !u.searchParams.has('group'));
    await settle(page, watch);
    // the list keeps the previous rows on screen while the filtered page loads (and a client-side
    // navigation has no load state to wait for): wait for the count rather than read it once
    await page.waitForFunction((n) => document.querySelectorAll('table tbody tr').length === n, top.count).catch(() => undefined);
    assert.equal(await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').count(), top.count);
    watch.assertClean('group by vulnerability');
  });

  test('finding detail, then suppress it: its status becomes SUPPRESSED, and the API agrees', async () => {
    const { page, watch } = s;
    const id = h.seed.findingId;
    const before = (await h.api(`/v1/findings/${id}`)).body;
    assert.equal(before.status, 'ACTIVE');
    await page.goto(`/findings?vulnerabilityId=${encodeURIComponent(h.seed.vulnerabilityId)}`);
    await settle(page, watch);
    // open it from the list, as a user does
    await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/findings/'));
    // a client-side navigation: the list stays on screen until the finding page's chunk has arrived,
    // and settling on it would read the list's text (or the finding's "Loading…") as the detail
    await page.getByRole('heading', { level: 1, name: h.seed.vulnerabilityId }).waitFor();
    await settle(page, watch);
    const shownId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    assert.equal(shownId, id, 'the seed has one finding of this vulnerability');
    const main = page.getByRole('main');
    // each part of the detail comes from its own request (finding, inventory for the layer, the
    // vulnerability record): wait for each text rather than read the page once
    for (const text of [h.seed.vulnerabilityId, 'log4j-core', '2.14.1', '2.15.0', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'COPY target/app.jar']) {
      await main.getByText(text, { exact: false }).first().waitFor({ timeout: 20_000 }).catch(() => undefined);
      assert.ok((await main.textContent())?.includes(text), `the detail shows ${text}`);
    }
    await page.getByRole('button', { name: /^Suppress/ }).first().click();
    const dialog = page.getByRole('dialog');
    if (await dialog.count()) {
      const reason = dialog.getByLabel(/reason/i);
      if (await reason.count()) await reason.fill('accepted risk: not reachable (console test)');
      await dialog.getByRole('button', { name: /^Suppress/ }).click();
    }
    await main.getByText('SUPPRESSED').first().waitFor();
    const after = (await h.api(`/v1/findings/${id}`)).body;
    assert.equal(after.status, 'SUPPRESSED');
    watch.assertClean('suppress');
  });

  test('targets: a registry added through its typed form is listed', async () => {
    const { page, watch } = s;
    // loopback is allowed by the harness's policy; nothing listens there and polling is off (no network)
    const url = 'http://127.0.0.1:45999';
    await page.goto('/targets');
    await settle(page, watch);
    await page.getByRole('button', { name: 'Add registry' }).click();
    const form = page.getByRole('form', { name: 'Add a registry' });
    // the typed form: fields built from RegistryConfig in /openapi.json
    await form.getByLabel(/^url\b/i).fill(url);
    const poll = form.getByLabel(/poll/i);
    if (await poll.count()) await poll.first().fill('0');
    await form.getByRole('button', { name: 'Register registry' }).click();
    await page.getByRole('region', { name: 'registry registered' }).waitFor();
    const created = ((await h.api('/v1/registries')).body.items as { name: string; config: { url: string } }[]).find((t) => t.config.url === url);
    assert.ok(created, 'the API lists the new registry');
    await page.getByRole('table', { name: /registries/i }).getByRole('link', { name: created.name }).waitFor();
    watch.assertClean('add registry');
  });

  test('resources: an SBOM downloads as CycloneDX 1.6 and as SPDX 2.3', async () => {
    const { page, watch } = s;
    await page.goto(`/resources/${encodeURIComponent(h.seed.imageId)}`);
    await settle(page, watch);
    for (const [format, check] of [
      ['CycloneDX', (d: any) => { assert.equal(d.bomFormat, 'CycloneDX'); assert.equal(d.specVersion, '1.6'); assert.ok(d.components.some((c: { name: string }) => c.name === 'lodash')); }],
      ['SPDX', (d: any) => { assert.equal(d.spdxVersion, 'SPDX-2.3'); assert.ok(d.packages.some((p: { name: string }) => p.name === 'lodash')); }],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: new RegExp(format, 'i') }).or(page.getByRole('button', { name: new RegExp(format, 'i') })).first().click()]);
      const path = await download.path();
      check(JSON.parse(readFileSync(path, 'utf8')));
    }
    watch.assertClean('SBOM download');
  });

  test('a read-only key is offered no write action', async () => {
    const t = await h.open({ key: h.seed.keys.readOnly });
    try {
      const { page, watch } = t;
      // what changes something: a button, or a link to a form that does
      const writes = /^(suppress|unsuppress|add|create|delete|remove|revoke|scan now|poll now|edit|rename|save|new|register|enable|disable)\b/i;
      for (const path of ['/', '/findings', `/findings/${h.seed.findingId}`, '/resources', `/resources/${h.seed.imageId}`, '/suppression-rules', '/targets', '/organization', '/network']) {
        await page.goto(path);
        await settle(page, watch);
        const offered = (await page.getByRole('main').getByRole('button').or(page.getByRole('main').getByRole('link')).allTextContents()).map((x) => x.trim()).filter((x) => writes.test(x) && x !== 'Add filter');
        assert.deepEqual(offered, [], `${path}: a read-only key is offered ${offered.join(', ')}`);
      }
      watch.assertClean('read-only');
    } finally {
      await t.close();
    }
  });

  test('sign out: the cookie is gone and pages lead to the sign-in form', async () => {
    const t = await h.open({ key: h.seed.keys.analyst });
    try {
      const { page, context, watch } = t;
      await settle(page, watch);
      assert.ok((await context.cookies()).some((c) => c.name === 'vigil_session'));
      await page.getByRole('button', { name: 'Sign out' }).click();
      watch.signedOut = true;
      await page.waitForURL('**/login');
      assert.deepEqual((await context.cookies()).filter((c) => c.name === 'vigil_session'), []);
      for (const path of ['/', '/findings', '/organization']) {
        await page.goto(path);
        await page.waitForURL('**/login');
        await page.getByLabel('API key').waitFor();
      }
      watch.assertClean('sign out');
    } finally {
      await t.close();
    }
  });
});
