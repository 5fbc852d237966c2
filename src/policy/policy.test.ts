import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { gitAccess, TargetPolicy } from './index.ts';

/** An HTTP listener that records every TCP connection it accepts. */
async function listener(host: string, handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) {
  const server: Server = createHttpServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return { port, connections: () => connections, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function rejectsWith(p: Promise<unknown>, code: string, rule: string): Promise<VigilError> {
  return p.then(() => assert.fail('expected a rejection'), (e: unknown) => {
    assert.ok(e instanceof VigilError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.rule, rule, e.message);
    return e;
  });
}

describe('addresses', () => {
  const refused = ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.100.100.200', '169.254.169.254', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '192.0.0.192', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254',
    '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', 'ff02::1'];
  const allowed = ['8.8.8.8', '1.1.1.1', '151.101.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];

  test('tenants: loopback, private, link-local/metadata, CGNAT, unique-local, mapped and embedded forms are refused; public unicast is not', async () => {
    const p = await TargetPolicy.forTenants();
    for (const a of refused) assert.ok(p.refusal(a), `${a} should be refused`);
    for (const a of allowed) assert.equal(p.refusal(a), undefined, `${a} should be allowed`);
    assert.throws(() => p.checkAddress('169.254.169.254'), (e: VigilError) => e.code === 'VIGIL_FORBIDDEN' && e.rule === 'not-allowed' && /not allowed: a link-local/.test(e.message));
  });

  test('--allow-network opens exactly its CIDRs (IPv4-mapped forms included)', async () => {
    const p = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8', 'fd00::/8', '10.9.8.7'] });
    for (const a of ['127.0.0.1', '127.255.0.1', '::ffff:127.0.0.1', 'fd12::1', '10.9.8.7']) assert.equal(p.refusal(a), undefined, a);
    for (const a of ['10.9.8.6', '169.254.169.254', '::1', 'fc00::1', '192.168.0.1']) assert.ok(p.refusal(a), a);
    const mapped = await TargetPolicy.forTenants({ allowNetworks: ['::ffff:127.0.0.0/104'] });
    assert.equal(mapped.refusal('127.0.0.1'), undefined);
  });

  test('the operator allows everything', () => {
    const p = TargetPolicy.operator();
    for (const a of [...refused, ...allowed]) assert.equal(p.refusal(a), undefined, a);
  });

  test('bad flags are configuration errors naming the value', async () => {
    await rejectsWith(TargetPolicy.forTenants({ allowNetworks: ['10.0.0.0/33'] }), 'VIGIL_CONFIG', 'allow-network');
    await rejectsWith(TargetPolicy.forTenants({ allowNetworks: ['intranet'] }), 'VIGIL_CONFIG', 'allow-network');
    await rejectsWith(TargetPolicy.forTenants({ allowPaths: ['relative'] }), 'VIGIL_CONFIG', 'allow-path');
    await rejectsWith(TargetPolicy.forTenants({ allowPaths: ['/nonexistent/vigil-allow'] }), 'VIGIL_CONFIG', 'allow-path');
  });

  test('host names are resolved once and the first allowed address is kept; localhost is never asked', async () => {
    const asked: string[] = [];
    const answers: Record<string, string[]> = { 'inside.test': ['10.0.0.5'], 'mixed.test': ['10.0.0.5', '93.184.216.34'], 'v6.test': ['fd00::1'] };
    const p = await TargetPolicy.forTenants({
      resolver: async (h) => {
        asked.push(h);
        if (!answers[h]) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
        return answers[h].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      },
    });
    await rejectsWith(p.resolve('localhost'), 'VIGIL_FORBIDDEN', 'not-allowed');
    await rejectsWith(p.resolve('db.localhost'), 'VIGIL_FORBIDDEN', 'not-allowed');
    const e = await rejectsWith(p.resolve('inside.test'), 'VIGIL_FORBIDDEN', 'not-allowed');
    assert.doesNotMatch(e.message, /10\.0\.0\.5/, 'the address a name resolves to is not told');
    await rejectsWith(p.resolve('v6.test'), 'VIGIL_FORBIDDEN', 'not-allowed');
    assert.deepEqual(await p.resolve('mixed.test'), { host: 'mixed.test', address: '93.184.216.34', family: 4 });
    const u = await rejectsWith(p.resolve('nowhere.test'), 'VIGIL_NETWORK', 'unreachable');
    assert.equal(u.message, 'nowhere.test: unreachable');
    assert.deepEqual(asked, ['inside.test', 'v6.test', 'mixed.test', 'nowhere.test']);
  });
});

describe('paths', () => {
  let dir: string;
  let allowed: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-policy-'));
    allowed = join(dir, 'allowed');
    await mkdir(join(allowed, 'snap', 'etc'), { recursive: true });
    await mkdir(join(dir, 'outside'));
    await symlink(join(dir, 'outside'), join(allowed, 'escape'));
    await symlink(allowed, join(dir, 'via-link'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('tenants reach only what lies under --allow-path once symlinks are resolved', async () => {
    const p = await TargetPolicy.forTenants({ allowPaths: [join(dir, 'via-link')] });
    assert.equal(await p.checkPath(join(allowed, 'snap')), join(allowed, 'snap'));
    assert.equal(await p.checkPath(join(dir, 'via-link', 'snap')), join(allowed, 'snap'), 'through the allowed directory\'s own symlink: its real path');
    assert.equal(await p.checkPath(join(allowed, 'snap', '..', 'snap', 'etc')), join(allowed, 'snap', 'etc'));
    await rejectsWith(p.checkPath('/'), 'VIGIL_FORBIDDEN', 'not-allowed');
    await rejectsWith(p.checkPath(join(allowed, '..', 'outside')), 'VIGIL_FORBIDDEN', 'not-allowed');
    await rejectsWith(p.checkPath(join(allowed, 'escape')), 'VIGIL_FORBIDDEN', 'not-allowed');
    await rejectsWith(p.checkPath('snap'), 'VIGIL_FORBIDDEN', 'not-allowed');
    // outside: refused before the filesystem is asked, so existing and missing paths look the same
    const a = await rejectsWith(p.checkPath('/etc'), 'VIGIL_FORBIDDEN', 'not-allowed');
    const b = await rejectsWith(p.checkPath('/no-such-dir-here'), 'VIGIL_FORBIDDEN', 'not-allowed');
    assert.equal(a.message.replace('/etc', 'X'), b.message.replace('/no-such-dir-here', 'X'));
    await rejectsWith(p.checkPath(join(allowed, 'missing')), 'VIGIL_NOT_FOUND', 'not-found');
    await p.checkPathForRegistration(join(allowed, 'missing'));
    await rejectsWith(p.checkPathForRegistration('/'), 'VIGIL_FORBIDDEN', 'not-allowed');
  });

  test('without --allow-path no local path is allowed; the operator reaches every path', async () => {
    await rejectsWith((await TargetPolicy.forTenants()).checkPath(join(allowed, 'snap')), 'VIGIL_FORBIDDEN', 'not-allowed');
    assert.equal(await TargetPolicy.operator().checkPath('relative/x'), 'relative/x');
  });
});

describe('HTTP through the policy', () => {
  test('a loopback listener is refused by default and never contacted; --allow-network opens it', async () => {
    const l = await listener('127.0.0.1', (_q, s) => s.end('ok'));
    try {
      const deny = await TargetPolicy.forTenants();
      await rejectsWith(deny.fetch(`http://127.0.0.1:${l.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      await rejectsWith(deny.fetch(`http://localhost:${l.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      await rejectsWith(deny.fetch(`http://[::ffff:127.0.0.1]:${l.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      await rejectsWith(deny.fetch(`http://2130706433:${l.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      assert.equal(l.connections(), 0, 'nothing was contacted');
      const allow = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
      const res = await allow.fetch(`http://127.0.0.1:${l.port}/`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ok');
      allow.close();
    } finally {
      await l.close();
    }
  });

  test('every redirect hop is checked: a hop to a refused address is never contacted', async () => {
    const inner = await listener('127.0.0.2', (_q, s) => s.end('secret'));
    const outer = await listener('127.0.0.1', (q, s) => {
      const to = q.url === '/meta' ? 'http://169.254.169.254/latest/meta-data/' : `http://127.0.0.2:${inner.port}/`;
      s.writeHead(302, { location: to }).end();
    });
    try {
      const p = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.1/32'] });
      await rejectsWith(p.fetch(`http://127.0.0.1:${outer.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      await rejectsWith(p.fetch(`http://127.0.0.1:${outer.port}/meta`), 'VIGIL_FORBIDDEN', 'not-allowed');
      assert.equal(inner.connections(), 0);
      const manual = await p.fetch(`http://127.0.0.1:${outer.port}/`, { redirect: 'manual' });
      assert.equal(manual.status, 302);
      const op = await TargetPolicy.operator().fetch(`http://127.0.0.1:${outer.port}/`, { headers: { authorization: 'Bearer x' } });
      assert.equal(await op.text(), 'secret', 'the operator follows the same redirect');
      p.close();
    } finally {
      await outer.close();
      await inner.close();
    }
  });

  test('DNS rebinding: the name is resolved once and the request goes to that address', async () => {
    const l = await listener('127.0.0.1', (q, s) => s.end(q.headers.host));
    try {
      let asked = 0;
      const p = await TargetPolicy.forTenants({
        allowNetworks: ['127.0.0.1/32'],
        resolver: async () => (asked++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]),
      });
      const res = await p.fetch(`http://rebind.test:${l.port}/`);
      assert.equal(await res.text(), `rebind.test:${l.port}`, 'the Host header keeps the name');
      assert.equal(asked, 1, 'one lookup per request');
      await rejectsWith(p.fetch(`http://rebind.test:${l.port}/`), 'VIGIL_FORBIDDEN', 'not-allowed');
      assert.equal(l.connections(), 1);
      p.close();
    } finally {
      await l.close();
    }
  });

  test('a closed port and a port that drops the connection give the same error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const rude = createServer((s) => s.destroy());
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    const rudePort = (rude.address() as AddressInfo).port;
    try {
      const p = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
      const a = await rejectsWith(p.fetch(`http://127.0.0.1:${closedPort}/`), 'VIGIL_NETWORK', 'unreachable');
      const b = await rejectsWith(p.fetch(`http://127.0.0.1:${rudePort}/`), 'VIGIL_NETWORK', 'unreachable');
      assert.equal(a.message.replace(String(closedPort), 'PORT'), b.message.replace(String(rudePort), 'PORT'));
      assert.equal(a.message, `http://127.0.0.1:${closedPort}: unreachable`);
      const op = await rejectsWith(TargetPolicy.operator().fetch(`http://127.0.0.1:${closedPort}/`), 'VIGIL_NETWORK', 'unreachable');
      assert.match(op.message, /ECONNREFUSED/, 'the operator sees why');
      p.close();
    } finally {
      await new Promise<void>((r) => rude.close(() => r()));
    }
  });
});

describe('sockets and git', () => {
  test('connect: refused without a connection by default; pinned to the checked address when allowed', async () => {
    let accepted = 0;
    const srv = createServer((s) => { accepted++; s.end(); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      await rejectsWith((await TargetPolicy.forTenants()).connect('127.0.0.1', port), 'VIGIL_FORBIDDEN', 'not-allowed');
      await rejectsWith((await TargetPolicy.forTenants()).connect('localhost', port), 'VIGIL_FORBIDDEN', 'not-allowed');
      assert.equal(accepted, 0);
      const p = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
      const sock = await p.connect('ssh.example.test', port);
      assert.equal(sock.remoteAddress, '127.0.0.1');
      sock.destroy();
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  test('git remotes are pinned to the checked address', async () => {
    const p = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
    const https = await gitAccess(p, { transport: 'https', host: 'git.example.test' }, 'x');
    assert.ok(https.config.includes('http.curloptResolve=git.example.test:443:127.0.0.1'));
    assert.ok(https.config.includes('http.followRedirects=false'));
    assert.equal(https.env.GIT_ALLOW_PROTOCOL, 'https');
    assert.equal(https.env.GIT_CONFIG_GLOBAL, '/dev/null');
    const ssh = await gitAccess(p, { transport: 'ssh', host: 'git.example.test', port: 2222 }, 'x');
    assert.match(ssh.env.GIT_SSH_COMMAND, /'HostName=127\.0\.0\.1'.*'HostKeyAlias=git\.example\.test'/);
    await rejectsWith(gitAccess(await TargetPolicy.forTenants(), { transport: 'ssh', host: '169.254.169.254' }, 'x'), 'VIGIL_FORBIDDEN', 'not-allowed');
    assert.deepEqual(await gitAccess(TargetPolicy.operator(), { transport: 'https', host: '127.0.0.1' }, 'x'), { config: [], env: {} });
  });
});
