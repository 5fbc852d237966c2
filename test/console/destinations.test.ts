/**
 * Event destinations in the console (issue 19), in real Chromium against a real server and store,
 * with local HTTP receivers: a webhook created through the form (the server's refusal of a short
 * secret shown at the secret field; the secret shown once), a scan's events delivered by the
 * engine's delivery worker (clock injected) to a receiver that fails once — every body verifies with
 * the secret the page showed, and the destination's page shows the API's delivery log (attempts,
 * response code); a Jira destination's form (a bad project key refused at that field); editing the
 * filters; a receiver that is down until the last attempt: the dead letter on the page, Redeliver,
 * delivered; a read-only key is offered no write action. Screenshots of every view.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Engine, MAX_ATTEMPTS } from '../../src/engine/index.ts';
import { openQueue, type JobQueue } from '../../src/engine/queue/index.ts';
import { recordScan } from '../../src/findings/index.ts';
import { verifySignature } from '../../src/integrations/events/index.ts';
import { silentLogger } from '../../src/log.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { scanResultOf } from '../helpers/findings.ts';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import { expectRefused, receiver, shooter, text } from './issue19.ts';

const skip = consoleUnavailable();
const log = silentLogger();

describe('console: event destinations', { skip, concurrency: false }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let queue: JobQueue;
  let engine: Engine;
  let clock = new Date();
  let seq = 0;
  let shot: ReturnType<typeof shooter>;

  before(async () => {
    const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
    h = await startConsole({ policy });
    console.log(`console screenshots: ${h.screenshots}`);
    shot = shooter(h, 'destinations');
    // the engine's delivery worker (what `vigil server` runs), clock injected to pass each backoff
    queue = await openQueue(h.store, { log });
    engine = new Engine({ store: h.store, queue, log, now: () => clock, policy });
    s = await h.open({ key: h.seed.keys.admin });
  });
  after(async () => {
    await s?.close();
    await queue?.stop();
    await h?.close();
  });

  /** a scan of a new image of the admin's account: findings CRITICAL, HIGH and LOW, and their events */
  const scan = async () => {
    const n = ++seq;
    const result = scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], [
      { pkg: 0, id: `GHSA-cons-${n}-0001`, vulnerability: `CVE-2026-${n}101`, severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' },
      { pkg: 0, id: `GHSA-cons-${n}-0002`, severity: 'HIGH', score: 7.5 },
      { pkg: 0, id: `GHSA-cons-${n}-0003`, severity: 'LOW', score: 2.0 },
    ]);
    await recordScan(h.store, { accountId: h.seed.accounts.admin, resource: { type: 'image', name: `reg/console-dest-${n}`, digest: `sha256:cd${n}` }, result, now: clock });
  };
  const drain = async (runs: number) => {
    for (let i = 0; i < runs; i++) {
      await engine.deliverNow();
      clock = new Date(clock.getTime() + 3_600_000);
    }
  };
  const destinations = async () => (await h.api('/v1/event-destinations')).body.items as { id: string; name: string; filters: Record<string, unknown> }[];

  test('a webhook through the form: a refused secret at its field, the secret shown once; deliveries verify with it and the log is the API\'s', async () => {
    const r = await receiver((n) => (n === 0 ? 503 : 200));
    try {
      const { page } = s;
      await page.goto('/integrations/destinations');
      await settle(page, s.watch);
      await page.getByText('No event destination yet').waitFor();
      await shot(s, 'empty');
      await page.getByRole('button', { name: 'New destination' }).click();
      const form = page.getByRole('form', { name: 'New event destination' });
      await form.getByLabel('Name', { exact: true }).fill('SIEM webhook');
      await form.getByLabel('Webhook URL').fill(r.url);
      await form.getByLabel('CRITICAL', { exact: true }).check();
      await form.getByLabel('HIGH', { exact: true }).check();
      await form.getByLabel('Signing secret').fill('too-short');
      await form.getByRole('button', { name: 'Create destination' }).click();
      // the server's refusal, under the secret field (aria-describedby points at it)
      const secretInput = form.getByLabel('Signing secret');
      await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
      assert.equal(await secretInput.getAttribute('aria-invalid'), 'true');
      const errId = await secretInput.getAttribute('aria-describedby');
      assert.ok(errId);
      assert.match(await text(page.locator(`[id="${errId}"]`)), /secret/i);
      expectRefused(s, /HTTP 400: POST .*\/v1\/event-destinations$/);
      await shot(s, 'form-refused');
      await secretInput.fill('');
      await form.getByRole('button', { name: 'Create destination' }).click();
      const once = page.getByRole('region', { name: 'Destination SIEM webhook is created' });
      await once.waitFor();
      const secret = await once.getByRole('textbox', { name: 'Signing secret' }).inputValue();
      assert.ok(secret.length >= 32, secret);
      await shot(s, 'created-secret-once');
      await once.getByRole('button', { name: 'I have stored it' }).click();
      const [d] = await destinations();
      assert.equal(d.name, 'SIEM webhook');
      assert.deepEqual(d.filters, { severities: ['CRITICAL', 'HIGH'] });
      assert.equal((await h.api(`/v1/event-destinations/${d.id}`)).body.secret, undefined, 'the API never shows it again');

      await scan();
      await drain(3);
      assert.equal(r.got[0].status, 503);
      const ok = r.got.filter((g) => g.status === 200);
      assert.ok(ok.length >= 2, `delivered: ${r.got.length}`);
      for (const g of ok) {
        const header = String(g.headers['vigil-signature']);
        const t = Number(/t=(\d+)/.exec(header)![1]);
        assert.ok(verifySignature(secret, g.body, header, new Date(t * 1000)), 'the body verifies with the secret the page showed');
        const ce = JSON.parse(g.body);
        if (ce.type === 'dev.vigil.finding.created') assert.ok(['CRITICAL', 'HIGH'].includes(ce.data.finding.severity), 'the severity filter holds');
      }
      await page.reload();
      await settle(page, s.watch);
      const row = page.getByRole('row').filter({ hasText: 'SIEM webhook' });
      assert.match(await text(row), /Webhook.*severity CRITICAL or HIGH.*Enabled.*DELIVERED/);
      await shot(s, 'list');

      await row.getByRole('link', { name: 'SIEM webhook' }).click();
      await page.waitForURL(`**/integrations/destinations/${d.id}`);
      // a client-side route change: wait for the new page's heading before settling, else the list page
      // (its heading, nothing loading) passes for settled
      await page.getByRole('heading', { level: 1, name: 'SIEM webhook' }).waitFor();
      await settle(page, s.watch);
      const log1 = (await h.api(`/v1/event-destinations/${d.id}/deliveries`)).body.items as { eventId: number; attempts: number; responseStatus: number; status: string }[];
      const rows = page.getByRole('table', { name: 'Deliveries to SIEM webhook' }).getByRole('row');
      await rows.nth(log1.length).waitFor();
      assert.equal(await rows.count(), log1.length + 1, 'one row per delivery (and the header)');
      for (const x of log1) {
        const tr = rows.filter({ hasText: `#${x.eventId} ` });
        assert.match(await text(tr), new RegExp(`${x.status}.*${x.attempts}.*HTTP ${x.responseStatus}`));
      }
      assert.ok(log1.some((x) => x.attempts === 2), 'the event that met the 503 took two attempts');
      await shot(s, 'log');
    } finally {
      await r.close();
    }
  });

  test('a Jira destination: a bad project key refused at its field; no signing secret; editing the webhook\'s filters', async () => {
    const { page } = s;
    await page.goto('/integrations/destinations?new=1');
    await settle(page, s.watch);
    const form = page.getByRole('form', { name: 'New event destination' });
    await form.getByLabel('Kind').selectOption('jira');
    await form.getByLabel('Name', { exact: true }).fill('Security Jira');
    await form.getByLabel('Jira base URL').fill('http://127.0.0.1:9/jira');
    await form.getByLabel('Project key').fill('sec');
    await form.getByLabel('User (e-mail of the API token\'s owner)').fill('bot@example.com');
    await form.getByLabel(/^API token/).fill('jira-token-1');
    await form.getByLabel('finding closed').check();
    await form.getByRole('button', { name: 'Create destination' }).click();
    const key = form.getByLabel('Project key');
    await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
    assert.equal(await key.getAttribute('aria-invalid'), 'true');
    assert.match(await text(page.locator(`[id="${await key.getAttribute('aria-describedby')}"]`)), /project key/i);
    expectRefused(s, /HTTP 400: POST .*\/v1\/event-destinations$/);
    await shot(s, 'jira-refused');
    await key.fill('SEC');
    await form.getByRole('button', { name: 'Create destination' }).click();
    const once = page.getByRole('region', { name: 'Destination Security Jira is created' });
    await once.getByText('there is no signing secret').waitFor();
    await once.getByRole('button', { name: 'I have stored it' }).click();
    const jira = (await destinations()).find((d) => d.name === 'Security Jira') as unknown as { jira: Record<string, string>; kind: string };
    assert.deepEqual([jira.kind, jira.jira], ['jira', { projectKey: 'SEC', issueType: 'Bug', email: 'bot@example.com', closeTransition: 'Done' }]);

    // edit the webhook: HIGH no more
    const row = page.getByRole('row').filter({ hasText: 'SIEM webhook' });
    await row.getByRole('button', { name: 'Edit SIEM webhook' }).click();
    const edit = page.getByRole('form', { name: 'Edit SIEM webhook' });
    assert.equal(await edit.getByLabel('Kind').isDisabled(), true, 'the kind is fixed once created');
    await edit.getByLabel('HIGH', { exact: true }).uncheck();
    await shot(s, 'edit');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Destination SIEM webhook is saved.').waitFor();
    const d = (await destinations()).find((x) => x.name === 'SIEM webhook')!;
    assert.deepEqual(d.filters, { severities: ['CRITICAL'] });
    // the list refetches after the save: its row shows the new filter once that answer is in
    const saved = page.getByRole('row').filter({ hasText: 'SIEM webhook' });
    await saved.filter({ hasText: /severity CRITICAL Enabled/ }).waitFor().catch(() => undefined);
    assert.match(await text(saved), /severity CRITICAL Enabled/);
    await shot(s, 'list-two');
  });

  test('a receiver down until the last attempt: the dead letter on the destination\'s page, Redeliver, delivered', async () => {
    let up = false;
    const r = await receiver(() => (up ? 200 : 500));
    try {
      const created = await h.api('/v1/event-destinations', { method: 'POST', body: { name: 'flaky receiver', url: r.url, filters: { eventTypes: ['scan.completed'] } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      await scan();
      await drain(MAX_ATTEMPTS + 1);
      const dead = (await h.api(`/v1/event-destinations/${id}/deliveries?status=DEAD`)).body.items as { id: string; eventId: number; attempts: number }[];
      assert.equal(dead.length, 1);
      const { page } = s;
      await page.goto(`/integrations/destinations/${id}`);
      await settle(page, s.watch);
      assert.match(await text(page.getByRole('status').filter({ hasText: 'dead letter' })), /1 dead letter/);
      await page.getByRole('button', { name: 'Dead letters' }).click();
      await page.waitForURL(/status=DEAD/);
      await settle(page, s.watch);
      const tr = page.getByRole('row').filter({ hasText: `#${dead[0].eventId} ` });
      assert.match(await text(tr), new RegExp(`DEAD \\(dead letter\\) ${MAX_ATTEMPTS} HTTP 500 HTTP 500`));
      await shot(s, 'dead-letter');
      up = true;
      await tr.getByRole('button', { name: `Redeliver event ${dead[0].eventId}` }).click();
      await page.getByText(`Event ${dead[0].eventId} (scan.completed) is queued for delivery again.`).waitFor();
      const again = (await h.api(`/v1/event-destinations/${id}/deliveries`)).body.items as { id: string; status: string }[];
      assert.equal(again.find((x) => x.id === dead[0].id)?.status, 'PENDING');
      clock = new Date(Date.now() + 60_000);
      await drain(1);
      assert.equal(r.got.at(-1)!.status, 200);
      assert.equal(JSON.parse(r.got.at(-1)!.body).type, 'dev.vigil.scan.completed');
      await page.getByRole('button', { name: 'All' }).click();
      await settle(page, s.watch);
      assert.match(await text(page.getByRole('row').filter({ hasText: `#${dead[0].eventId} ` })), /DELIVERED 1 HTTP 200/);
      assert.equal(await page.getByRole('status').filter({ hasText: /dead letter/ }).count(), 0, 'no dead letter left');
      await shot(s, 'redelivered');
    } finally {
      await r.close();
    }
  });

  test('a read-only key reads destinations and their logs, and is offered no write action', async () => {
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/integrations/destinations');
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('button', { name: 'New destination' }).count(), 0);
      assert.equal(await ro.page.getByRole('button', { name: /^(Edit|Delete)/ }).count(), 0);
      const id = (await destinations()).find((d) => d.name === 'flaky receiver')!.id;
      await ro.page.goto(`/integrations/destinations/${id}`);
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('button', { name: /Redeliver/ }).count(), 0);
      await shot(ro, 'read-only');
    } finally {
      await ro.close();
    }
  });
});
