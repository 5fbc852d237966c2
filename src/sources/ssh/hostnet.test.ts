/**
 * hostnet.ts (firewall texts, socket owners, instance id) and the parts of the snapshot script that
 * gather them, run locally with `sh -s` — with fake nft/iptables-save/ip6tables-save first on PATH
 * for the caps and failures, and with the real ones for the texts (whose output must parse with
 * src/detectors/network's parsers). The same over a real sshd is in ssh.test.ts.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openFromInternet, parseIptablesSave, parseNft, ports } from '../../detectors/network/index.ts';
import { HOW, needsAll } from '../../../test/helpers/prereq.ts';
import { FIREWALL_MAX_BYTES, cleanProcessName, firewallOf, parseInstanceId, parseOwnerLines, withOwners, type FirewallRun } from './hostnet.ts';
import { parseScriptOutput, snapshotScript } from './remote.ts';

const NFT_EMPTY = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}\n';

describe('firewallOf', () => {
  it('keeps what ran well and notes every other case', () => {
    const runs: FirewallRun[] = [
      { name: 'nft', stdout: NFT_EMPTY, exit: 0 },
      { name: 'iptables', stdout: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', exit: 0 },
      { name: 'ip6tables', missing: true },
    ];
    assert.deepEqual(firewallOf(runs, { root: true }), { nft: NFT_EMPTY, iptables: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', notes: ['ip6tables-save: command not found on the host'] });
  });

  it('leaves out too large, failed, cut short, non-JSON and binary output, saying why', () => {
    const fw = firewallOf([
      { name: 'nft', stdout: '{"nftables": [', exit: 0 },
      { name: 'iptables', stdout: '*filter\n' + 'x'.repeat(FIREWALL_MAX_BYTES), exit: 0 },
      { name: 'ip6tables', stdout: '*filter\n', exit: 1 },
    ], { root: false });
    assert.equal(fw.nft, undefined);
    assert.equal(fw.iptables, undefined);
    assert.equal(fw.ip6tables, undefined);
    assert.deepEqual(fw.notes, [
      'nft -j list ruleset: the output is not nft\'s JSON ({"nftables": [...]}); left out',
      `iptables-save: printed more than ${FIREWALL_MAX_BYTES} bytes; left out`,
      'ip6tables-save: exited 1: not root and no passwordless sudo (sudo -n); reading the firewall needs root; left out',
    ]);
    // exactly the cap is kept; multi-byte characters count as bytes
    assert.equal(firewallOf([{ name: 'iptables', stdout: '*' + 'x'.repeat(FIREWALL_MAX_BYTES - 1), exit: 0 }], { root: true }).iptables?.length, FIREWALL_MAX_BYTES);
    assert.equal(firewallOf([{ name: 'iptables', stdout: '*' + 'é'.repeat(FIREWALL_MAX_BYTES / 2), exit: 0 }], { root: true }).iptables, undefined);
    // no table loaded: iptables-save prints nothing or only comments, which is "nothing filters", not a text to parse
    assert.deepEqual(firewallOf([{ name: 'iptables', stdout: '', exit: 0 }, { name: 'ip6tables', stdout: '# Warning: iptables-legacy tables present\n', exit: 0 }], { root: true }).notes?.slice(1), [
      'iptables-save: printed no table (no iptables rules loaded)', 'ip6tables-save: printed no table (no ip6tables rules loaded)',
    ]);
    const other = firewallOf([
      { name: 'nft', stdout: NFT_EMPTY },
      { name: 'iptables', stdout: '*filter\0', exit: 0 },
      { name: 'ip6tables', exit: null },
    ], { root: true });
    assert.deepEqual(other.notes, [
      'nft -j list ruleset: the output was cut short (no exit status); left out',
      'iptables-save: the output holds NUL bytes (not text); left out',
      'ip6tables-save: killed; left out',
    ]);
    assert.deepEqual(firewallOf([], { root: true }).notes?.length, 3, 'a command never reported is noted too');
  });
});

describe('parseInstanceId', () => {
  it('takes the DMI asset tag, else cloud-init\'s file, only when it is an instance id', () => {
    assert.equal(parseInstanceId('i-0123456789abcdef0\n', 'i-11111111'), 'i-0123456789abcdef0');
    assert.equal(parseInstanceId('Not Specified\n', 'i-0abc1234\n'), 'i-0abc1234');
    assert.equal(parseInstanceId(undefined, 'i-0abc1234'), 'i-0abc1234');
    assert.equal(parseInstanceId('  i-deadbeef  ', undefined), 'i-deadbeef');
    for (const bad of ['i-0123', 'i-0123456789abcdef01', 'I-0123456789ABCDEF0', 'i-0123456789abcdeg0', 'i-01234567\ni-89abcdef', 'ami-01234567', '', 'i-01234567'.padEnd(300, ' ') + 'x']) {
      assert.equal(parseInstanceId(bad, bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseInstanceId(null, null), undefined);
  });
});

describe('socket owners', () => {
  it('parses "pid inode comm" lines, dropping malformed ones and cleaning names', () => {
    const text = ['812 4106 postgres', '9 77 nginx: master', '1 5 ', 'x 5 bad', '0 5 zero-pid', '99999999 5 too-big-pid', '3 0 zero-inode', '4 12345678901234567890 huge', '5 6 \u001b[31mred\u0007', '6 7 ' + 'n'.repeat(100), ''].join('\n');
    assert.deepEqual(parseOwnerLines(text), [
      { pid: 812, inode: 4106, process: 'postgres' },
      { pid: 9, inode: 77, process: 'nginx: master' },
      { pid: 1, inode: 5 },
      { pid: 5, inode: 6, process: '[31mred' },
      { pid: 6, inode: 7, process: 'n'.repeat(64) },
    ]);
    assert.equal(parseOwnerLines('1 2 a\n3 4 b\n', 1).length, 1, 'at most max lines');
    assert.equal(cleanProcessName('\n'), undefined);
    assert.equal(cleanProcessName('sshd\n'), 'sshd');
  });

  it('names each listening socket after the lowest pid holding it; other inodes change nothing', () => {
    const sockets = [
      { protocol: 'tcp' as const, address: '0.0.0.0', port: 80, inode: 10 },
      { protocol: 'tcp6' as const, address: '::', port: 80, inode: 11 },
      { protocol: 'udp' as const, address: '0.0.0.0', port: 53, inode: 12 },
      { protocol: 'udp' as const, address: '0.0.0.0', port: 54 },
    ];
    const out = withOwners(sockets, [{ pid: 30, inode: 10, process: 'nginx' }, { pid: 20, inode: 10, process: 'nginx' }, { pid: 31, inode: 11 }, { pid: 5, inode: 99, process: 'other' }]);
    assert.deepEqual(out, [
      { protocol: 'tcp', address: '0.0.0.0', port: 80, inode: 10, pid: 20, process: 'nginx' },
      { protocol: 'tcp6', address: '::', port: 80, inode: 11, pid: 31 },
      { protocol: 'udp', address: '0.0.0.0', port: 53, inode: 12 },
      { protocol: 'udp', address: '0.0.0.0', port: 54 },
    ]);
    assert.equal(sockets[0].inode, 10);
    assert.ok(!('pid' in sockets[0]), 'the input is not modified');
  });
});

const nonce = '0123456789abcdef01234567';
function runScript(env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('sh', ['-s'], { input: snapshotScript(nonce, 'list'), env, maxBuffer: 256 * 1024 * 1024 });
  return parseScriptOutput(r.stderr.toString('utf8'), nonce);
}

const asRoot = needsAll([['root', process.getuid?.() === 0, 'the firewall and /proc/<pid>/fd of other users need root']]);

describe('the snapshot script, run here', { skip: asRoot }, () => {
  let fake: string;
  before(async () => {
    fake = await mkdtemp(join(tmpdir(), 'vigil-fakefw-'));
    // an nft that prints 5 MiB, an iptables-save that fails, no ip6tables-save anywhere on PATH
    await writeFile(join(fake, 'nft'), `#!/bin/sh\nhead -c ${5 * 1024 * 1024} /dev/zero | tr '\\0' x\n`);
    await writeFile(join(fake, 'iptables-save'), '#!/bin/sh\necho "iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)" >&2\nexit 4\n');
    await chmod(join(fake, 'nft'), 0o755);
    await chmod(join(fake, 'iptables-save'), 0o755);
  });
  after(async () => {
    if (fake) await rm(fake, { recursive: true, force: true });
  });

  it('prints this machine\'s firewall, which the network parsers read; names the sockets\' processes', () => {
    const out = runScript();
    assert.ok(out.complete);
    assert.deepEqual(out.who, { uid: 0, sudo: false });
    const fw = firewallOf(out.firewall, { root: true });
    for (const [name, bin] of [['nft', 'nft'], ['iptables', 'iptables-save'], ['ip6tables', 'ip6tables-save']] as const) {
      const there = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].some((d) => existsSync(join(d, bin)));
      if (!there) {
        assert.ok(fw.notes?.some((n) => n.startsWith(`${bin}`) && /not found/.test(n)), JSON.stringify(fw.notes));
        continue;
      }
      const direct = spawnSync(bin, name === 'nft' ? ['-j', 'list', 'ruleset'] : [], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (direct.status !== 0) continue;
      // iptables-save stamps its output with the time
      const unstamped = (t: string | undefined) => t?.replace(/^# (Generated|Completed) .*$/gm, '');
      if (name !== 'nft' && !/^\*/m.test(direct.stdout)) assert.ok(fw.notes?.includes(`${bin}: printed no table (no ${name} rules loaded)`), JSON.stringify(fw.notes));
      else assert.equal(unstamped(fw[name]), unstamped(direct.stdout), `${bin}: the text as the command prints it`);
    }
    if (fw.nft !== undefined) assert.equal(parseNft(fw.nft).kind, 'nftables');
    if (fw.iptables !== undefined) assert.ok(parseIptablesSave(fw.iptables, 'ipv4'));
    if (fw.ip6tables !== undefined) assert.ok(parseIptablesSave(fw.ip6tables, 'ipv6'));
    // this test's own process holds no listening socket, but the awk ran and every line is well-formed
    assert.ok(out.procs && out.procs.pids > 0, JSON.stringify(out.procs));
    const lines = out.procs.lines.split('\n').filter(Boolean);
    assert.equal(parseOwnerLines(out.procs.lines).length, lines.length, out.procs.lines);
  });

  it('caps a firewall text at 4 MiB + 1 byte on the host and leaves it out with a note; failures are notes', () => {
    const out = runScript({ ...process.env, PATH: `${fake}:/usr/bin:/bin` });
    const nft = out.firewall.find((r) => r.name === 'nft')!;
    assert.equal(Buffer.byteLength(nft.stdout ?? ''), FIREWALL_MAX_BYTES + 1, 'head -c stopped it');
    const fw = firewallOf(out.firewall, { root: true });
    assert.equal(fw.nft, undefined);
    assert.equal(fw.iptables, undefined);
    assert.match(fw.notes![0], /^nft -j list ruleset: printed more than 4194304 bytes; left out$/);
    assert.match(fw.notes![1], /^iptables-save: exited 4; left out$/);
    // ip6tables-save: the real one in /usr/sbin is still found (PATH first, then the sbin directories)
    assert.ok(fw.notes!.slice(2).every((n) => n.startsWith('ip6tables-save: ')), JSON.stringify(fw.notes));
  });
});

