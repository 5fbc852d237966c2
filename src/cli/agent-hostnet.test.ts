/**
 * `vigil agent`'s network collection (firewall, sockets' processes, instance id) against what the
 * SSH source collects from the same machine over a real sshd, and POST /v1/agent/report: the
 * server takes these fields into the host's attributes in the shape engine/network.ts reads, and
 * refuses oversized or ill-shaped ones with a 400 naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { Engine } from '../engine/index.ts';
import { openQueue, type JobQueue } from '../engine/queue/index.ts';
import { silentLogger } from '../log.ts';
import { buildServer, type VigilServer } from '../server/app.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { FIREWALL_MAX_BYTES, openSshHost } from '../sources/ssh/index.ts';
import { sshdUnavailable, startSshd, type TestSshd } from '../sources/ssh/testutil.ts';
import { collectAgentReport, collectFirewall, collectHostNetwork } from './agent.ts';

const unavailable = sshdUnavailable();

describe('agent network collection = SSH collection of the same host', { skip: unavailable }, () => {
  let d: TestSshd;
  before(async () => {
    d = await startSshd();
  });
  after(async () => {
    await d?.stop();
  });

  test('the same firewall texts and notes, the same socket owners, the same instance id', async () => {
    const [agent, ssh] = await Promise.all([collectHostNetwork('/'), openSshHost({ host: d.host, port: d.port, username: d.username, privateKey: d.clientKey })]);
    const { collectedAt, ...fw } = agent.firewall;
    assert.ok(!Number.isNaN(Date.parse(collectedAt)));
    const unstamped = (x: object) => JSON.parse(JSON.stringify(x).replace(/# (Generated|Completed) [^\\]*\\n/g, ''));
    assert.deepEqual(unstamped(fw), unstamped(ssh.firewall));
    assert.equal(agent.instanceId, ssh.instanceId);
    const mine = agent.listening.find((l) => l.protocol === 'tcp' && l.address === '127.0.0.1' && l.port === d.port);
    assert.deepEqual({ process: mine?.process, pid: mine?.pid }, { process: 'sshd', pid: d.pid });
    // sockets present in both snapshots (the machine's own services) have the same owners
    const key = (l: { protocol: string; address: string; port: number; inode?: number }) => `${l.protocol} ${l.address}:${l.port} ${l.inode}`;
    const bySsh = new Map(ssh.listening.map((l) => [key(l), l]));
    let compared = 0;
    for (const l of agent.listening) {
      const o = bySsh.get(key(l));
      if (!o) continue;
      compared++;
      assert.deepEqual({ process: l.process, pid: l.pid }, { process: o.process, pid: o.pid }, key(l));
    }
    assert.ok(compared > 0);
  });

  test('another root than / reads its /proc and files but runs no firewall command', async () => {
    assert.deepEqual(await collectFirewall('/nonexistent-root'), { notes: ['not collected: --root /nonexistent-root is not the running system\'s root'] });
  });
});

describe('POST /v1/agent/report: firewall, instanceId, processes', () => {
  let ts: TestStore;
  let app: VigilServer;
  let queue: JobQueue;
  let key: string;
  before(async () => {
    ts = await sqliteTestStore();
    key = (await bootstrap(ts.store))!.key;
    queue = await openQueue(ts.store, { log: silentLogger() });
    const engine = new Engine({ store: ts.store, queue, log: silentLogger() });
    app = await buildServer({ store: ts.store, log: silentLogger(), config: { defaultMetrics: false }, engine });
  });
  after(async () => {
    await app?.close();
    await queue?.stop();
    await ts?.cleanup();
  });
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/agent/report', headers: { authorization: `Bearer ${key}` }, payload });
  const base = { hostname: 'net-1', packages: [] };

  test('refuses oversized and ill-shaped fields with 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ firewall: { nft: 'x'.repeat(FIREWALL_MAX_BYTES + 1) } }, 'firewall.nft'],
      // 4 MiB of characters but more bytes
      [{ firewall: { iptables: 'é'.repeat(FIREWALL_MAX_BYTES / 2 + 1) } }, 'firewall.iptables'],
      [{ firewall: { ip6tables: 42 } }, 'firewall.ip6tables'],
      [{ firewall: { nft: '{}', rules: [] } }, 'firewall.rules'],
      [{ firewall: { collectedAt: 'yesterday' } }, 'firewall.collectedAt'],
      [{ firewall: 'nft' }, 'firewall'],
      [{ instanceId: 'i-xyz' }, 'instanceId'],
      [{ instanceId: 'i-0123456789abcdef0; rm -rf /' }, 'instanceId'],
      [{ listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'p'.repeat(65) }] }, 'listening.0.process'],
      [{ listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, pid: -1 }] }, 'listening.0.pid'],
    ];
    for (const [extra, field] of cases) {
      const r = await post({ ...base, ...extra });
      assert.equal(r.statusCode, 400, `${field}: ${r.body.slice(0, 300)}`);
      const e = r.json().error;
      assert.equal(e.details.issues[0].field, field, r.body.slice(0, 500));
      assert.ok(e.message.includes(`"${field}"`), e.message.slice(0, 300));
    }
  });

  test('records them in the attributes engine/network.ts reads; a later report without an instance id drops it', async () => {
    const report = await collectAgentReport('/', 'net-1');
    const nft = '{"nftables": [{"metainfo": {"json_schema_version": 1}}]}';
    const r = await post({ ...report, firewall: { nft, notes: ['iptables-save: command not found on the host'], collectedAt: '2026-03-01T10:00:00.000Z' }, instanceId: 'i-0123456789abcdef0', listening: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, uid: 0, inode: 7, process: 'sshd', pid: 100 }] });
    assert.equal(r.statusCode, 200, r.body.slice(0, 500));
    const attrs = async () => JSON.parse((await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', r.json().resourceId).executeTakeFirstOrThrow()).attributes);
    const a = await attrs();
    assert.deepEqual(a.firewall, { nft, collectedAt: '2026-03-01T10:00:00.000Z', notes: ['iptables-save: command not found on the host'] });
    assert.equal(a.instanceId, 'i-0123456789abcdef0');
    assert.deepEqual(a.listening, [{ protocol: 'tcp', address: '0.0.0.0', port: 22, uid: 0, inode: 7, process: 'sshd', pid: 100 }]);
    // what the agent itself collected passes the server's schema as it is
    const again = await post(report);
    assert.equal(again.statusCode, 200, again.body.slice(0, 500));
    const b = await attrs();
    assert.equal(b.instanceId, report.instanceId);
    assert.deepEqual(b.firewall, report.firewall);
  });
});
