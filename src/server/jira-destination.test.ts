/**
 * Jira destinations (issue 19), on SQLite and PostgreSQL, against a Jira written here on 127.0.0.1
 * from Atlassian's REST API v2 documentation: issues kept in memory; `POST /rest/api/2/search/jql`
 * (Cloud; `POST /rest/api/2/search` on Data Center, where search/jql is 404) answering a
 * `project = K AND labels = "…"` JQL; create issue (201 {id, key, self}); comments (201); the
 * transitions of an issue and doing one (204); Basic auth (401 with errorMessages otherwise) and
 * the body shapes (fields.project.key, issuetype.name, summary on one line ≤ 255, labels without
 * spaces, description a string) checked.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { scanResultOf, type VulnSpec } from '../../test/helpers/findings.ts';
import { dialects, type TestStore } from '../../test/helpers/stores.ts';
import { deliverEvents, Engine, MAX_ATTEMPTS } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { recordScan } from '../findings/index.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { buildServer, type VigilServer } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import * as repo from './tenancy/repo.ts';

const log = silentLogger();
const EMAIL = 'vigil-bot@example.com';
const TOKEN = 'ATATT3xFfGF0-jira-token-under-test-7Qz';

interface Issue { id: string; key: string; fields: Record<string, unknown>; comments: string[]; status: string }
interface JiraRequest { method: string; path: string; body: unknown }
/** what to do with a request before the Jira handles it: answer a status, hang after handling, or go on */
type Hook = (r: JiraRequest, n: number) => { status: number; headers?: Record<string, string> } | 'hang-after' | undefined;

const TRANSITIONS = [{ id: '11', name: 'To Do', to: 'To Do', category: 'new' }, { id: '21', name: 'In Progress', to: 'In Progress', category: 'indeterminate' }, { id: '31', name: 'Done', to: 'Done', category: 'done' }];

