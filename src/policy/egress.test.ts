/**
 * The egress harness, in the spirit of src/server/tenancy.test.ts:
 *
 * 1. A scan of src/ for every way code can reach a socket, a process or the network (node:http,
 *    node:net, node:dns, child_process, ssh2, pg, global fetch, …). Outside src/policy each use
 *    must be listed in ALLOWED with why it goes through the policy (or is the operator's own
 *    connection), so a new outgoing call site that bypasses the policy fails here.
 * 2. A second organization, through the API, pointing targets at the server itself: its files
 *    (rootfs "/", a file:// or local repository) and loopback/metadata services (a registry at
 *    127.0.0.1, 169.254.169.254, SSH at a closed and at an open loopback port): refused by
 *    default, with the same error for the closed and the open port, and a listener that records
 *    connections sees none.
 * 3. Every engine connection site at connect time (registry catalog poll, image pull, SSH scan,
 *    repository ls-remote and clone, rootfs scan), through DNS names that resolved to a public
 *    address at registration and to loopback afterwards (DNS rebinding): refused, nothing contacted.
 * 4. git's own connections are pinned: a name that does not resolve in DNS is reached at the
 *    address the policy checked (curl's resolve list for https, ssh's HostName for ssh).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { createTarget, Engine, type Target } from '../engine/index.ts';
import { silentLogger } from '../log.ts';
import { buildServer, type VigilServer } from '../server/app.ts';
import { bootstrap } from '../server/bootstrap.ts';
import * as repo from '../server/tenancy/repo.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { openGit } from '../sources/git/index.ts';
import { RegistryClient } from '../sources/registry/index.ts';
import { createServer as createHttpServer } from 'node:http';
import { TargetPolicy, type Resolver } from './index.ts';

const SRC = join(import.meta.dirname, '..');

// ─── 1. every outgoing call site ────────────────────────────────────────────────────────────────

/** Modules and globals that open sockets, run processes or make requests. */
const EGRESS_MODULES = ['http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'dns/promises', 'child_process', 'undici', 'ssh2', 'pg', 'pg-boss', 'ws', 'nodemailer'];

/**
 * The only files outside src/policy that may use them, each with its reason and a marker the file
 * must contain (the call into the policy that makes the use safe).
 */
const ALLOWED: Record<string, { uses: string[]; why: string; marker?: RegExp }> = {
  'sources/git/index.ts': { uses: ['child_process'], why: 'runs git with the pins and environment of gitAccess (policy/git.ts); local paths through policy.checkPath; after the clone only over the bare clone in the scan\'s scratch (rev-parse, ls-tree, one cat-file --batch reading the listed blobs)', marker: /gitAccess\(policy/ },
  'sources/ssh/index.ts': { uses: ['ssh2'], why: 'ssh2 speaks SSH over a socket that policy.connect opened (config.sock); it never resolves or connects itself', marker: /policy\.connect\(/ },
  'store/index.ts': { uses: ['pg'], why: "the operator's database (--db / VIGIL_DATABASE_URL), never a tenant's target" },
  'engine/queue/pgboss.ts': { uses: ['pg-boss'], why: "the job queue in the operator's PostgreSQL database" },
  'detectors/secrets/git.ts': { uses: ['child_process'], why: 'runs git log/cat-file over a local repository (the git source\'s bare clone in the scan\'s scratch) with every transport refused (protocol.allow=never), no hooks, no system or global config', marker: /protocol\.allow=never/ },
  'cli/agent.ts': { uses: ['child_process'], why: "`vigil agent` runs its own host's firewall tools (nft -j list ruleset, iptables-save, ip6tables-save: fixed arguments, a timeout, capped output); no network", marker: /FIREWALL_COMMANDS\[name\]/ },
  'engine/cis-cli.ts': { uses: ['child_process'], why: "`vigil cis host /` asks its own machine's systemd whether a unit runs (systemctl is-active -- <unit>: a fixed verb, a checked unit name, no shell, a timeout, capped output); no network", marker: /LIVE_COMMAND/ },
  'engine/mailer.ts': { uses: ['nodemailer'], why: "the operator's SMTP server (--smtp-url) for e-mailed digests: nodemailer gets the socket the operator's policy opened (getSocket → policy.connect) and never connects itself", marker: /policy\.connect\(/ },
  'engine/isolate.ts': { uses: ['child_process'], why: "forks Vigil's own scan process (isolate-child.ts), which gets the engine's policy as a spec and opens every source through it" },
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'testdata') out.push(...sourceFiles(p));
    } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && e.name !== 'testutil.ts') {
      out.push(p);
    }
  }
  return out;
}

