// Host reachability over real `nft -j list ruleset` and `iptables-save` output: each testdata/host
// directory holds the ruleset source (ruleset.nft or rules.sh) and what the tools printed for it
// in a throwaway network namespace (nftables 1.0.6, iptables 1.8.9 nf_tables, Debian 12).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VigilError } from '../../model/errors.ts';
import { analyzeDirectory, analyzeHost, openFromInternet, parseHostInputs, parseIptablesSave, parseNft, type NetworkFinding } from './index.ts';
import { formatPorts } from './ports.ts';

const DATA = join(import.meta.dirname, 'testdata', 'host');
const read = (p: string) => readFileSync(join(DATA, p), 'utf8');

function line(f: NetworkFinding): string {
  return `${f.resourceId} ${f.addressFamily} ${f.protocol} ${f.openPortRange.begin} from ${f.sources.join(',')}${f.sourcesExcept ? ` except ${f.sourcesExcept.join(',')}` : ''} [${f.listeners!.map((l) => `${l.address}:${l.process ?? '?'}`).join(' ')}]`;
}

test('nftables: open ports per family from a real ruleset (sets, ranges, saddr, ct state, lo, jump to a chain with a named set, reject, !=)', () => {
  const fw = parseNft(read('nft-basic/nft.json'));
  assert.deepEqual(fw.inputChains.map((c) => c.id), ['inet filter input']);
  const v4 = openFromInternet([fw], 'ipv4').total;
  const v6 = openFromInternet([fw], 'ipv6').total;
  // 5432 only from 10.0.0.0/8 (not the internet); 9000 goes to svc, which accepts only @allowed (10.0.0.1) and returns, then `tcp dport != 23 drop`
  assert.equal(formatPorts(v4.tcp ?? []), '22, 80, 443');
  assert.equal(formatPorts(v4.udp ?? []), '60000-61000');
  assert.equal(formatPorts(v4.icmp ?? []), '0-255');
  // `ip6 saddr ::/0 tcp dport 8443` is IPv6 only; `meta l4proto icmp` is not ICMPv6; `icmpv6 type {…}` by name
  assert.equal(formatPorts(v6.tcp ?? []), '22, 80, 443, 8443');
  assert.equal(formatPorts(v6.icmpv6 ?? []), '135-136');
  assert.deepEqual(fw.notes, []);
});

test('nftables host: findings say reachable and who listens; loopback, dropped and rejected sockets are not findings', async () => {
  const r = await analyzeDirectory(join(DATA, 'nft-basic'));
  assert.deepEqual(r.findings.map(line), [
    'web-1 ipv4 tcp 22 from 0.0.0.0/0 [0.0.0.0:sshd]',
    'web-1 ipv4 tcp 80 from 0.0.0.0/0 [:::nginx]',
    'web-1 ipv4 udp 60001 from 0.0.0.0/0 [0.0.0.0:mosh-server]',
    'web-1 ipv6 tcp 80 from ::/0 [:::nginx]',
    'web-1 ipv6 tcp 8443 from ::/0 [:::?]',
  ]);
  const ssh = r.findings[0];
  assert.deepEqual(ssh.networkPath.steps, [
    { componentId: 'nftables', componentType: 'Host::Firewall' },
    { componentId: 'inet filter input handle 9', componentType: 'Host::FirewallRule' },
    { componentId: 'tcp 0.0.0.0:22', componentType: 'Host::Socket' },
    { componentId: 'sshd[611]', componentType: 'Host::Process' },
  ]);
  assert.equal(ssh.explanation, 'tcp 22 on web-1 is reachable from 0.0.0.0/0 (accepted by inet filter input handle 9) and sshd on 0.0.0.0:22 listens there');
});

