/**
 * The host-firewall analysis against the kernel: for each ruleset in src/detectors/network/testdata/host,
 * a lab of two network namespaces joined by a veth pair (no traffic leaves the machine) — "srv"
 * with the ruleset loaded and a dual-stack TCP listener on every probed port, "pub" with public
 * (documentation) addresses — and a real TCP connection from "pub" to each port over IPv4 and
 * IPv6. The analysis reads what the tools print in "srv" (`nft -j list ruleset`,
 * `iptables-save`, `ip6tables-save`) and its socket tables (/proc/net/tcp, tcp6); a connection
 * must succeed exactly when the analysis reports a finding for that port, family and source.
 *
 * Needs root (CAP_NET_ADMIN), `ip`, `nft` and `iptables` (Debian: nftables, iptables); skipped
 * with the reason otherwise.
 */
import { HOW, needs, needsAll, onPath } from './helpers/prereq.ts';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCidr } from '../src/detectors/network/addr.ts';
import { analyzeHost, parseHostInputs, type HostFileName } from '../src/detectors/network/index.ts';
import { parseProcNet } from '../src/sources/ssh/index.ts';

const HOST = join(import.meta.dirname, '..', 'src', 'detectors', 'network', 'testdata', 'host');
const PORTS = [22, 23, 25, 80, 443, 3000, 3049, 3050, 3060, 3061, 5432, 8000, 8443, 9000, 9005, 9006, 9100];
const SRV4 = '203.0.113.1';
const PUB4 = '198.51.100.2';
const SRV6 = '2001:db8:1::1';
const PUB6 = '2001:db8:2::2';
const tag = `${process.pid % 100000}`;

function sh(cmd: string, input?: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Why the lab cannot run (CI=true: a missing prerequisite fails instead, test/helpers/prereq.ts). */
function why(): string | false {
  const r = needsAll([
    ['Linux', process.platform === 'linux', 'network namespaces are Linux only'],
    ['root', process.getuid?.() === 0, 'run the tests as root (network namespaces)'],
    ...(['ip', 'nft', 'iptables-save'].map((t): [string, unknown, string] => [t, onPath(t), HOW.apt(t === 'ip' ? 'iproute2' : t === 'nft' ? 'nftables' : 'iptables')])),
  ]);
  if (r) return r;
  try {
    sh(`ip netns add vlab-probe-${tag} && ip netns del vlab-probe-${tag}`);
  } catch (err) {
    return needs('network namespaces', false, `cannot create one: ${(err as Error).message.split('\n')[0]}`);
  }
  return false;
}
const skip = why();

const made: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill();
  for (const ns of made) try { sh(`ip netns del ${ns}`); } catch { /* already gone */ }
});

/** Two namespaces, srv (eth1: 203.0.113.1, 2001:db8:1::1) and pub (eth0: 198.51.100.2, 2001:db8:2::2). */
function lab(name: string): { srv: string; pub: string } {
  const srv = `vlab-${name}-s-${tag}`;
  const pub = `vlab-${name}-p-${tag}`;
  sh(`ip netns add ${srv}`);
  made.push(srv);
  sh(`ip netns add ${pub}`);
  made.push(pub);
  sh([
    `ip link add eth1 netns ${srv} type veth peer name eth0 netns ${pub}`,
    `ip -n ${srv} link set lo up`, `ip -n ${pub} link set lo up`,
    // no duplicate address detection: addresses are usable at once, not "tentative" for a second or two
    `ip netns exec ${srv} sysctl -qw net.ipv6.conf.eth1.accept_dad=0`, `ip netns exec ${pub} sysctl -qw net.ipv6.conf.eth0.accept_dad=0`,
    `ip -n ${srv} addr add ${SRV4}/24 dev eth1`, `ip -n ${pub} addr add ${PUB4}/24 dev eth0`,
    `ip -n ${srv} addr add ${SRV6}/64 dev eth1 nodad`, `ip -n ${pub} addr add ${PUB6}/64 dev eth0 nodad`,
    `ip -n ${srv} link set eth1 up`, `ip -n ${pub} link set eth0 up`,
    `ip -n ${srv} route add 198.51.100.0/24 dev eth1`, `ip -n ${pub} route add 203.0.113.0/24 dev eth0`,
    `ip -n ${srv} -6 route add 2001:db8:2::/64 dev eth1`, `ip -n ${pub} -6 route add 2001:db8:1::/64 dev eth0`,
  ].join(' && '));
  return { srv, pub };
}