/** The egress modules and globals a file's code uses (type-only imports do not count). */
export function egressUses(text: string): string[] {
  const uses = new Set<string>();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const mod = (m: string) => m.replace(/^node:/, '');
  for (const m of code.matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)) if (EGRESS_MODULES.includes(mod(m[1]))) uses.add(mod(m[1]));
  for (const m of code.matchAll(/^\s*export\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)) if (EGRESS_MODULES.includes(mod(m[1]))) uses.add(mod(m[1]));
  for (const m of code.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) if (EGRESS_MODULES.includes(mod(m[1]))) uses.add(mod(m[1]));
  if (/(?<![.\w$])fetch\s*\(/.test(code) || /globalThis\.fetch\b/.test(code)) uses.add('fetch');
  if (/\bnew\s+(WebSocket|EventSource|XMLHttpRequest)\b/.test(code)) uses.add('web-socket');
  return [...uses].sort();
}

describe('every outgoing call site goes through src/policy', () => {
  test('the scanner sees the ways out', () => {
    assert.deepEqual(egressUses("import { request } from 'node:http';\nimport type { Socket } from 'node:net';"), ['http']);
    assert.deepEqual(egressUses("const x = await fetch(url);"), ['fetch']);
    assert.deepEqual(egressUses("await this.policy.fetch(url); boss.fetch(q);"), []);
    assert.deepEqual(egressUses("const { spawn } = await import('node:child_process');"), ['child_process']);
    assert.deepEqual(egressUses("// fetch(url) in a comment\n/* import x from 'net' */"), []);
    assert.deepEqual(egressUses("export { connect } from 'node:tls';"), ['tls']);
  });

  test('no file outside src/policy opens a socket, a process or a request except those listed, each through the policy', () => {
    const found = new Map<string, string[]>();
    for (const f of sourceFiles(SRC)) {
      const rel = relative(SRC, f).split('\\').join('/');
      if (rel.startsWith('policy/')) continue;
      const uses = egressUses(readFileSync(f, 'utf8'));
      if (uses.length) found.set(rel, uses);
    }
    const problems: string[] = [];
    for (const [rel, uses] of found) {
      const allowed = ALLOWED[rel];
      const extra = uses.filter((u) => !allowed?.uses.includes(u));
      if (extra.length) problems.push(`src/${rel} uses ${extra.join(', ')} outside src/policy: open it through TargetPolicy (fetch / connect / gitAccess / checkPath), or list it in ALLOWED with the reason`);
      if (allowed?.marker && !allowed.marker.test(readFileSync(join(SRC, rel), 'utf8'))) problems.push(`src/${rel} no longer calls the policy (${allowed.marker})`);
    }
    for (const rel of Object.keys(ALLOWED)) if (!found.has(rel)) problems.push(`ALLOWED lists src/${rel}, which no longer uses ${ALLOWED[rel].uses.join(', ')}: remove the entry`);
    assert.deepEqual(problems, []);
  });
});

// ─── a listener that records connections ────────────────────────────────────────────────────────

interface Recorder { port: number; connections: number; close(): Promise<void> }

/** Accepts and drops every connection, counting them: an "open port" that speaks no protocol. */
async function recorder(host = '127.0.0.1'): Promise<Recorder> {
  const r = { port: 0, connections: 0, close: async () => {} } as Recorder;
  const server: Server = createServer((s) => { r.connections++; s.destroy(); });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  r.port = (server.address() as AddressInfo).port;
  r.close = () => new Promise<void>((ok) => server.close(() => ok()));
  return r;
}

async function closedPort(): Promise<number> {
  const r = await recorder();
  await r.close();
  return r.port;
}

// ─── 2 and 3: a second organization against the server ──────────────────────────────────────────

