/**
 * Scheduled reports (issue 19), on SQLite and PostgreSQL: a daily digest e-mailed through a real
 * SMTP server on 127.0.0.1 (smtp-server, from the nodemailer project; STARTTLS offered with its
 * self-signed certificate, AUTH required) at its scheduled time with the engine's clock injected —
 * a tick before it sends nothing, one after it sends one message; the numbers come from findings
 * recorded through recordScan across the period (created before it, created in it, closed in it);
 * the message has the subject, the recipients, an HTML part and a text/plain alternative. The
 * webhook form arrives at a receiver on 127.0.0.1, signed with the destination's secret. The HTML
 * is screenshotted in Chromium to /tmp/shots-digest when /usr/bin/chromium exists.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { scanResultOf, type VulnSpec } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { Engine, getReportSchedule, sendReportNow } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { verifySignature } from '../integrations/events/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();
const SHOTS = '/tmp/shots-digest';

interface Mail { from: string; to: string[]; user?: string; raw: string; parsed: ParsedMail }
async function smtpServer(): Promise<{ port: number; mails: Mail[]; tls: boolean[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const tls: boolean[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'vigil' && auth.password === 's3cret pass') return cb(null, { user: 'vigil' });
      return cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        tls.push(session.secure);
        simpleParser(raw).then((parsed) => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, raw, parsed });
          cb();
        }, cb);
      });
    },
    logger: false,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, tls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

interface Received { headers: IncomingHttpHeaders; body: string }
async function receiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/digest`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function screenshot(name: string, html: string): Promise<string | undefined> {
  if (!existsSync('/usr/bin/chromium')) return undefined;
  const { chromium } = await import('playwright-core');
  await mkdir(SHOTS, { recursive: true });
  await writeFile(`${SHOTS}/${name}.html`, html);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 720, height: 900 } });
    // the e-mail offline: nothing it could load from the network is allowed to
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html);
    const path = `${SHOTS}/${name}.png`;
    await page.screenshot({ path, fullPage: true });
    return path;
  } finally {
    await browser.close();
  }
}

for (const [dialect, make] of dialects) {
  describe(`scheduled reports (${dialect})`, { concurrency: false }, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let smtp: Awaited<ReturnType<typeof smtpServer>>;
    let admin: string;
    let member: { id: string; key: string };
    let other: { id: string };
    let clock = new Date('2026-11-30T10:00:00.000Z');

    before(async () => {
      ts = await make();
      smtp = await smtpServer();
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'payments');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'admin', 'admin')).key };
      other = await repo.createAccount(ts.store.db, b.organization.id, 'search');
      queue = await openQueue(ts.store, { log });
      engine = new Engine({
        store: ts.store, queue, log, now: () => clock, tickSeconds: 3600, deliverSeconds: 3600,
        policy: await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] }),
        smtp: { url: `smtp://vigil:${encodeURIComponent('s3cret pass')}@127.0.0.1:${smtp.port}`, from: 'vigil@example.com', rejectUnauthorized: false },
      });
      app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine });
      await engine.start();
    });
    after(async () => {
      await app?.close();
      await queue?.stop();
      await smtp?.close();
      await ts?.cleanup();
    });
    const call = (method: string, url: string, key: string, payload?: unknown) =>
      app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    const pkgs = [{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }, { ecosystem: 'npm', name: 'ms', version: '2.0.0' }, { ecosystem: 'npm', name: 'qs', version: '6.0.0' }];
    const scan = (account: string, name: string, vulns: VulnSpec[]) =>
      recordScan(ts.store, { accountId: account, resource: { type: 'image', name, digest: `sha256:${name.length}${vulns.length}` }, result: scanResultOf(pkgs, vulns), now: clock });

    test('a daily digest at 08:00 Paris: nothing before, one mail after, with the period\'s numbers, HTML and text', async () => {
      // before the period: an old finding on another image (open, not new)
      await scan(member.id, 'reg/legacy', [{ pkg: 2, id: 'GHSA-old-0001', severity: 'HIGH', score: 7.1 }]);
      clock = new Date('2026-12-01T09:00:00.000Z');
      const created = await call('POST', '/v1/report-schedules', member.key, {
        name: 'Payments daily', schedule: { daily: { startTime: { timeOfDay: '08:00', timezone: 'Europe/Paris' } } }, recipients: ['secops@example.com', 'lead@example.org'],
      });
      assert.equal(created.statusCode, 201, created.body);
      const s = created.json();
      assert.equal(s.nextRunAt, '2026-12-02T07:00:00.000Z', '08:00 in Paris is 07:00 UTC in winter');
      // in the period: three findings created, then a rescan closes the HIGH one and adds a MEDIUM one
      clock = new Date('2026-12-01T10:00:00.000Z');
      await scan(member.id, 'reg/payments-api', [
        { pkg: 0, id: 'GHSA-crit-0001', vulnerability: 'CVE-2026-1001', severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' },
        { pkg: 0, id: 'GHSA-high-0002', severity: 'HIGH', score: 7.5 },
        { pkg: 1, id: 'GHSA-low-0003', severity: 'LOW', score: 2.0, fixed: '2.1.3' },
      ]);
      clock = new Date('2026-12-01T20:00:00.000Z');
      await scan(member.id, 'reg/payments-api', [
        { pkg: 0, id: 'GHSA-crit-0001', vulnerability: 'CVE-2026-1001', severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' },
        { pkg: 1, id: 'GHSA-low-0003', severity: 'LOW', score: 2.0, fixed: '2.1.3' },
        { pkg: 1, id: 'GHSA-med-0004', severity: 'MEDIUM', score: 5.3, fixed: '2.1.3' },
      ]);
      // another account's findings are not in the member's digest
      await scan(other.id, 'reg/search', [{ pkg: 0, id: 'GHSA-other-0005', severity: 'CRITICAL', score: 10 }]);

      clock = new Date('2026-12-02T06:59:00.000Z');
      await engine.tick();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(smtp.mails.length, 0, 'no mail before the scheduled time');
      assert.deepEqual((await call('GET', `/v1/report-schedules/${s.id}/runs`, member.key)).json().items, []);

      clock = new Date('2026-12-02T07:00:30.000Z');
      await engine.tick();
      await until('the mail', () => smtp.mails.length >= 1 || undefined);
      await engine.tick(); // claimed once: a second tick sends nothing more
      const run = await until('the run SENT', async () => (await call('GET', `/v1/report-schedules/${s.id}/runs`, member.key)).json().items.find((r: { status: string }) => r.status !== 'QUEUED'));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(smtp.mails.length, 1, 'one mail');
      const mail = smtp.mails[0];
      assert.equal(run.status, 'SENT', JSON.stringify(run));
      assert.equal(run.trigger, 'schedule');
      assert.equal(run.periodFrom, '2026-12-01T07:00:00.000Z');
      assert.equal(run.periodTo, '2026-12-02T07:00:00.000Z');
      assert.deepEqual(run.summary.mail.accepted, ['secops@example.com', 'lead@example.org']);
      assert.equal(mail.user, 'vigil', 'authenticated');
      assert.equal(smtp.tls[0], true, 'upgraded with STARTTLS');
      assert.deepEqual(mail.to, ['secops@example.com', 'lead@example.org']);
      assert.equal(mail.from, 'vigil@example.com');
      // new: 3 + 1 (CRITICAL, HIGH, LOW, MEDIUM); fixed: the HIGH one; open: CRITICAL, MEDIUM, LOW + the old HIGH
      assert.equal(mail.parsed.subject, '[Vigil] Payments daily: 4 new, 1 fixed, 4 open (1 critical)');
      assert.match(mail.raw, /multipart\/alternative/);
      const text = mail.parsed.text!;
      const html = String(mail.parsed.html);
      assert.match(text, /New findings: 4 {3}Fixed: 1 {3}Still open: 4/);
      assert.match(text, /Critical\s+1\s+0\s+1\n/);
      assert.match(text, /High\s+1\s+1\s+1\n/);
      assert.match(text, /Medium\s+1\s+0\s+1\n/);
      assert.match(text, /Low\s+1\s+0\s+1\n/);
      assert.match(text, /1\. 9\.8 CRITICAL CVE-2026-1001 in lodash 4\.17\.0\n\s+image reg\/payments-api; fix: upgrade to 4\.17\.21/);
      assert.match(text, /Coverage: 2 resources/);
      assert.doesNotMatch(text, /GHSA-other-0005|reg\/search/, 'another account\'s findings are left out');
      assert.match(html, /<table/);
      assert.match(html, /CVE-2026-1001/);
      assert.match(html, /upgrade to <strong>4\.17\.21<\/strong>/);
      assert.doesNotMatch(html, /<style|<script|<link/i, 'inline CSS only');
      if (dialect === 'sqlite') {
        const shot = await screenshot('daily-member', html);
        if (shot) assert.ok(existsSync(shot));
      }
      // the next run starts where this one ended
      clock = new Date('2026-12-03T07:05:00.000Z');
      await engine.tick();
      await until('the second mail', () => smtp.mails.length >= 2 || undefined);
      const second = (await call('GET', `/v1/report-schedules/${s.id}/runs`, member.key)).json().items[0];
      assert.equal(second.periodFrom, '2026-12-02T07:00:00.000Z');
      assert.equal(smtp.mails[1].parsed.subject, '[Vigil] Payments daily: 0 new, 0 fixed, 4 open (1 critical)');
    });

    test('an organization digest (the delegated admin\'s) covers every account, per account; the webhook form arrives signed', async () => {
      const r = await receiver();
      try {
        const d = await call('POST', '/v1/event-destinations', admin, { name: 'digest hook', url: r.url });
        assert.equal(d.statusCode, 201, d.body);
        const dest = d.json();
        const created = await call('POST', '/v1/report-schedules', admin, {
          name: 'Org weekly', schedule: { weekly: { days: ['MON'], startTime: { timeOfDay: '09:00', timezone: 'America/New_York' } } }, recipients: ['ciso@example.com'], destinationId: dest.id,
        });
        assert.equal(created.statusCode, 201, created.body);
        const s = created.json();
        const sent = await call('POST', `/v1/report-schedules/${s.id}/send`, admin);
        assert.equal(sent.statusCode, 202, sent.body);
        assert.equal(sent.json().trigger, 'api');
        const got = await until('the webhook', () => r.got[0]);
        await until('the org mail', () => smtp.mails.find((m) => m.to.includes('ciso@example.com')));
        const sig = String(got.headers['vigil-signature']);
        assert.ok(verifySignature(dest.secret, got.body, sig, clock), 'signed with the destination\'s secret');
        assert.ok(!verifySignature(dest.secret, got.body + ' ', sig, clock));
        assert.match(String(got.headers['content-type']), /^application\/json/);
        const body = JSON.parse(got.body);
        assert.equal(body.type, 'dev.vigil.report.digest');
        assert.equal(body.organization, true);
        assert.equal(body.schedule.kind, 'weekly');
        assert.equal(body.period.to, clock.toISOString());
        assert.equal(body.period.from, new Date(clock.getTime() - 7 * 86_400_000).toISOString());
        const byName = Object.fromEntries(body.accounts.map((a: { name: string }) => [a.name, a]));
        assert.equal(byName.payments.open.total, 4);
        assert.equal(byName.search.open.total, 1);
        assert.equal(body.totals.open.total, 5);
        assert.equal(body.totals.open.bySeverity.CRITICAL, 2);
        assert.equal(body.topRisks[0].vulnerabilityId, 'GHSA-other-0005', 'the highest score first');
        assert.equal(body.topRisks[0].score, 10);
        const runs = await until('the run SENT', async () => (await call('GET', `/v1/report-schedules/${s.id}/runs`, admin)).json().items.find((x: { status: string }) => x.status === 'SENT'));
        assert.equal(runs.summary.webhook.status, 200);
        const orgMail = smtp.mails.find((m) => m.to.includes('ciso@example.com'))!;
        assert.match(orgMail.parsed.text!, /By account[^\n]*\n {2}admin: 0 \/ 0 \/ 0 \/ 0 \/ 0\n {2}payments: 5 \/ 1 \/ 4 \/ 1 \/ 2\n {2}search: 1 \/ 0 \/ 1 \/ 1 \/ 1\n/);
        if (dialect === 'sqlite') await screenshot('weekly-organization', String(orgMail.parsed.html));
        // the member does not see the organization's schedule
        assert.equal((await call('GET', `/v1/report-schedules/${s.id}`, member.key)).statusCode, 404);
      } finally {
        await r.close();
      }
    });

    test('bad input is refused naming the field and the rule', async () => {
      const base = { name: 'x', schedule: { daily: { startTime: { timeOfDay: '08:00', timezone: 'UTC' } } } };
      const cases: [unknown, RegExp][] = [
        [{ ...base, recipients: ['not-an-address'] }, /^recipients\.0: an e-mail address/],
        [{ ...base, recipients: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`) }, /^recipients: at most 50 recipients/],
        [{ ...base, recipients: ['a@example.com', 'A@example.com'] }, /^recipients: no address twice/],
        [{ ...base }, /^recipients: give recipients, a destinationId, or both/],
        [{ ...base, recipients: ['a@example.com'], schedule: { monthly: { day: 'MON', startTime: { timeOfDay: '08:00', timezone: 'UTC' } } } }, /^schedule/],
        [{ ...base, recipients: ['a@example.com'], schedule: { daily: { startTime: { timeOfDay: '25:00', timezone: 'UTC' } } } }, /^schedule\.daily\.startTime\.timeOfDay: HH:MM/],
        [{ ...base, recipients: ['a@example.com'], schedule: { daily: { startTime: { timeOfDay: '08:00', timezone: 'Mars/Olympus' } } } }, /^schedule\.daily\.startTime\.timezone: an IANA time zone/],
        [{ ...base, destinationId: 'dst-nope' }, /^destinationId: no event destination "dst-nope"/],
      ];
      for (const [payload, message] of cases) {
        const res = await call('POST', '/v1/report-schedules', member.key, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 120)} → ${res.body}`);
        assert.match(res.json().error.message, message);
      }
    });

    test('an SMTP server that refuses: the run is retried, then FAILED with the error (the password not in it)', async () => {
      const bad = new Engine({
        store: ts.store, queue, log, now: () => clock,
        smtp: { url: `smtp://vigil:${encodeURIComponent('wrong-pass-77')}@127.0.0.1:${smtp.port}`, from: 'vigil@example.com', rejectUnauthorized: false },
      });
      const s = (await call('POST', '/v1/report-schedules', member.key, { name: 'refused', schedule: { daily: { startTime: { timeOfDay: '08:00', timezone: 'UTC' } } }, recipients: ['x@example.com'] })).json();
      // a run recorded without its job (the started engine would send it with the good password): this engine's attempts run by hand
      const run = await sendReportNow(ts.store, (await getReportSchedule(ts.store, s.id))!, clock);
      await assert.rejects(bad.digestNow(run.id, 1), /535|auth/i);
      const mid = (await call('GET', `/v1/report-schedules/${s.id}/runs`, member.key)).json().items[0];
      assert.equal(mid.status, 'QUEUED', 'retried');
      assert.match(mid.error, /SMTP server 127\.0\.0\.1/);
      assert.equal(await bad.digestNow(run.id, 3), undefined);
      const last = (await call('GET', `/v1/report-schedules/${s.id}/runs`, member.key)).json().items[0];
      assert.equal(last.status, 'FAILED');
      assert.equal(last.attempts, 2);
      assert.match(last.error, /SMTP server 127\.0\.0\.1:\d+: 535/);
      assert.doesNotMatch(last.error, /wrong-pass-77/);
    });
  });
}
