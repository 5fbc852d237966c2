import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { OS_RELEASE_PATHS } from '../../extractors/os/index.ts';
import { formatIPv6, isBigEndianMachine, parseEndpoint, parseProcNet, type SocketProtocol } from './proc-net.ts';
import { HOST_FILES, isWantedPath, parseScriptOutput, snapshotScript } from './remote.ts';
import { HOW, needsNow } from '../../../test/helpers/prereq.ts';

// lines as a Linux 6.1 x86_64 kernel prints them (trailing blanks kept)
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 6600 1 0000000053010f53 100 0 0 10 0                      
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10016 1 0000000062925482 100 0 0 10 0                     
   2: 0100007F:0016 0100007F:D2F0 01 00000000:00000000 02:000A3A2B 00000000     0        0 44211 2 00000000a1b2c3d4 20 4 30 10 -1                    
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1111 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6530 1 00000000186ece46 100 0 0 10 0
   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4621 1 00000000c8aff3c9 100 0 0 10 0
   2: 000080FE00000000FF0B02003CF5FEFE:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4622 1 00000000c8aff3c9 100 0 0 10 0
   3: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4623 1 00000000c8aff3c9 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
  101: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1234 2 0000000000000000 0          
  102: 0100007F:0035 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1235 2 0000000000000000 0          
`;

describe('parseProcNet', () => {
  it('reads listening TCP sockets, little-endian addresses and ports', () => {
    const { sockets, problems } = parseProcNet('tcp', TCP);
    assert.deepEqual(problems, []);
    assert.deepEqual(sockets, [
      { protocol: 'tcp', address: '127.0.0.1', port: 1883, uid: 105, inode: 6600 },
      { protocol: 'tcp', address: '0.0.0.0', port: 22, uid: 0, inode: 10016 },
    ]);
  });

  it('reads IPv6 words in host order and writes RFC 5952 text', () => {
    const { sockets } = parseProcNet('tcp6', TCP6);
    assert.deepEqual(
      sockets.map((s) => `${s.address} ${s.port}`),
      ['::1 4369', ':: 80', 'fe80::2:bff:fefe:f53c 443', '::ffff:127.0.0.1 8080'],
    );
  });

  it('keeps unconnected bound UDP sockets only', () => {
    assert.deepEqual(parseProcNet('udp', UDP).sockets, [{ protocol: 'udp', address: '0.0.0.0', port: 68, uid: 0, inode: 1234 }]);
  });

  it('reads big-endian tables (s390x) when told', () => {
    assert.deepEqual(parseEndpoint('7F000001:0016', false, false), { address: '127.0.0.1', port: 22 });
    assert.deepEqual(parseEndpoint('00000000000000000000000000000001:0016', true, false), { address: '::1', port: 22 });
    assert.equal(isBigEndianMachine('s390x'), true);
    assert.equal(isBigEndianMachine('x86_64'), false);
    assert.equal(isBigEndianMachine('ppc64le'), false);
  });

  it('records malformed lines and goes on', () => {
    const { sockets, problems } = parseProcNet('tcp', `${TCP}garbage here\n   9: ZZ:0016 00000000:0000 0A 0 0 0 0 0 1\n`);
    assert.equal(sockets.length, 2);
    assert.deepEqual(problems.map((p) => p.line), [5, 6]);
    assert.match(problems[1].message, /bad local address/);
    assert.equal(parseProcNet('tcp', '').sockets.length, 0);
  });

  it('formats IPv6 edge cases', () => {
    const b = (hex: string) => hex.match(/../g)!.map((x) => parseInt(x, 16));
    assert.equal(formatIPv6(b('00000000000000000000000000000000')), '::');
    assert.equal(formatIPv6(b('20010db8000000010000000000000001')), '2001:db8:0:1::1');
    assert.equal(formatIPv6(b('20010db8000000000001000000000001')), '2001:db8::1:0:0:1');
    assert.equal(formatIPv6(b('20010db8000100020003000400050006')), '2001:db8:1:2:3:4:5:6');
  });

  it('agrees with ss(8) on this machine', async (t) => {
    let ss: string;
    try {
      ss = (await promisify(execFile)('ss', ['-Hltnu'])).stdout;
    } catch (err) {
      // only a missing ss skips (and fails in CI); ss there but failing is a test failure
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      needsNow(t, 'ss', false, HOW.apt('iproute2'));
      return;
    }
    const ours = new Set<string>();
    for (const p of ['tcp', 'tcp6', 'udp', 'udp6'] as SocketProtocol[]) {
      const text = await readFile(`/proc/net/${p}`, 'utf8').catch(() => '');
      for (const s of parseProcNet(p, text).sockets) ours.add(`${p.slice(0, 3)} ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`);
    }
    const theirs = new Set<string>();
    for (const line of ss.trim().split('\n').filter(Boolean)) {
      const f = line.trim().split(/\s+/);
      // "[::ffff:127.0.0.1]:8080" and "*:68" (ss writes the wildcard as *), "%lo" interface suffixes dropped
      const local = f[4].replace(/%[^\]:]+/, '').replace(/^\*:/, '0.0.0.0:');
      theirs.add(`${f[0]} ${local}`);
    }
    // sockets come and go while other tests run: compare what both saw at nearly the same time
    const both = [...theirs].filter((x) => ours.has(x));
    assert.ok(both.length > 0, `no common sockets: ours ${[...ours].join(', ')} / ss ${[...theirs].join(', ')}`);
    const missing = [...theirs].filter((x) => !ours.has(x) && !/^udp/.test(x));
    assert.ok(missing.length <= 2, `ss lists listening sockets we did not: ${missing.join(', ')}`);
  });
});

describe('snapshot script', () => {
  it('asks for every release file the OS detection reads', () => {
    for (const p of OS_RELEASE_PATHS) assert.ok(HOST_FILES.includes(p), p);
  });

  it('keeps only wanted paths', () => {
    for (const p of ['var/lib/dpkg/status', 'var/lib/dpkg/status.d/base', 'var/lib/dpkg/info/libc6:amd64.list', 'lib/apk/db/installed', 'var/lib/rpm/rpmdb.sqlite', 'etc/machine-id']) assert.ok(isWantedPath(p), p);
    for (const p of ['etc/shadow', 'var/lib/dpkg/info/libc6.postinst', 'var/lib/dpkg/status.d/base.md5sums', 'var/lib/dpkg/info/sub/x.list', 'var/lib/dpkg/status-old', 'root/.ssh/authorized_keys']) assert.ok(!isWantedPath(p), p);
  });

  it('is plain sh with no input spliced in, and its sections parse', async () => {
    const nonce = '0123456789abcdef01234567';
    assert.throws(() => snapshotScript('$(reboot)', 'tar'));
    const script = snapshotScript(nonce, 'list');
    // run it here, on the local host, exactly as a remote sh -s would
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      const child = execFile('sh', ['-s'], (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })));
      child.stdin!.end(script);
    });
    assert.equal(stdout, '');
    const out = parseScriptOutput(`motd noise\n${stderr}`, nonce);
    assert.equal(out.ran, true);
    assert.equal(out.complete, true);
    assert.ok(out.unameN && out.unameM);
    assert.ok(out.net.has('tcp'));
    assert.ok(out.files!.includes('var/lib/dpkg/status'));
    assert.ok(out.files!.some((f) => /^var\/lib\/dpkg\/info\/.*\.list$/.test(f)));
    assert.ok(out.files!.every(isWantedPath));
    assert.equal(out.tar, undefined);
  });
});