describe('a second organization cannot reach the server itself (default policy)', () => {
  let ts: TestStore;
  let queue: JobQueue;
  let app: VigilServer;
  let engine: Engine;
  let key: string;
  let accountId: string;
  let listener: Recorder;
  let home: string;
  const asked = new Map<string, number>();
  /**
   * While `registering`, every *.rebind.test name resolves to a public address; after that to
   * loopback (the rebinding). Scans run in the isolated scan process, which resolves with the
   * system's resolver: test/helpers/rebind-dns.mjs, preloaded there, makes these names loopback.
   */
  let registering = true;
  const resolver: Resolver = async (host) => {
    asked.set(host, (asked.get(host) ?? 0) + 1);
    if (!host.endsWith('.rebind.test')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address: registering ? '93.184.216.34' : '127.0.0.1', family: 4 }];
  };

  before(async () => {
    ts = await sqliteTestStore();
    home = await mkdtemp(join(tmpdir(), 'vigil-egress-'));
    await bootstrap(ts.store, { organizationName: 'the operator' });
    const o2 = await repo.createOrganization(ts.store.db, { name: 'org two', scanSettings: { mode: 'enhanced', rescanDuration: '30d', rescanFrom: 'push', autoEnable: true } });
    key = o2.adminKey.key;
    accountId = o2.delegatedAdmin.id;
    queue = await openQueue(ts.store, { log: silentLogger() });
    engine = new Engine({ store: ts.store, queue, log: silentLogger(), policy: TargetPolicy.tenantDefault({ resolver }) });
    app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, engine });
    listener = await recorder();
  });
  after(async () => {
    await listener?.close();
    await app?.close();
    await queue?.stop();
    engine?.policy.close();
    await ts?.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  const register = (plural: string, config: unknown) =>
    app.inject({ method: 'POST', url: `/v1/${plural}`, headers: { authorization: `Bearer ${key}` }, payload: { config } });

  test('registration refuses the server\'s files and networks with 403 "not allowed"', async () => {
    const port = listener.port;
    const closed = await closedPort();
    const refused: [string, unknown][] = [
      ['rootfs', { path: '/' }],
      ['rootfs', { path: '/etc' }],
      ['rootfs', { path: '/no/such/dir' }],
      ['repositories', { url: 'file:///etc' }],
      ['repositories', { url: '/' }],
      ['repositories', { url: home }],
      ['repositories', { url: `https://127.0.0.1:${port}/x.git` }],
      ['repositories', { url: `ssh://git@127.0.0.1:${port}/x.git` }],
      ['repositories', { url: 'git@169.254.169.254:x.git' }],
      ['registries', { url: `http://127.0.0.1:${port}` }],
      ['registries', { url: `127.0.0.1:${port}` }],
      ['registries', { url: `localhost:${port}` }],
      ['registries', { url: `http://[::ffff:127.0.0.1]:${port}` }],
      ['registries', { url: 'http://169.254.169.254' }],
      ['registries', { url: 'https://10.0.0.1' }],
      ['registries', { url: '[fd00:ec2::254]' }],
      ['hosts', { mode: 'ssh', address: '127.0.0.1', port, username: 'root', password: 'x' }],
      ['hosts', { mode: 'ssh', address: '127.0.0.1', port: closed, username: 'root', password: 'x' }],
      ['hosts', { mode: 'ssh', address: '169.254.169.254', username: 'root', password: 'x' }],
      ['hosts', { mode: 'ssh', address: '100.64.0.1', username: 'root', password: 'x' }],
    ];
    const bodies: string[] = [];
    for (const [plural, config] of refused) {
      const res = await register(plural, config);
      assert.equal(res.statusCode, 403, `${plural} ${JSON.stringify(config)}: ${res.body}`);
      const err = res.json().error;
      assert.equal(err.code, 'VIGIL_FORBIDDEN');
      assert.match(err.message, /not allowed/);
      bodies.push(err.message);
    }
    // an open and a closed loopback port: the same answer
    assert.equal(bodies[16], bodies[17]);
    assert.doesNotMatch(bodies.join('\n'), /ECONNREFUSED|refused|timed out|closed/i);
    // git transports that run commands stay a 400
    const ext = await register('repositories', { url: 'ext::sh -c id' });
    assert.equal(ext.statusCode, 400);
    assert.equal(listener.connections, 0, 'nothing was contacted');
    assert.equal((await ts.store.db.selectFrom('targets').select('id').where('account_id', '=', accountId).execute()).length, 0, 'nothing was registered');
  });

  test('at connect time every engine site refuses names that now resolve to loopback (DNS rebinding), and contacts nothing', async (t) => {
    const port = listener.port;
    const reg = await register('registries', { url: `http://reg.rebind.test:${port}`, pollSeconds: 0 });
    const host = await register('hosts', { mode: 'ssh', address: 'ssh.rebind.test', port, username: 'root', password: 'x' });
    const gitRepo = await register('repositories', { url: `https://git.rebind.test:${port}/x.git`, pollSeconds: 0 });
    for (const r of [reg, host, gitRepo]) assert.equal(r.statusCode, 201, r.body);
    registering = false;
    // the engine's own connections (polls) resolve through the test's resolver; the scans run in
    // the isolated scan process, which resolves through the system's, rebound by this preload
    const nodeOptions = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${pathToFileURL(join(import.meta.dirname, '..', '..', 'test', 'helpers', 'rebind-dns.mjs')).href}`.trim();
    t.after(() => { if (nodeOptions === undefined) delete process.env.NODE_OPTIONS; else process.env.NODE_OPTIONS = nodeOptions; });
    // a target stored before the policy existed (or by any other path): refused all the same
    const rootfs = await createTarget(ts.store, { accountId, kind: 'rootfs', config: { path: '/' } }, new Date());

    const lastError = async (id: string) => (await ts.store.db.selectFrom('targets').select('last_error').where('id', '=', id).executeTakeFirstOrThrow()).last_error;
    // registry catalog poll
    await engine.pollNow(reg.json().id);
    assert.match(await lastError(reg.json().id) ?? '', /not allowed/);
    // image pull: a pushed tag makes an image resource; its scan refuses the registry
    const digest = `sha256:${'a'.repeat(64)}`;
    const ev = await engine.registryEvents(reg.json() as Target, { events: [{ action: 'push', target: { repository: 'app', tag: '1', digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' } }] });
    const image = await engine.scanNow(ev.scan[0]!);
    assert.equal(image.status, 'inactive');
    assert.match(image.status === 'inactive' ? image.message : '', /not allowed/);
    // SSH host scan
    await engine.pollNow(host.json().id);
    const hostRes = await ts.store.db.selectFrom('resources').select('id').where('target_id', '=', host.json().id).executeTakeFirstOrThrow();
    const ssh = await engine.scanNow(hostRes.id);
    assert.match(ssh.status === 'inactive' ? ssh.message : '', /not allowed/);
    const attrs = JSON.parse((await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', hostRes.id).executeTakeFirstOrThrow()).attributes);
    assert.match(attrs.lastError, /not allowed/);
    // repository: ls-remote, then the clone of a commit it was told about (a webhook)
    await engine.pollNow(gitRepo.json().id);
    assert.match(await lastError(gitRepo.json().id) ?? '', /not allowed/);
    const pushed = await engine.repositoryPushed(gitRepo.json() as Target, 'b'.repeat(40));
    const clone = await engine.scanNow(pushed.resourceId);
    assert.match(clone.status === 'inactive' ? clone.message : '', /not allowed/);
    // root filesystem
    await engine.pollNow(rootfs.id);
    const fsRes = await ts.store.db.selectFrom('resources').select('id').where('target_id', '=', rootfs.id).executeTakeFirstOrThrow();
    const fsScan = await engine.scanNow(fsRes.id);
    assert.match(fsScan.status === 'inactive' ? fsScan.message : '', /not allowed/);

    assert.equal(listener.connections, 0, 'nothing was contacted');
    // the polls resolved again in this process (the SSH host is only reached by its scan, in the scan process)
    for (const name of ['reg.rebind.test', 'git.rebind.test']) assert.ok((asked.get(name) ?? 0) >= 2, `${name} was resolved again at connect time`);
  });
});

describe('with --allow-network the same errors do not tell a closed port from an open one', () => {
  test('SSH hosts and registries at a closed and at an open loopback port give one message', async () => {
    const ts = await sqliteTestStore();
    const queue = await openQueue(ts.store, { log: silentLogger() });
    const open = await recorder();
    try {
      const b = await bootstrap(ts.store);
      const engine = new Engine({ store: ts.store, queue, log: silentLogger(), policy: await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] }) });
      const closed = await closedPort();
      const messages: string[] = [];
      for (const port of [closed, open.port]) {
        const h = await createTarget(ts.store, { accountId: b!.delegatedAdmin.id, kind: 'host', name: `h${port}`, config: { mode: 'ssh', address: '127.0.0.1', port, username: 'root', password: 'x' }, policy: engine.policy }, new Date());
        await engine.pollNow(h.id);
        const r = await ts.store.db.selectFrom('resources').select('id').where('target_id', '=', h.id).executeTakeFirstOrThrow();
        const out = await engine.scanNow(r.id);
        assert.equal(out.status, 'inactive');
        messages.push((out.status === 'inactive' ? out.message : '').replace(String(port), 'PORT'));
        const reg = await createTarget(ts.store, { accountId: b!.delegatedAdmin.id, kind: 'registry', config: { url: `http://127.0.0.1:${port}`, pollSeconds: 0 }, policy: engine.policy }, new Date());
        await engine.pollNow(reg.id);
        const t = await ts.store.db.selectFrom('targets').select('last_error').where('id', '=', reg.id).executeTakeFirstOrThrow();
        messages.push((t.last_error ?? '').replaceAll(String(port), 'PORT'));
      }
      assert.equal(messages[0], messages[2], 'SSH: closed and open ports look the same');
      assert.equal(messages[1], messages[3], 'registry: closed and open ports look the same');
      assert.match(messages[0], /unreachable$/);
      assert.match(messages[1], /unreachable/);
      assert.ok(open.connections >= 2, 'the open port was really tried');
      engine.policy.close();
    } finally {
      await open.close();
      await queue.stop();
      await ts.cleanup();
    }
  });
});