/** The script in a fresh network namespace (unshare --net) after `setup` loaded a ruleset there. */
function runInNetns(setup: string) {
  const r = spawnSync('unshare', ['--net', 'sh', '-c', `${setup} && exec sh -s`], { input: snapshotScript(nonce, 'list'), maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr.toString().slice(-2000));
  return firewallOf(parseScriptOutput(r.stderr.toString('utf8'), nonce).firewall, { root: true });
}

const netnsMissing = asRoot || needsAll([
  ['nft', existsSync('/usr/sbin/nft'), HOW.apt('nftables')],
  ['iptables-save', existsSync('/usr/sbin/iptables-save'), HOW.apt('iptables')],
  ['unshare', existsSync('/usr/bin/unshare'), HOW.apt('util-linux')],
]);

describe('the snapshot script in a network namespace with a ruleset', { skip: netnsMissing }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-nft-'));
    await writeFile(join(dir, 'r.nft'), 'table inet vigiltest {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    ct state established,related accept\n    iifname "lo" accept\n    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n    tcp dport 22 accept\n  }\n}\n');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const open = (fw: ReturnType<typeof parseNft>, family: 'ipv4' | 'ipv6', port: number) => ports.overlaps(openFromInternet([fw], family).total.tcp ?? [], ports.range(port, port));

  it('nftables: the JSON names the table and analyses as "22 open, the rest dropped"', () => {
    const fw = runInNetns(`nft -f ${join(dir, 'r.nft')}`);
    assert.match(fw.nft ?? '', /"vigiltest"/);
    const parsed = parseNft(fw.nft!);
    assert.equal(open(parsed, 'ipv4', 22), true);
    assert.equal(open(parsed, 'ipv6', 22), true);
    assert.equal(open(parsed, 'ipv4', 8080), false);
  });

  it('iptables-save / ip6tables-save: policies and rules per family', () => {
    const fw = runInNetns('iptables -P INPUT DROP && iptables -A INPUT -p tcp --dport 8080 -j ACCEPT && ip6tables -P INPUT DROP');
    assert.match(fw.iptables ?? '', /^-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT$/m);
    const v4 = parseIptablesSave(fw.iptables!, 'ipv4');
    const v6 = parseIptablesSave(fw.ip6tables!, 'ipv6');
    assert.equal(open(v4, 'ipv4', 8080), true);
    assert.equal(open(v4, 'ipv4', 22), false);
    assert.equal(open(v6, 'ipv6', 8080), false);
  });
});
