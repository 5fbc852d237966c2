/**
 * The host branch of collectResource (engine/scan.ts) over a real sshd: the host resource's
 * attributes carry `listening` with process/pid, `firewall` {nft?, iptables?, ip6tables?,
 * collectedAt, notes?} and `instanceId` (absent here), the shape engine/network.ts reads.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { sqliteTestStore, type TestStore } from '../../test/helpers/stores.ts';
import { silentLogger } from '../log.ts';
import { TargetPolicy } from '../policy/index.ts';
import { bootstrap } from '../server/bootstrap.ts';
import { INSTANCE_ID_FILES, parseInstanceId } from '../sources/ssh/hostnet.ts';
import { sshdUnavailable, startSshd, type TestSshd } from '../sources/ssh/testutil.ts';
import { scanResource, type EngineContext } from './scan.ts';
import { analyzeHost, parseHostInputs } from '../detectors/network/index.ts';
import { ensureTargetResource } from './sources.ts';
import { createTarget } from './targets.ts';

describe('scanning an SSH host records what network reachability needs', { skip: sshdUnavailable() }, () => {
  let ts: TestStore;
  let d: TestSshd;
  before(async () => {
    ts = await sqliteTestStore();
    d = await startSshd();
  });
  after(async () => {
    await d?.stop();
    await ts?.cleanup();
  });

  test('listening with process and pid, firewall with collectedAt, a stale instanceId replaced', async () => {
    const clock = new Date('2026-03-01T10:00:00.000Z');
    const b = (await bootstrap(ts.store))!;
    const ctx: EngineContext = { store: ts.store, log: silentLogger(), now: () => clock, policy: TargetPolicy.operator() };
    const t = await createTarget(ts.store, { accountId: b.delegatedAdmin.id, kind: 'host', name: 'self', config: { mode: 'ssh', address: d.host, port: d.port, username: d.username, privateKey: d.clientKey, hostKeyFingerprint: d.hostKeyFingerprint } }, clock);
    // what an earlier collection left: an instance id this host no longer reports
    const id = await ensureTargetResource(ctx, t, { attributes: { instanceId: 'i-0123456789abcdef0' } });
    const out = await scanResource(ctx, id);
    assert.equal(out.status, 'recorded', JSON.stringify(out));
    const a = JSON.parse((await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', id).executeTakeFirstOrThrow()).attributes);
    assert.equal(a.collectedBy, 'ssh');
    const mine = a.listening.find((l: { port: number; address: string }) => l.port === d.port && l.address === '127.0.0.1');
    assert.deepEqual({ process: mine.process, pid: mine.pid }, { process: 'sshd', pid: d.pid });
    assert.equal(a.firewall.collectedAt, clock.toISOString());
    assert.deepEqual(Object.keys(a.firewall).filter((k) => !['nft', 'iptables', 'ip6tables', 'collectedAt', 'notes'].includes(k)), []);
    assert.ok(typeof a.firewall.nft === 'string' || a.firewall.notes.some((n: string) => n.startsWith('nft ')), JSON.stringify(a.firewall).slice(0, 500));
    // this machine's own id when it is an EC2 instance; otherwise the stale one is gone
    const files = await Promise.all(INSTANCE_ID_FILES.map((f) => readFile('/' + f, 'utf8').catch(() => undefined)));
    assert.equal(a.instanceId, parseInstanceId(files[0], files[1]));

    // (issue 16) the scan went on to the host's network findings: exactly what the host analysis of
    // these attributes finds (no topology maps this host, so the host firewall and sockets alone)
    const hostFiles: Record<string, string> = { 'listening.json': JSON.stringify(a.listening) };
    if (a.firewall.nft) hostFiles['nft.json'] = a.firewall.nft;
    if (a.firewall.iptables) hostFiles['iptables-save.txt'] = a.firewall.iptables;
    if (a.firewall.ip6tables) hostFiles['ip6tables-save.txt'] = a.firewall.ip6tables;
    const expected = analyzeHost(parseHostInputs(hostFiles as never), { hostName: 'self' }).findings;
    const stored = await ts.store.db.selectFrom('findings').select(['package_location', 'details', 'status']).where('resource_id', '=', id).where('type', '=', 'network_reachability').execute();
    assert.deepEqual(stored.map((f) => f.package_location).sort(), expected.map((f) => f.key).sort());
    for (const f of stored) assert.equal(JSON.parse(f.details).networkReachability.source, 'host');
    assert.ok(!expected.some((f) => f.listeners?.some((l) => l.address === '127.0.0.1')), 'loopback sockets (this sshd) are never reachable');
    const after = JSON.parse((await ts.store.db.selectFrom('resources').select('attributes').where('id', '=', id).executeTakeFirstOrThrow()).attributes);
    if (expected.length === 0) assert.deepEqual([after.reachability.internet, after.reachability.source], [false, 'host-firewall']);
    else assert.equal(after.reachability, undefined, 'open sockets but no topology: whether the internet reaches the host is not known');
  });
});