describe('a registry may not send the client elsewhere', () => {
  test('token realms and blob redirects at refused addresses are refused, and never contacted', async () => {
    const elsewhere = await recorder('127.0.0.2');
    const registry = createHttpServer((q, s) => {
      if (q.url?.includes('/blobs/')) s.writeHead(307, { location: `http://127.0.0.2:${elsewhere.port}/blob` }).end();
      else s.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.2:${elsewhere.port}/token",service="r"` }).end();
    });
    await new Promise<void>((ok) => registry.listen(0, '127.0.0.1', ok));
    const port = (registry.address() as AddressInfo).port;
    try {
      const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.1/32'] });
      const client = new RegistryClient(`127.0.0.1:${port}`, { plainHttp: true, policy });
      await assert.rejects(client.headManifest('app', 'latest', 'app:latest'), (e: Error & { rule?: string }) => e.rule === 'not-allowed' && /not allowed: http:\/\/127\.0\.0\.2/.test(e.message));
      const blobs = new RegistryClient(`127.0.0.1:${port}`, { plainHttp: true, policy });
      await assert.rejects(blobs.openBlob('app', `sha256:${'c'.repeat(64)}`, undefined, 'blob'), (e: Error & { rule?: string }) => e.rule === 'not-allowed');
      assert.equal(elsewhere.connections, 0);
      policy.close();
    } finally {
      await new Promise<void>((ok) => registry.close(() => ok()));
      await elsewhere.close();
    }
  });
});