async function jiraReceiver(opts: { project: string; dataCenter?: boolean; noPriority?: boolean; hook?: Hook }) {
  const issues: Issue[] = [];
  const requests: JiraRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://jira');
      let body: unknown = null;
      try { body = text ? JSON.parse(text) : null; } catch { body = undefined; }
      const r: JiraRequest = { method: req.method ?? 'GET', path: url.pathname, body };
      requests.push(r);
      const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
        if (json === undefined) res.writeHead(status, headers).end();
        else res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(json));
      };
      const hooked = opts.hook?.(r, requests.length - 1);
      if (hooked && hooked !== 'hang-after') return send(hooked.status, { errorMessages: [`hook ${hooked.status}`], errors: {} }, hooked.headers);
      const answer = (status: number, json?: unknown) => (hooked === 'hang-after' ? undefined : send(status, json));
      if (req.headers.authorization !== `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`) {
        return answer(401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
      }
      if (!String(req.headers.accept).includes('application/json')) return answer(406, { errorMessages: ['Accept application/json'] });
      if (body === undefined || (text && !String(req.headers['content-type']).startsWith('application/json'))) return answer(415, { errorMessages: ['a JSON body'] });
      const b = (body ?? {}) as Record<string, any>;
      const byKey = (k: string) => issues.find((i) => i.key === decodeURIComponent(k));
      const view = (i: Issue) => ({ id: i.id, key: i.key, self: `http://jira/rest/api/2/issue/${i.id}`, fields: { status: { name: i.status, statusCategory: { key: TRANSITIONS.find((t) => t.to === i.status)!.category } } } });
      const search = () => {
        const m = /^project = ([A-Z][A-Z0-9_]+) AND labels = "((?:[^"\\]|\\.)*)"$/.exec(String(b.jql));
        if (!m) return null;
        const label = m[2].replace(/\\(.)/g, '$1');
        return issues.filter((i) => (i.fields.project as { key: string }).key === m[1] && (i.fields.labels as string[]).includes(label)).map(view);
      };
      let m: RegExpExecArray | null;
      if (r.method === 'POST' && r.path === '/rest/api/2/search/jql') {
        if (opts.dataCenter) return answer(404, { errorMessages: ['null for uri: /rest/api/2/search/jql'] });
        const found = search();
        return found ? answer(200, { issues: found, isLast: true }) : answer(400, { errorMessages: [`Error in the JQL Query: ${b.jql}`] });
      }
      if (r.method === 'POST' && r.path === '/rest/api/2/search') {
        if (!opts.dataCenter) return answer(410, { errorMessages: ['The requested API has been removed. Please migrate to the /rest/api/2/search/jql API.'] });
        const found = search();
        return found ? answer(200, { startAt: 0, maxResults: b.maxResults ?? 50, total: found.length, issues: found }) : answer(400, { errorMessages: ['bad JQL'] });
      }
      if (r.method === 'POST' && r.path === '/rest/api/2/issue') {
        const f = b.fields ?? {};
        const errors: Record<string, string> = {};
        if (f.project?.key !== opts.project) errors.project = 'valid project is required';
        if (typeof f.issuetype?.name !== 'string') errors.issuetype = 'valid issue type is required';
        if (typeof f.summary !== 'string' || !f.summary || f.summary.length > 255 || /[\r\n]/.test(f.summary)) errors.summary = 'Summary must be less than 255 characters, one line.';
        if (typeof f.description !== 'string') errors.description = 'Operation value must be a string';
        if (!Array.isArray(f.labels) || f.labels.some((l: unknown) => typeof l !== 'string' || /\s/.test(l) || !l)) errors.labels = 'Labels cannot contain spaces';
        if (f.priority !== undefined && typeof f.priority?.name !== 'string') errors.priority = 'priority name';
        // a project whose create screen lacks the field (Jira's own message)
        if (f.priority !== undefined && opts.noPriority) errors.priority = 'Field \'priority\' cannot be set. It is not on the appropriate screen, or unknown.';
        if (Object.keys(errors).length) return answer(400, { errorMessages: [], errors });
        const id = String(10000 + issues.length);
        const issue: Issue = { id, key: `${opts.project}-${issues.length + 1}`, fields: f, comments: [], status: 'To Do' };
        issues.push(issue);
        return answer(201, { id, key: issue.key, self: `http://jira/rest/api/2/issue/${id}` });
      }
      if (r.method === 'POST' && (m = /^\/rest\/api\/2\/issue\/([^/]+)\/comment$/.exec(r.path))) {
        const i = byKey(m[1]);
        if (!i) return answer(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
        if (typeof b.body !== 'string' || !b.body) return answer(400, { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } });
        i.comments.push(b.body);
        return answer(201, { id: String(i.comments.length), body: b.body });
      }
      if ((m = /^\/rest\/api\/2\/issue\/([^/]+)\/transitions$/.exec(r.path))) {
        const i = byKey(m[1]);
        if (!i) return answer(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
        const offered = TRANSITIONS.filter((t) => t.to !== i.status);
        if (r.method === 'GET') return answer(200, { expand: 'transitions', transitions: offered.map((t) => ({ id: t.id, name: t.name, to: { name: t.to, statusCategory: { key: t.category } } })) });
        const t = offered.find((x) => x.id === b.transition?.id);
        if (!t) return answer(400, { errorMessages: ['It seems that you have tried to perform a workflow operation (transition) that is not valid for the current state of this issue.'], errors: {} });
        i.status = t.to;
        return answer(204);
      }
      return answer(404, { errorMessages: [`no route ${r.method} ${r.path}`] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, issues, requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

for (const [dialect, make] of dialects) {
  describe(`Jira destinations (${dialect})`, { concurrency: false }, () => {
    let ts: TestStore;
    let app: VigilServer;
    let queue: JobQueue;
    let engine: Engine;
    let admin: string;
    let member: { id: string; key: string };
    let clock = new Date('2026-12-06T12:00:00.000Z');
    let seq = 0;
    const answers: string[] = [];

    before(async () => {
      ts = await make();
      const b = (await bootstrap(ts.store))!;
      admin = b.key;
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
    /** every API answer is kept: none may carry the token */
    const call = async (method: string, url: string, key: string, payload?: unknown) => {
      const res = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
      answers.push(res.body);
      return res;
    };
    /** a scan of one member's image with these vulnerabilities of lodash */
    const scanOf = (name: string) => (vulns: Omit<VulnSpec, 'pkg'>[]) =>
      recordScan(ts.store, { accountId: member.id, resource: { type: 'image', name, digest: `sha256:${name}` }, result: scanResultOf([{ ecosystem: 'npm', name: 'lodash', version: '4.17.0' }], vulns.map((v) => ({ ...v, pkg: 0 }))), now: clock });
    const drain = async (runs: number) => {
      for (let i = 0; i < runs; i++) {
        await engine.deliverNow();
        clock = new Date(clock.getTime() + 3_600_000);
      }
    };
    const create = async (url: string, extra: Record<string, unknown> = {}) => {
      const res = await call('POST', '/v1/event-destinations', admin, { name: `jira-${++seq}`, kind: 'jira', url, jira: { projectKey: 'SEC', email: EMAIL }, password: TOKEN, ...extra });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const deliveries = async (id: string) => (await call('GET', `/v1/event-destinations/${id}/deliveries`, admin)).json().items as { eventType: string; status: string; attempts: number; lastError: string | null; responseStatus: number | null; nextAttemptAt: string }[];

    test('a new finding opens one issue with its label; a change comments; closing transitions it to Done', async () => {
      const jira = await jiraReceiver({ project: 'SEC' });
      try {
        const d = await create(jira.url, { consoleUrl: 'https://vigil.example.com' });
        assert.equal(d.kind, 'jira');
        assert.deepEqual(d.jira, { projectKey: 'SEC', issueType: 'Bug', email: EMAIL, closeTransition: 'Done' });
        assert.equal(d.secret, undefined, 'no signing secret for Jira');
        assert.equal(d.password, undefined);
        const scan = scanOf(`reg/jira-a-${seq}`);
        const first = await scan([{ id: `GHSA-jira-${seq}-a`, vulnerability: `CVE-2026-${seq}100`, severity: 'CRITICAL', score: 9.8, fixed: '4.17.21' }]);
        await drain(2);
        assert.equal(jira.issues.length, 1);
        const issue = jira.issues[0];
        const findingId = (await ts.store.db.selectFrom('findings').select('id').where('resource_id', '=', first.resourceId).executeTakeFirstOrThrow()).id;
        assert.ok((issue.fields.labels as string[]).includes(`vigil-${findingId}`), 'the idempotency label');
        assert.deepEqual((issue.fields.issuetype as { name: string }).name, 'Bug');
        assert.match(String(issue.fields.summary), /^\[Critical\] CVE-2026-\d+100 in /);
        assert.match(String(issue.fields.description), /https:\/\/vigil\.example\.com\/findings\//);
        assert.ok(jira.requests.some((r) => r.path === '/rest/api/2/search/jql'), 'looked up before creating');

        await scan([{ id: `GHSA-jira-${seq}-a`, vulnerability: `CVE-2026-${seq}100`, severity: 'HIGH', score: 7.5, fixed: '4.17.21' }]);
        await drain(2);
        assert.equal(jira.issues.length, 1);
        assert.equal(issue.comments.length, 1);
        assert.match(issue.comments[0], /The finding changed/);

        await scan([]);
        await drain(2);
        assert.equal(jira.issues.length, 1);
        assert.equal(issue.status, 'Done');
        assert.equal(issue.comments.length, 2);
        assert.match(issue.comments[1], /closed/);
        const log1 = await deliveries(d.id);
        assert.deepEqual(log1.map((x) => x.eventType).sort(), ['finding.closed', 'finding.created', 'finding.updated']);
        assert.ok(log1.every((x) => x.status === 'DELIVERED' && x.attempts === 1), JSON.stringify(log1));
        // nothing more goes out
        const n = jira.requests.length;
        await drain(2);
        assert.equal(jira.requests.length, n);
        await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await jira.close();
      }
    });

    test('a retry after Jira created the issue but the answer timed out comments on that issue: never two issues', async () => {
      let hung = false;
      const jira = await jiraReceiver({
        project: 'SEC',
        hook: (r) => {
          if (r.method === 'POST' && r.path === '/rest/api/2/issue' && !hung) { hung = true; return 'hang-after'; }
          return undefined;
        },
      });
      try {
        const d = await create(jira.url);
        await scanOf(`reg/jira-b-${seq}`)([{ id: `GHSA-jira-${seq}-b`, severity: 'HIGH', score: 7.5 }]);
        // one run with a short request timeout: the create is done, its answer never comes
        const out = await deliverEvents(engine.ctx, { requestTimeoutMs: 2000 });
        assert.equal(out.failed, 1);
        assert.equal(jira.issues.length, 1, 'Jira created it');
        const [pending] = await deliveries(d.id);
        assert.equal(pending.status, 'PENDING');
        assert.match(String(pending.lastError), /POST \/rest\/api\/2\/issue: no answer within 2 s/);
        clock = new Date(clock.getTime() + 3_600_000);
        await drain(2);
        assert.equal(jira.issues.length, 1, 'still one issue');
        assert.equal(jira.issues[0].comments.length, 1, 'the retry commented instead');
        const [done] = await deliveries(d.id);
        assert.equal(done.status, 'DELIVERED');
        assert.equal(done.attempts, 2);
        await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await jira.close();
      }
    });

    test('a wrong token (401) is a dead letter at once, with Jira\'s message; 429 then success is delivered once', async () => {
      const jira = await jiraReceiver({ project: 'SEC' });
      let limited = 0;
      // Jira Cloud's rate limit: 429 with Retry-After in seconds (here 1800: longer than the first backoff)
      const busy = await jiraReceiver({ project: 'SEC', hook: (r) => (r.method === 'POST' && r.path === '/rest/api/2/issue' && limited++ === 0 ? { status: 429, headers: { 'retry-after': '1800' } } : undefined) });
      try {
        const wrong = await create(jira.url, { password: 'not-the-token' });
        const ok = await create(busy.url);
        await scanOf(`reg/jira-c-${seq}`)([{ id: `GHSA-jira-${seq}-c`, severity: 'MEDIUM', score: 5.0 }]);
        await engine.deliverNow();
        const [waiting] = await deliveries(ok.id);
        assert.equal(waiting.status, 'PENDING');
        assert.equal(waiting.responseStatus, 429);
        assert.equal(Date.parse(waiting.nextAttemptAt) - clock.getTime(), 1_800_000, 'the next attempt waits as long as Jira asked, not the 10 s backoff');
        await drain(3);
        const [dead] = await deliveries(wrong.id);
        assert.equal(dead.status, 'DEAD');
        assert.equal(dead.attempts, 1);
        assert.equal(dead.responseStatus, 401);
        assert.match(String(dead.lastError), /HTTP 401: Client must be authenticated/);
        assert.equal(jira.issues.length, 0);
        const [delivered] = await deliveries(ok.id);
        assert.equal(delivered.status, 'DELIVERED');
        assert.equal(delivered.attempts, 2);
        assert.equal(busy.issues.length, 1, 'delivered once');
        assert.equal(busy.requests.filter((r) => r.path === '/rest/api/2/issue').length, 2);
        // a new token through the API: the dead letter redelivered goes through
        assert.equal((await call('PATCH', `/v1/event-destinations/${wrong.id}`, admin, { password: TOKEN })).statusCode, 200);
        const deadId = (await call('GET', `/v1/event-destinations/${wrong.id}/deliveries?status=DEAD`, admin)).json().items[0].id;
        assert.equal((await call('POST', `/v1/event-destinations/${wrong.id}/deliveries/${deadId}/redeliver`, admin)).statusCode, 202);
        await drain(1);
        assert.equal(jira.issues.length, 1);
        for (const d of [wrong, ok]) await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await Promise.all([jira.close(), busy.close()]);
      }
    });

    test('Data Center search; a project without priorities; a close transition the workflow lacks fails each attempt, then is a dead letter', async () => {
      const jira = await jiraReceiver({ project: 'OPS', dataCenter: true, noPriority: true });
      try {
        const d = await create(jira.url, { jira: { projectKey: 'OPS', email: EMAIL, issueType: 'Task', closeTransition: 'Resolve Issue' } });
        const scan = scanOf(`reg/jira-d-${seq}`);
        await scan([{ id: `GHSA-jira-${seq}-d`, severity: 'LOW', score: 2.0 }]);
        await drain(1);
        assert.equal(jira.issues.length, 1);
        assert.equal((jira.issues[0].fields.issuetype as { name: string }).name, 'Task');
        assert.ok(jira.requests.some((r) => r.path === '/rest/api/2/search'), 'fell back to Data Center\'s search');
        assert.equal(jira.issues[0].fields.priority, undefined, 'created again without the priority Jira refused');
        assert.equal(jira.requests.filter((r) => r.path === '/rest/api/2/issue').length, 2);
        await scan([]);
        await drain(1);
        let closed = (await deliveries(d.id)).find((x) => x.eventType === 'finding.closed')!;
        assert.equal(closed.status, 'PENDING');
        assert.match(String(closed.lastError), /offers no transition named or numbered "Resolve Issue" \(it offers: In Progress \(21\), Done \(31\)\)/);
        await drain(MAX_ATTEMPTS + 1);
        closed = (await deliveries(d.id)).find((x) => x.eventType === 'finding.closed')!;
        assert.equal(closed.status, 'DEAD');
        assert.equal(closed.attempts, MAX_ATTEMPTS);
        assert.equal(jira.issues[0].status, 'To Do');
        await call('DELETE', `/v1/event-destinations/${d.id}`, admin);
      } finally {
        await jira.close();
      }
    });

    test('input rules; the token never appears in an API answer nor unsealed in the database', async () => {
      for (const body of [
        { name: 'x', kind: 'jira', url: 'https://example.atlassian.net', password: TOKEN },
        { name: 'x', kind: 'jira', url: 'https://example.atlassian.net', jira: { projectKey: 'SEC', email: EMAIL } },
        { name: 'x', kind: 'jira', url: 'https://example.atlassian.net', jira: { projectKey: 'sec', email: EMAIL }, password: TOKEN },
        { name: 'x', kind: 'jira', url: 'https://example.atlassian.net', jira: { projectKey: 'SEC', email: 'nobody' }, password: TOKEN },
        { name: 'x', kind: 'webhook', url: 'https://example.com/', password: TOKEN },
      ]) {
        const res = await call('POST', '/v1/event-destinations', admin, body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      }
      const d = await create('https://example.atlassian.net');
      await call('GET', '/v1/event-destinations', admin);
      await call('GET', `/v1/event-destinations/${d.id}`, admin);
      const hook = (await call('POST', '/v1/event-destinations', admin, { name: 'hook', url: 'https://example.com/' })).json();
      assert.equal((await call('PATCH', `/v1/event-destinations/${hook.id}`, admin, { password: TOKEN })).statusCode, 400);
      assert.ok(answers.length > 10);
      for (const a of answers) assert.ok(!a.includes(TOKEN) && !a.includes(Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')), `an API answer shows the token: ${a.slice(0, 200)}`);
      const row = await ts.store.db.selectFrom('event_destinations').select('config').where('id', '=', d.id).executeTakeFirstOrThrow();
      assert.ok(!row.config.includes(TOKEN));
      assert.match(row.config, /"\$sealed":"vgs1\./);
      if (dialect === 'sqlite') {
        const file = ts.url.replace(/^sqlite:/, '');
        for (const f of [file, `${file}-wal`]) if (existsSync(f)) assert.ok(!readFileSync(f).includes(TOKEN), `${f} holds the token in clear`);
      }
      for (const x of [d, hook]) await call('DELETE', `/v1/event-destinations/${x.id}`, admin);
    });
  });
}