test('nftables: two tables at the input hook must both accept; unsupported matches lean towards reachable, with a note', async () => {
  const r = await analyzeDirectory(join(DATA, 'nft-inet-and-ip'), { hostName: 'edge-1' });
  const except = ' except 192.0.2.0/24,198.51.100.7/32';
  assert.deepEqual(r.findings.map(line), [
    `edge-1 ipv4 tcp 22 from 0.0.0.0/0${except} [10.0.0.5:sshd]`,
    `edge-1 ipv4 tcp 9100 from 0.0.0.0/0${except} [0.0.0.0:node_exporter]`,
    `edge-1 ipv4 udp 5353 from 0.0.0.0/0${except} [0.0.0.0:avahi-daemon]`,
    `edge-1 ipv4 udp 51820 from 0.0.0.0/0${except} [0.0.0.0:?]`,
    // 3061 on "::": IPv6 passes the inet table; IPv4 3000-3100 passes it too, but `ip guard` drops 3050-3200 (so does 3060 on 0.0.0.0)
    'edge-1 ipv6 tcp 3061 from ::/0 [:::node]',
  ]);
  assert.deepEqual(r.notes.map((n) => `${n.kind} ${n.componentId ?? ''}`), [
    'assumption ',
    'unsupported-rule inet filter input handle 10',
    'unsupported-rule inet filter input handle 9',
  ]);
  assert.match(r.notes[1].assumed!, /does not match/);
  assert.match(r.notes[2].assumed!, /matches \(reachable\)/);
});

test('iptables-save and ip6tables-save: multiport, ranges, -s, user chain with RETURN, ! --dport, REJECT, policies', async () => {
  const fw4 = parseIptablesSave(read('iptables-basic/iptables-save.txt'), 'ipv4');
  const o4 = openFromInternet([fw4], 'ipv4');
  // 9005 RETURNs from SVC to INPUT, where `! --dport 23 -j REJECT` takes it; 5432 only from 203.0.113.0/24
  assert.equal(formatPorts(o4.total.tcp ?? []), '22, 80, 443, 5432, 8000-8080, 9000-9004, 9006-9010');
  const r = await analyzeDirectory(join(DATA, 'iptables-basic'));
  assert.deepEqual(r.findings.map(line), [
    'host ipv4 tcp 22 from 0.0.0.0/0 [0.0.0.0:? :::?]',
    'host ipv4 tcp 5432 from 203.0.113.0/24 [0.0.0.0:?]',
    'host ipv4 tcp 9006 from 0.0.0.0/0 [0.0.0.0:?]',
    'host ipv4 udp 53 from 0.0.0.0/0 [0.0.0.0:?]',
    'host ipv6 tcp 22 from 2001:db8::/32 [:::?]',
  ]);
  assert.deepEqual(r.notes, []);
  assert.equal(formatPorts(o4.total.icmp ?? []), '8', '--icmp-type 8');
});

test('no firewall file: every family unfiltered, with a note; no listening.json: no findings, with a note', () => {
  const h = parseHostInputs({ 'listening.json': JSON.stringify([{ protocol: 'tcp', address: '0.0.0.0', port: 8080 }, { protocol: 'udp6', address: '::1', port: 53 }]) });
  const r = analyzeHost(h);
  assert.deepEqual(r.findings.map((f) => `${f.addressFamily} ${f.protocol} ${f.openPortRange.begin}`), ['ipv4 tcp 8080']);
  assert.equal(r.notes.filter((n) => n.kind === 'incomplete-input').length, 2);
  const r2 = analyzeHost(parseHostInputs({ 'nft.json': read('nft-basic/nft.json') }));
  assert.equal(r2.findings.length, 0);
  assert.ok(r2.notes.some((n) => n.input === 'listening.json'));
});