// ─── 4. git pinned to the checked address ───────────────────────────────────────────────────────

describe('git connects to the address the policy checked', () => {
  test('https (curl resolve list) and ssh (HostName) reach 127.0.0.1 for a name no DNS knows', async () => {
    const l = await recorder();
    const parent = await mkdtemp(join(tmpdir(), 'vigil-egress-git-'));
    try {
      const policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.1/32'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
      for (const url of [`https://git.pinned.invalid:${l.port}/x.git`, `ssh://git@git.pinned.invalid:${l.port}/x.git`]) {
        const before = l.connections;
        await assert.rejects(openGit(url, { policy, scratchParent: parent }), (e: Error & { rule?: string }) => {
          assert.equal(e.rule, 'unreachable', e.message);
          assert.equal(e.message, `${url}: unreachable`);
          return true;
        });
        assert.ok(l.connections > before, `${url}: git reached the pinned address`);
      }
      const deny = TargetPolicy.tenantDefault({ resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
      const before = l.connections;
      await assert.rejects(openGit(`https://git.pinned.invalid:${l.port}/x.git`, { policy: deny, scratchParent: parent }), (e: Error & { rule?: string }) => e.rule === 'not-allowed');
      await assert.rejects(openGit('file:///etc', { policy: deny, scratchParent: parent }), (e: Error & { rule?: string }) => e.rule === 'not-allowed');
      assert.equal(l.connections, before);
    } finally {
      await l.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});
