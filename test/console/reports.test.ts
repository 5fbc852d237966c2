/**
 * Scheduled reports in the console (issue 19), in real Chromium against a real server and store,
 * with a local webhook receiver: a weekly digest created through the form (refused without
 * recipients or a webhook, at the recipients field), listed with its schedule in words; "Send now"
 * opens its runs, the engine's digest job (run by the test) POSTs the digest and the run shows the
 * numbers the receiver got; the engine's tick at the scheduled time (clock injected) sends a
 * scheduled run; edited to daily; a read-only key is offered no write action.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Engine } from '../../src/engine/index.ts';
import { openQueue, type JobQueue } from '../../src/engine/queue/index.ts';
import { silentLogger } from '../../src/log.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import { expectRefused, receiver, shooter, text } from './issue19.ts';

const skip = consoleUnavailable();
const log = silentLogger();

describe('console: scheduled reports', { skip, concurrency: false }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let queue: JobQueue;
  let engine: Engine;
  let clock = new Date();
  let shot: ReturnType<typeof shooter>;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let scheduleId = '';

  before(async () => {
    const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
    h = await startConsole({ policy });
    console.log(`console screenshots: ${h.screenshots}`);
    shot = shooter(h, 'reports');
    queue = await openQueue(h.store, { log });
    engine = new Engine({ store: h.store, queue, log, now: () => clock, policy });
    hook = await receiver(() => 200);
    const d = await h.api('/v1/event-destinations', { method: 'POST', body: { name: 'digest hook', url: hook.url, filters: { eventTypes: ['scan.completed'] } } });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    s = await h.open({ key: h.seed.keys.admin });
  });
  after(async () => {
    await s?.close();
    await queue?.stop();
    await hook?.close();
    await h?.close();
  });

  const runs = async () => (await h.api(`/v1/report-schedules/${scheduleId}/runs`)).body.items as { id: string; status: string; trigger: string; summary: Record<string, number> | null }[];

  test('a weekly digest through the form: refused without recipients or webhook (at the recipients), then created', async () => {
    const { page } = s;
    await page.goto('/integrations/reports');
    await settle(page, s.watch);
    await page.getByText('No scheduled report yet.').waitFor();
    await shot(s, 'empty');
    await page.getByRole('button', { name: 'New scheduled report' }).click();
    const form = page.getByRole('form', { name: 'New scheduled report' });
    await form.getByLabel('Name', { exact: true }).fill('Weekly security digest');
    await form.getByLabel('Sent', { exact: true }).selectOption('weekly');
    await form.getByLabel('Friday').check();
    await form.getByLabel('Time of day').fill('08:30');
    await form.getByLabel('Time zone').selectOption('Europe/Paris');
    await form.getByRole('button', { name: 'Create scheduled report' }).click();
    const recipients = form.getByLabel(/^E-mail recipients/);
    await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
    assert.equal(await recipients.getAttribute('aria-invalid'), 'true');
    assert.match(await text(page.locator(`[id="${await recipients.getAttribute('aria-describedby')}"]`)), /recipients, a destinationId, or both/);
    expectRefused(s, /HTTP 400: POST .*\/v1\/report-schedules$/);
    await shot(s, 'refused');
    await form.getByLabel(/^Webhook/).selectOption({ label: `digest hook (${hook.url})` });
    await form.getByRole('button', { name: 'Create scheduled report' }).click();
    await page.getByText(/Scheduled report Weekly security digest is created; next run/).waitFor();
    const [api] = (await h.api('/v1/report-schedules')).body.items as { id: string; schedule: unknown; destinationId: string; recipients: string[] }[];
    scheduleId = api.id;
    assert.deepEqual(api.schedule, { weekly: { days: ['MON', 'FRI'], startTime: { timeOfDay: '08:30', timezone: 'Europe/Paris' } } });
    assert.deepEqual(api.recipients, []);
    const row = page.getByRole('row').filter({ hasText: 'Weekly security digest' });
    assert.match(await text(row), /Weekly on Monday, Friday at 08:30 Europe\/Paris webhook digest hook Enabled/);
    await shot(s, 'list');
  });

  test('Send now: the run\'s page shows what the webhook received; the tick at the scheduled time sends one too', async () => {
    const { page } = s;
    const row = page.getByRole('row').filter({ hasText: 'Weekly security digest' });
    await row.getByRole('button', { name: 'Send now Weekly security digest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(`**/integrations/reports/${scheduleId}?run=*`);
    await settle(page, s.watch);
    const [queued] = await runs();
    assert.deepEqual([queued.status, queued.trigger], ['QUEUED', 'api']);
    // the engine's digest job
    await engine.digestNow(queued.id);
    const body = JSON.parse(hook.got.at(-1)!.body) as { type: string; totals: { newFindings: { total: number }; fixedFindings: { total: number }; open: { total: number } } };
    assert.equal(body.type, 'dev.vigil.report.digest');
    const [sent] = await runs();
    assert.equal(sent.status, 'SENT');
    assert.equal(sent.summary!.open, body.totals.open.total);
    const tr = page.getByRole('table', { name: 'Runs of Weekly security digest' }).getByRole('row').nth(1);
    await tr.getByText('SENT').waitFor();
    assert.match(await text(tr), new RegExp(`\\(just asked for\\) Send now .* SENT 1 ${body.totals.newFindings.total} new · ${body.totals.fixedFindings.total} fixed · ${body.totals.open.total} open \\(`));
    await shot(s, 'sent-now');

    // the schedule's own time: the engine's tick just after it
    const next = (await h.api(`/v1/report-schedules/${scheduleId}`)).body.nextRunAt as string;
    clock = new Date(Date.parse(next) + 60_000);
    await engine.tick();
    const due = (await runs()).find((r) => r.trigger === 'schedule');
    assert.ok(due, 'the tick queued a scheduled run');
    await engine.digestNow(due.id);
    await page.reload();
    await settle(page, s.watch);
    const rows = page.getByRole('table', { name: 'Runs of Weekly security digest' }).getByRole('row');
    assert.equal(await rows.count(), 3);
    assert.match(await text(rows.nth(1)), /schedule .* SENT 1 /);
    await shot(s, 'runs');
  });

  test('edited to daily; a read-only key reads the runs and is offered no write action', async () => {
    const { page } = s;
    await page.goto(`/integrations/reports?edit=${scheduleId}`);
    await settle(page, s.watch);
    const form = page.getByRole('form', { name: 'Edit Weekly security digest' });
    await form.getByLabel('Sent', { exact: true }).selectOption('daily');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Scheduled report Weekly security digest is saved').waitFor();
    assert.deepEqual((await h.api(`/v1/report-schedules/${scheduleId}`)).body.schedule, { daily: { startTime: { timeOfDay: '08:30', timezone: 'Europe/Paris' } } });
    assert.match(await text(page.getByTestId('schedule')), /^Daily at 08:30 Europe\/Paris$/);
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/integrations/reports');
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('button', { name: /^(New scheduled report|Send now|Edit|Delete)/ }).count(), 0);
      await ro.page.goto(`/integrations/reports/${scheduleId}`);
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('button', { name: 'Send now' }).count(), 0);
      await shot(ro, 'read-only');
    } finally {
      await ro.close();
    }
  });
});
