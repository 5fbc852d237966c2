/**
 * Event destinations (issue 19), on SQLite and PostgreSQL, against receivers on 127.0.0.1 written
 * here from the documented contracts: a webhook receiver that checks the CloudEvents 1.0 structured
 * body and the Vigil-Signature (HMAC-SHA256 over "<t>.<body>", replay window); one that fails three
 * times then recovers (every event arrives exactly once, in order); dead letters after the last
 * attempt and their redelivery through the API; filters; Slack and OCSF bodies; the tenants'
 * request policy at registration.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { scanResultOf } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { createDestination, DestinationInput, Engine, MAX_ATTEMPTS, backoffMs, nextWaitMs } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { MAX_RETRY_AFTER_MS, retryAfterMs, SIGNATURE_TOLERANCE_SECONDS, verifySignature } from '../integrations/events/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();

interface Received { headers: IncomingHttpHeaders; body: string; status: number }
/** A receiver: answers `plan()` for each request (the status), records what came. */
async function receiver(plan: (n: number) => number): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = plan(got.length);
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const [dialect, make] of dialects) {
  describe(`event destinations (${dialect})`, { concurrency: false }, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let admin: string;
    let adminAccount: string;
    let member: { id: string; key: string };
    let clock = new Date('2026-12-06T12:00:00.000Z');
    let seq = 0;

    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
      adminAccount = b.delegatedAdmin.id;
      const m = await repo.createAccount(ts.store.db, b.organization.id, 'member');
      member = { id: m.id, key: (await repo.createApiKey(ts.store.db, m.id, 'analyst', 'analyst')).key };
      queue = await openQueue(ts.store, { log });
      engine = new Engine({ store: ts.store, queue, log, now: () => clock, policy: await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] }) });
      app = await buildServer({ store: ts.store, log, config: { defaultMetrics: false }, engine });
    });
    after(async () => {
      await app?.close();
      await queue?.stop();
      await ts?.cleanup();
    });
    const call = (method: string, url: string, key: string, payload?: unknown) =>
      app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    /** a scan of a member's image: three findings (CRITICAL, HIGH, LOW) and their events */
    const scan = async () => {
      const n = ++seq;
      const result = scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }, { ecosystem: 'npm', name: 'ms', version: '2.0.0' }], [
        { pkg: 0, id: `GHSA-dest-${n}-0001`, vulnerability: `CVE-2026-${n}001`, severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' },
        { pkg: 0, id: `GHSA-dest-${n}-0002`, severity: 'HIGH', score: 7.5 },
        { pkg: 1, id: `GHSA-dest-${n}-0003`, severity: 'LOW', score: 2.0 },
      ]);
      return recordScan(ts.store, { accountId: member.id, resource: { type: 'image', name: `reg/app-${n}`, digest: `sha256:${n}` }, result, now: clock });
    };
    /** runs the worker until nothing is due, moving the clock past each backoff */
    const drain = async (runs: number) => {
      for (let i = 0; i < runs; i++) {
        await engine.deliverNow();
        clock = new Date(clock.getTime() + 3_600_000);
      }
    };

    test('a webhook gets CloudEvents, signed; a receiver failing three times then recovering gets every event exactly once, in order', async () => {
      const r = await receiver((n) => (n < 3 ? 503 : 200));
      try {
        const created = await call('POST', '/v1/event-destinations', admin, { name: 'siem', url: r.url });
        assert.equal(created.statusCode, 201, created.body);
        const d = created.json();
        assert.equal(d.secret.length >= 32, true);
        assert.equal(d.kind, 'webhook');
        assert.equal(d.format, 'cloudevents');
        // the secret is shown once
        assert.equal((await call('GET', `/v1/event-destinations/${d.id}`, admin)).json().secret, undefined);
        const before = Number((await ts.store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
        await scan();
        const events = await ts.store.db.selectFrom('events').selectAll().where('id', '>', before).orderBy('id').execute();
        assert.ok(events.length >= 4, 'three findings created, the scan completed');
        await drain(6);
        const ok = r.got.filter((g) => g.status === 200);
        assert.equal(r.got.filter((g) => g.status === 503).length, 3);
        const ids = ok.map((g) => JSON.parse(g.body).id as string);
        assert.deepEqual(ids, events.map((e) => String(e.id)), 'every event once, in order');
        for (const g of ok) {
          assert.match(String(g.headers['content-type']), /^application\/cloudevents\+json/);
          const ce = JSON.parse(g.body);
          assert.equal(ce.specversion, '1.0');
          assert.equal(ce.source, `/vigil/accounts/${member.id}`);
          assert.match(ce.type, /^dev\.vigil\.(finding\.created|scan\.completed|coverage\.changed)$/);
          assert.equal(ce.datacontenttype, 'application/json');
          // the receiver's check: the signature over the raw body, within the replay window of the time it was sent
          const t = Number(/t=(\d+)/.exec(String(g.headers['vigil-signature']))![1]);
          assert.ok(verifySignature(d.secret, g.body, String(g.headers['vigil-signature']), new Date(t * 1000)), 'signature verifies');
          assert.ok(!verifySignature(d.secret, g.body + ' ', String(g.headers['vigil-signature']), new Date(t * 1000)), 'a changed body does not');
          assert.ok(!verifySignature(d.secret, g.body, String(g.headers['vigil-signature']), new Date((t + SIGNATURE_TOLERANCE_SECONDS + 1) * 1000)), 'a replay after the window does not');
          if (ce.type === 'dev.vigil.finding.created') {
            assert.equal(ce.subject, ce.data.findingId);
            assert.equal(ce.data.finding.id, ce.data.findingId);
            assert.ok(['CRITICAL', 'HIGH', 'LOW'].includes(ce.data.finding.severity));
            assert.ok(ce.data.finding.details.advisories.length >= 1, 'the finding as GET /v1/findings/{id} shows it');
          }
        }
        // the delivery log: the first event took four attempts, the rest one
        const log1 = (await call('GET', `/v1/event-destinations/${d.id}/deliveries`, admin)).json().items;
        assert.equal(log1.length, events.length);
        assert.ok(log1.every((x: { status: string }) => x.status === 'DELIVERED'));
        const first = log1.find((x: { eventId: number }) => x.eventId === Number(events[0].id));
        assert.equal(first.attempts, 4);
        assert.equal(first.responseStatus, 200);
        // nothing more goes out
        const n = r.got.length;
        await drain(2);
        assert.equal(r.got.length, n);
        await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await r.close();
      }
    });

    test('dead letters after the last attempt; redelivered through the API once the receiver is back', async () => {
      let up = false;
      const r = await receiver(() => (up ? 200 : 500));
      try {
        const d = (await call('POST', '/v1/event-destinations', admin, { name: 'flaky', url: r.url, filters: { eventTypes: ['scan.completed'] } })).json();
        await scan();
        await drain(MAX_ATTEMPTS + 2);
        assert.equal(r.got.length, MAX_ATTEMPTS, 'attempted MAX_ATTEMPTS times, then left');
        const dead = (await call('GET', `/v1/event-destinations/${d.id}/deliveries?status=DEAD`, admin)).json().items;
        assert.equal(dead.length, 1);
        assert.equal(dead[0].attempts, MAX_ATTEMPTS);
        assert.equal(dead[0].lastError, 'HTTP 500');
        up = true;
        const again = await call('POST', `/v1/event-destinations/${d.id}/deliveries/${dead[0].id}/redeliver`, admin);
        assert.equal(again.statusCode, 202, again.body);
        assert.equal(again.json().status, 'PENDING');
        await drain(1);
        assert.equal(r.got.at(-1)!.status, 200);
        assert.equal(JSON.parse(r.got.at(-1)!.body).type, 'dev.vigil.scan.completed');
        assert.equal((await call('GET', `/v1/event-destinations/${d.id}/deliveries?status=DEAD`, admin)).json().items.length, 0);
        // another organization's key, or a member's, sees none of it
        assert.equal((await call('GET', `/v1/event-destinations/${d.id}`, member.key)).statusCode, 404);
        await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await r.close();
      }
    });

    test('filters: severity and event type; Slack messages and OCSF findings carry finding events only', async () => {
      const crit = await receiver(() => 200);
      const slack = await receiver(() => 200);
      const ocsf = await receiver(() => 200);
      try {
        const c = (await call('POST', '/v1/event-destinations', admin, { name: 'critical', url: crit.url, filters: { severities: ['CRITICAL'], eventTypes: ['finding.created'] } })).json();
        const s = (await call('POST', '/v1/event-destinations', admin, { name: 'chat', kind: 'slack', url: slack.url, consoleUrl: 'https://vigil.example.com', filters: { severities: ['CRITICAL', 'HIGH'] } })).json();
        const o = (await call('POST', '/v1/event-destinations', admin, { name: 'lake', url: ocsf.url, format: 'ocsf' })).json();
        await scan();
        await drain(2);
        assert.equal(crit.got.length, 1);
        assert.equal(JSON.parse(crit.got[0].body).data.finding.severity, 'CRITICAL');
        assert.equal(slack.got.length, 2);
        for (const g of slack.got) {
          const m = JSON.parse(g.body);
          assert.equal(typeof m.text, 'string');
          assert.ok(Array.isArray(m.blocks) && m.blocks.length > 0);
          assert.match(g.body, /https:\/\/vigil\.example\.com\/findings\//);
        }
        assert.equal(ocsf.got.length, 3, 'the three findings, not the scan or coverage events');
        for (const g of ocsf.got) assert.equal(JSON.parse(g.body).class_uid, 2002);
        for (const d of [c, s, o]) await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await Promise.all([crit.close(), slack.close(), ocsf.close()]);
      }
    });

    test('input rules; the tenants\' request policy refuses loopback unless allowed; roles', async () => {
      for (const body of [
        { name: 'x', url: 'ftp://example.com/' },
        { name: 'x', url: 'https://user:pw@example.com/' },
        { name: 'x', url: 'https://example.com/', format: 'asff' },
        { name: 'x', url: 'https://example.com/', kind: 'slack', format: 'ocsf' },
        { name: 'x', url: 'https://example.com/', secret: 'short' },
      ]) {
        const res = await call('POST', '/v1/event-destinations', admin, body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      }
      // the default tenants' policy: no loopback
      const strict = { ...engine.ctx, policy: TargetPolicy.tenantDefault() };
      await assert.rejects(createDestination(strict, adminAccount, DestinationInput.parse({ name: 'x', url: 'http://127.0.0.1:9/hook' })), /127\.0\.0\.1|not allowed|refused/i);
      // an analyst may not send data out
      assert.equal((await call('POST', '/v1/event-destinations', member.key, { name: 'x', url: 'https://example.com/' })).statusCode, 403);
      // the backoff: 10 s doubling, ±20 %, at most an hour
      assert.equal(backoffMs(1, () => 0.5), 10_000);
      assert.equal(backoffMs(3, () => 0.5), 40_000);
      assert.equal(backoffMs(20, () => 0.5), 3_600_000);
      assert.equal(backoffMs(1, () => 0), 8_000);
      // Retry-After (RFC 9110): seconds or an HTTP-date; never sooner than the backoff; capped at a day; a bad one ignored
      const at = new Date('2026-12-06T12:00:00.000Z');
      assert.equal(retryAfterMs('120', at), 120_000);
      assert.equal(retryAfterMs(' 0 ', at), 0);
      assert.equal(retryAfterMs('Sun, 06 Dec 2026 12:05:00 GMT', at), 300_000);
      assert.equal(retryAfterMs('Sunday, 06-Dec-26 12:05:00 GMT', at), 300_000);
      assert.equal(retryAfterMs('Sun, 06 Dec 2026 11:00:00 GMT', at), 0, 'a date past');
      assert.equal(retryAfterMs('999999999', at), MAX_RETRY_AFTER_MS);
      for (const bad of [null, '', '-5', '1.5', 'soon', '2026-12-06']) assert.equal(retryAfterMs(bad, at), undefined, String(bad));
      assert.equal(nextWaitMs(1, { retryAfter: '120' }, at, () => 0.5), 120_000);
      assert.equal(nextWaitMs(3, { retryAfter: '1' }, at, () => 0.5), 40_000, 'the backoff when it is longer');
      assert.equal(nextWaitMs(1, {}, at, () => 0.5), 10_000);
    });
  });
}
