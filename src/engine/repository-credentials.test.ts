/**
 * Repository credentials: "https://user:token@host/…" is split into the sealed config fields (the
 * URL, which becomes the target's and the resource's name, keeps none), and git gets them from a
 * credential helper — checked against a real `git http-backend` behind Basic auth over https on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../model/errors.ts';
import { TargetPolicy } from '../policy/index.ts';
import { openGit } from '../sources/git/index.ts';
import { remoteHead } from './sources.ts';
import { parseConfig, repositoryCredentials, targetNameOf, type RepositoryConfig } from './targets.ts';

describe('repository credentials', () => {
  test('credentials in an https URL move into username/password; the name keeps none', () => {
    const c = parseConfig('repository', { url: 'https://ci:t%40ken-123@git.example/app.git' }) as RepositoryConfig;
    assert.equal(c.url, 'https://git.example/app.git');
    assert.deepEqual([c.username, c.password], ['ci', 't@ken-123']);
    assert.equal(targetNameOf('repository', c), 'https://git.example/app.git#main');
    assert.deepEqual(repositoryCredentials(c), { username: 'ci', password: 't@ken-123' });
    const plain = parseConfig('repository', { url: 'https://git.example/app.git', password: 'tok' }) as RepositoryConfig;
    assert.deepEqual(repositoryCredentials(plain), { username: 'git', password: 'tok' });
    assert.equal(repositoryCredentials(parseConfig('repository', { url: 'git@git.example:app.git' }) as RepositoryConfig), undefined);
  });

  test('a token as the URL\'s user name, or credentials twice: refused with the rule', () => {
    const bad = (config: Record<string, unknown>) => assert.throws(() => parseConfig('repository', config), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT' && e.rule === 'url-credentials' && !e.message.includes('ghp_secret'));
    bad({ url: 'https://ghp_secret@git.example/app.git' });
    bad({ url: 'https://u:ghp_secret@git.example/app.git', password: 'x' });
    assert.throws(() => parseConfig('repository', { url: 'https://git.example/a.git', password: 'a\nb' }), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT');
  });

  describe('git over https with Basic auth (git http-backend)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-git-auth-'));
    let tls: Server;
    let tlsBase: string;
    const caBefore = process.env.GIT_SSL_CAINFO;
    let head: string;
    const seen: (string | undefined)[] = [];
    before(async () => {
      const repo = join(dir, 'app.git');
      const work = join(dir, 'work');
      const g = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
      execFileSync('git', ['init', '-q', '-b', 'main', work]);
      writeFileSync(join(work, 'requirements.txt'), 'requests==2.0.0\n');
      g(work, 'add', '.');
      g(work, 'commit', '-q', '-m', 'one');
      head = g(work, 'rev-parse', 'HEAD');
      execFileSync('git', ['clone', '-q', '--bare', work, repo]);
      const expected = `Basic ${Buffer.from('ci:s3cret-token').toString('base64')}`;
      const handle = (req: IncomingMessage, res: ServerResponse) => {
        seen.push(req.headers.authorization);
        if (req.headers.authorization !== expected) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
          res.end();
          return;
        }
        const url = new URL(req.url ?? '/', 'http://x');
        const cgi = spawn('git', ['http-backend'], {
          env: { ...process.env, GIT_PROJECT_ROOT: dir, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_USER: 'ci' },
        });
        req.pipe(cgi.stdin);
        const chunks: Buffer[] = [];
        cgi.stdout.on('data', (d: Buffer) => chunks.push(d));
        cgi.on('close', () => {
          const out = Buffer.concat(chunks);
          const split = out.indexOf('\r\n\r\n');
          const headers = out.subarray(0, split).toString().split('\r\n');
          let status = 200;
          for (const h of headers) {
            const [k, ...v] = h.split(':');
            if (k.toLowerCase() === 'status') status = Number(v.join(':').trim().split(' ')[0]);
            else res.setHeader(k, v.join(':').trim());
          }
          res.statusCode = status;
          res.end(out.subarray(split + 4));
        });
      };
      // the git source accepts https only: a certificate for 127.0.0.1 that git trusts through GIT_SSL_CAINFO
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handle);
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      tlsBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      process.env.GIT_SSL_CAINFO = cert;
    });
    after(async () => {
      if (caBefore === undefined) delete process.env.GIT_SSL_CAINFO; else process.env.GIT_SSL_CAINFO = caBefore;
      await new Promise((r) => tls?.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    test('a scan\'s clone (the git source) authenticates with the credentials; without them it fails', async () => {
      const fs = await openGit(`${tlsBase}/app.git`, { rev: 'main', credentials: { username: 'ci', password: 's3cret-token' } });
      try {
        assert.equal(fs.target.digest, head);
      } finally {
        await fs.close();
      }
      await assert.rejects(openGit(`${tlsBase}/app.git`, { rev: 'main' }), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT' && e.rule === 'git');
    });

    test('git gets the credentials from the helper (never from the URL) and reads the branch head', async () => {
      assert.equal(await remoteHead(`${tlsBase}/app.git`, 'main', TargetPolicy.operator(), { username: 'ci', password: 's3cret-token' }), head);
      assert.ok(seen.some((a) => a?.startsWith('Basic ')), 'authenticated by Basic auth');
    });

    test('wrong or no credentials: an error that does not contain the password', async () => {
      for (const creds of [{ username: 'ci', password: 'wrong-password-77' }, undefined]) {
        await assert.rejects(remoteHead(`${tlsBase}/app.git`, 'main', TargetPolicy.operator(), creds), (e: VigilError) => e.code === 'VIGIL_NETWORK' && !e.message.includes('wrong-password-77'));
      }
    });
  });
});