/** A dual-stack listener ("::", not v6-only) on every port, in srv; resolves when all listen. */
async function listen(srv: string): Promise<void> {
  const code = `const net=require('net');let n=0;for(const p of ${JSON.stringify(PORTS)}){net.createServer(s=>s.destroy()).listen({port:p,host:'::',ipv6Only:false},()=>{if(++n===${PORTS.length})console.log('ready')})}`;
  const child = spawn('ip', ['netns', 'exec', srv, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.on('exit', (c) => reject(new Error(`listener exited with ${c}`)));
  });
}

/** Which ports accept a TCP connection from pub, per family (a drop times out, a reject fails fast). */
function probe(pub: string): Record<'ipv4' | 'ipv6', number[]> {
  const code = `const net=require('net');const r={ipv4:[],ipv6:[]};let left=${PORTS.length * 2};
for(const [fam,host] of [['ipv4','${SRV4}'],['ipv6','${SRV6}']])for(const p of ${JSON.stringify(PORTS)}){const s=net.connect({host,port:p});
const done=ok=>{if(s.done)return;s.done=1;s.destroy();if(ok)r[fam].push(p);if(--left===0){for(const f in r)r[f].sort((a,b)=>a-b);console.log(JSON.stringify(r))}};
s.setTimeout(400,()=>done(false));s.on('connect',()=>done(true));s.on('error',()=>done(false))}`;
  return JSON.parse(sh(`ip netns exec ${pub} ${process.execPath} -e "$(cat)"`, code));
}

/** What the analysis says pub reaches: ports with a finding whose sources hold pub's address. */
function analysed(files: Partial<Record<HostFileName, string>>, srv: string): Record<'ipv4' | 'ipv6', number[]> {
  const sockets = (['tcp', 'tcp6'] as const).flatMap((p) => parseProcNet(p, sh(`ip netns exec ${srv} cat /proc/net/${p}`)).sockets);
  const r = analyzeHost(parseHostInputs({ ...files, 'listening.json': JSON.stringify(sockets) }));
  const out: Record<'ipv4' | 'ipv6', number[]> = { ipv4: [], ipv6: [] };
  for (const f of r.findings) {
    if (f.protocol !== 'tcp') continue;
    const client = parseCidr(f.addressFamily === 'ipv4' ? PUB4 : PUB6, 'lab').interval[0];
    const within = (cidrs: string[] | undefined) => (cidrs ?? []).some((c) => { const i = parseCidr(c, 'lab').interval; return i[0] <= client && client <= i[1]; });
    if (within(f.sources) && !within(f.sourcesExcept)) out[f.addressFamily].push(f.openPortRange.begin);
  }
  out.ipv4.sort((a, b) => a - b);
  out.ipv6.sort((a, b) => a - b);
  return out;
}

for (const name of ['nft-basic', 'nft-inet-and-ip']) {
  test(`lab ${name}: real connections agree with the analysis of \`nft -j list ruleset\``, { skip }, async () => {
    const { srv, pub } = lab(name);
    sh(`ip netns exec ${srv} nft -f -`, readFileSync(join(HOST, name, 'ruleset.nft'), 'utf8'));
    await listen(srv);
    const files = { 'nft.json': sh(`ip netns exec ${srv} nft -j list ruleset`) };
    const real = probe(pub);
    assert.deepEqual(analysed(files, srv), real);
    assert.ok(real.ipv4.length > 0 && real.ipv4.length < PORTS.length, `some ports open, some closed: ${JSON.stringify(real)}`);
  });
}

test('lab iptables-basic: real connections agree with the analysis of iptables-save and ip6tables-save', { skip }, async () => {
  const { srv, pub } = lab('ipt');
  sh(`ip netns exec ${srv} sh -e -`, readFileSync(join(HOST, 'iptables-basic', 'rules.sh'), 'utf8'));
  await listen(srv);
  const files = { 'iptables-save.txt': sh(`ip netns exec ${srv} iptables-save`), 'ip6tables-save.txt': sh(`ip netns exec ${srv} ip6tables-save`) };
  const real = probe(pub);
  assert.deepEqual(analysed(files, srv), real);
  assert.ok(real.ipv4.length > 0 && real.ipv6.length > 0, JSON.stringify(real));
});