test('sad host inputs: errors name the file, the line and the rule', () => {
  assert.throws(() => parseNft('{"nftables": '), (e: unknown) => e instanceof VigilError && e.input === 'nft.json' && e.rule === 'not-json');
  assert.throws(() => parseNft('{"tables": []}'), (e: unknown) => e instanceof VigilError && e.rule === 'nft-json-shape');
  assert.throws(() => parseIptablesSave('-A INPUT -j ACCEPT\n', 'ipv4'), (e: unknown) => e instanceof VigilError && e.input === 'iptables-save.txt' && /iptables-save\.txt:1: /.test(e.message) && e.rule === 'iptables-save-shape');
  assert.throws(() => parseIptablesSave('*filter\n:INPUT DROP [0:0]\niptables -I INPUT -j ACCEPT\nCOMMIT\n', 'ipv4'), (e: unknown) => e instanceof VigilError && /:3: /.test(e.message));
  assert.throws(() => parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/40 -j ACCEPT\nCOMMIT\n', 'ipv4'), (e: unknown) => e instanceof VigilError && e.rule === 'cidr' && /line 3/.test(e.input ?? ''));
  assert.throws(() => parseHostInputs({ 'listening.json': '[{"protocol": "sctp", "address": "0.0.0.0", "port": 1}]' }), (e: unknown) => e instanceof VigilError && e.rule === 'listening-shape' && /0\.protocol/.test(e.message));
});

test('iptables: a jump to a missing chain is assumed to accept, with a note', () => {
  const fw = parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 7000 -j NOPE\nCOMMIT\n', 'ipv4');
  const o = openFromInternet([fw], 'ipv4');
  assert.equal(formatPorts(o.total.tcp ?? []), '7000');
  assert.match(fw.notes[0].message, /chain "NOPE" that is not in the ruleset/);
});

test('IPv6: a firewall that drops neighbour solicitations drops all IPv6, whatever its port rules say', () => {
  const rules = '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 443 -j ACCEPT\nCOMMIT\n';
  const fw = parseIptablesSave(rules, 'ipv6');
  assert.deepEqual(openFromInternet([fw], 'ipv6').total, {});
  assert.match(fw.notes[0].message, /neighbour solicitations \(type 135\)/);
  const withNd = parseIptablesSave(rules.replace('COMMIT', '-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT\nCOMMIT'), 'ipv6');
  assert.equal(formatPorts(openFromInternet([withNd], 'ipv6').total.tcp ?? []), '443');
});

/** One nft rule in `nft -j` shape, in an inet filter input chain with the given policy. */
function nftDoc(policy: 'accept' | 'drop', rules: unknown[][], extra: unknown[] = []): string {
  return JSON.stringify({ nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'filter', handle: 1 } },
    { chain: { family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy } },
    ...extra,
    ...rules.map((expr, i) => ({ rule: { family: 'inet', table: 'filter', chain: 'input', handle: 10 + i, expr } })),
  ] });
}
const dport = (proto: string, right: unknown, op = '==') => ({ match: { op, left: { payload: { protocol: proto, field: 'dport' } }, right } });

test('nftables shapes: th dport with l4proto, != sets, nfproto, goto, and an unevaluated jump followed both ways', () => {
  const blocklist = { chain: { family: 'inet', table: 'filter', name: 'blocklist', handle: 2 } };
  const fw = parseNft(nftDoc('drop', [
    [{ match: { op: '==', left: { meta: { key: 'l4proto' } }, right: { set: ['tcp', 'udp'] } } }, { match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: 53 } }, { accept: null }],
    [{ match: { op: '==', left: { meta: { key: 'nfproto' } }, right: 'ipv6' } }, dport('tcp', { set: [{ range: [8000, 8010] }, 9000] }), { accept: null }],
    [dport('udp', { set: [1, { range: [3, 65535] }] }, '!='), { accept: null }],
    // an interface the analysis cannot know: the jump is taken and not taken; blocklist drops all
    [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'wg0' } }, { jump: { target: 'blocklist' } }],
    [dport('tcp', 443), { goto: { target: 'blocklist' } }],
    [dport('tcp', 22), { accept: null }],
  ], [blocklist, { rule: { family: 'inet', table: 'filter', chain: 'blocklist', handle: 30, expr: [{ drop: null }] } }]));
  const v4 = openFromInternet([fw], 'ipv4').total;
  const v6 = openFromInternet([fw], 'ipv6').total;
  assert.equal(formatPorts(v4.tcp ?? []), '22, 53');
  assert.equal(formatPorts(v4.udp ?? []), '0, 2, 53');
  assert.equal(v6.tcp, undefined, 'IPv6 drops neighbour solicitations here: nothing over IPv6');
  assert.match(fw.notes.find((n) => n.componentId === 'inet filter input handle 13')!.assumed!, /both matches and does not/);
});
