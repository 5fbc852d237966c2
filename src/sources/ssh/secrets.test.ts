/**
 * Hosts' secrets over SSH (issue 17): openSshHost(target, { secretPaths }) against a real sshd,
 * with planted secrets in a directory whose name has spaces, quotes and shell syntax, decoys, a
 * symlink and a symlinked directory pointing outside, an oversized file, a binary, and the limits
 * (count, total bytes) turned into notes; the same files over SFTP; bad directories refused; the
 * sh quoting checked by sh itself.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import * as tar from 'tar-stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { scanSecrets } from '../../detectors/secrets/index.ts';
import { tokenGenerator } from '../../detectors/secrets/testutil.ts';
import { VigilError } from '../../model/index.ts';
import { DEFAULT_HOST_SECRET_PATHS, checkSecretPath, isWantedPath, normalizeSecretPaths, openSshHost, secretPathFilter, shQuote, type SshTarget } from './index.ts';
import { sshdUnavailable, startSshd, type TestSshd } from './testutil.ts';

const run = promisify(execFile);
const unavailable = sshdUnavailable();

describe('secret paths: checks and quoting', () => {
  it('accepts absolute normalised directories, refuses the rest', () => {
    for (const p of ['/', '/etc', '/home/a b', `/srv/it's "x" $(id) \`id\` ;|&<>*?[]{}~!#`]) assert.equal(checkSecretPath(p), null, p);
    const bad: [unknown, RegExp][] = [
      ['etc', /absolute/], ['', /characters/], ['/etc/', /end with/], ['/etc//x', /"\/\/"/], ['/etc/../root', /"\.\."/], ['/./etc', /"\."/],
      ['/etc\nx', /control/], ['/etc\0', /control/], ['/proc', /pseudo/], ['/sys/kernel', /pseudo/], ['/dev', /pseudo/], ['/' + 'a'.repeat(256), /256/],
      [42, /string/], ['/x\uD800', /control/],
    ];
    for (const [p, why] of bad) assert.match(checkSecretPath(p) ?? 'accepted', why, String(p));
    assert.deepEqual(normalizeSecretPaths(['/home/a', '/etc', '/home', '/etc']), ['/etc', '/home']);
    assert.deepEqual(normalizeSecretPaths(['/etc', '/']), ['/']);
    assert.throws(() => normalizeSecretPaths(Array.from({ length: 33 }, (_, i) => `/d${i}`)), /at most 32/);
    assert.throws(() => normalizeSecretPaths(['/etc', 'home']), /"home": must be an absolute path/);
  });

  it('shQuote gives sh one word, nothing expanded', async () => {
    const nasty = ["it's", '"double"', '$(touch /tmp/vigil-pwned)', '`id`', '$HOME ${x}', 'a\\b\\\'c', 'semi;colon|pipe&amp', 'glob * ? [a]', 'new\nline', "'", "''", ' lead and trail ', '!history', '-n', 'ü—€'];
    for (const s of nasty) {
      const { stdout } = await run('sh', ['-c', `printf '%s|' ${shQuote(s)} ${shQuote(s)}`]);
      assert.equal(stdout, `${s}|${s}|`, JSON.stringify(s));
    }
    assert.throws(() => shQuote('a\0b'));
  });

  it('secretPathFilter: under the directories, never the package databases', () => {
    const f = secretPathFilter(['/etc', '/var']);
    assert.ok(f('etc/app/key.pem') && f('/etc/app/key.pem') && f('var/www/.env'));
    assert.ok(!f('etcetera/x') && !f('home/u/.env') && !f('var/lib/dpkg/status') && !f('var/lib/rpm/rpmdb.sqlite'));
    const all = secretPathFilter(['/']);
    assert.ok(all('opt/x') && !all('proc/1/environ') && !all('lib/apk/db/installed'));
    assert.deepEqual([...DEFAULT_HOST_SECRET_PATHS].sort(), normalizeSecretPaths(DEFAULT_HOST_SECRET_PATHS), 'the default passes the checks as it is');
  });
});

describe('openSshHost with secretPaths against a real sshd', { skip: unavailable }, () => {
  let d: TestSshd;
  let target: SshTarget;
  let base: string;
  let conf: string;
  let other: string;
  const planted: Record<string, string> = {};
  before(async () => {
    d = await startSshd();
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
    base = await mkdtemp(join(tmpdir(), 'vigil-ssh-secrets-'));
    conf = join(base, `conf dir "with" it's $(quotes)`);
    other = join(base, 'outside');
    const gen = tokenGenerator(1717);
    planted.ghp = gen.make('ghp');
    planted.aws = gen.make('aws-id');
    planted.awsSecret = gen.make('aws-secret');
    planted.outside = gen.make('ghp');
    planted.big = gen.make('ghp');
    planted.npm = gen.make('npm');
    await mkdir(join(conf, 'app', 'nested deeper'), { recursive: true });
    await mkdir(other, { recursive: true });
    await writeFile(join(conf, 'app', '.env'), `GITHUB_TOKEN=${planted.ghp}\n`);
    await writeFile(join(conf, 'app', 'nested deeper', 'aws.ini'), `[default]\naws_access_key_id = ${planted.aws}\naws_secret_access_key = ${planted.awsSecret}\n`);
    await writeFile(join(conf, 'app', 'npmrc'), `//registry.npmjs.org/:_authToken=${planted.npm}\n`);
    // decoys: the documented example key, a placeholder, a lockfile hash
    await writeFile(join(conf, 'app', 'example.ini'), 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\npassword = changeme\ntoken = <your-token-here>\n');
    await writeFile(join(conf, 'app', 'package-lock.json'), '{"integrity": "sha512-' + 'A'.repeat(86) + '=="}\n');
    // outside the directory: reached only through symlinks, never read
    await writeFile(join(other, 'stolen.env'), `GITHUB_TOKEN=${planted.outside}\n`);
    await symlink(join(other, 'stolen.env'), join(conf, 'link-to-outside.env'));
    await symlink(other, join(conf, 'linked-dir'));
    // over the per-file limit (64 KiB below), and a binary by extension
    await writeFile(join(conf, 'big.txt'), `TOKEN=${planted.big}\n` + 'x'.repeat(100 * 1024));
    await writeFile(join(conf, 'photo.png'), `GITHUB_TOKEN=${planted.outside}\n`);
  });
  after(async () => {
    await d?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  const paths = async (fs: Awaited<ReturnType<typeof openSshHost>>['fs'], prefix: string) => {
    const out: string[] = [];
    for await (const e of fs.entries()) if (e.path.startsWith(prefix)) out.push(`${e.kind} ${e.path}`);
    return out.sort();
  };

  for (const method of ['auto', 'sftp'] as const) {
    it(`${method}: reads the wanted files under the directory, follows no symlink out, notes the oversized file`, async () => {
      const dirs = [conf, join(base, 'does-not-exist')];
      const s = await openSshHost(target, { secretPaths: dirs, method, limits: { maxSecretFileBytes: 64 * 1024 } });
      const rel = conf.slice(1);
      assert.equal(s.secrets?.method, method === 'auto' ? 'tar' : 'sftp');
      assert.deepEqual(s.secrets?.paths, normalizeSecretPaths(dirs));
      assert.deepEqual((await paths(s.secretsFs!, rel)).filter((p) => p.startsWith('file ')), [
        `file ${rel}/app/.env`, `file ${rel}/app/example.ini`, `file ${rel}/app/nested deeper/aws.ini`, `file ${rel}/app/npmrc`, `file ${rel}/app/package-lock.json`,
      ]);
      assert.equal(s.secrets?.files, 5);
      assert.equal(await s.secretsFs!.stat(`${rel}/link-to-outside.env`), null);
      assert.equal(await s.secretsFs!.stat(`${rel}/linked-dir/stolen.env`), null);
      assert.equal(await s.secretsFs!.stat(`${base.slice(1)}/outside/stolen.env`), null);
      const errors = s.secretsFs!.errors.filter((e) => e.path.startsWith(rel));
      assert.deepEqual(errors.map((e) => `${e.rule} ${e.path}`), [`file-too-large ${rel}/big.txt`], JSON.stringify(s.secretsFs!.errors));
      // the inventory's view holds only its own files (every extractor may run on it), the secrets' view not the package databases
      assert.ok(await s.fs.stat('var/lib/dpkg/status'));
      assert.equal(await s.secretsFs!.stat('var/lib/dpkg/status'), null);
      assert.equal(await s.fs.stat(`${rel}/app/.env`), null);
      for await (const e of s.fs.entries()) assert.ok(e.kind === 'dir' || isWantedPath(e.path), e.path);
      assert.ok(!s.fs.errors.some((e) => e.path.startsWith(rel) || e.path === '(secrets)'), JSON.stringify(s.fs.errors));
      const { findings } = await scanSecrets(s.secretsFs!);
      const live = findings.filter((f) => !f.suppressed);
      const got = live.map((f) => `${f.rule} ${f.location.path.slice(rel.length + 1)}:${f.location.line}`).sort();
      assert.deepEqual(got, ['aws-access-key app/nested deeper/aws.ini:2', 'github-pat-classic app/.env:1', 'npm-access-token app/npmrc:1'], JSON.stringify(live, null, 1));
      assert.ok(live.every((f) => f.location.path.startsWith(rel + '/')));
      // the secret itself is nowhere in what a finding holds
      const text = JSON.stringify(findings);
      for (const v of Object.values(planted)) assert.ok(!text.includes(v));
      console.log(`# ssh secrets (${method}): ${s.secrets?.files} files, ${s.secrets?.bytes} bytes, ${live.length} findings, decoys 0, ${s.stats.ms} ms`);
    });
  }

  it('turns the limits into notes, never a failed snapshot', async () => {
    const few = await openSshHost(target, { secretPaths: [conf], limits: { maxSecretFiles: 2, maxSecretFileBytes: 64 * 1024 } });
    assert.equal(few.secrets?.files, 2);
    assert.ok(few.secretsFs!.errors.some((e) => e.rule === 'too-many-entries' && e.path === '(secrets)'), JSON.stringify(few.secretsFs!.errors));
    const small = await openSshHost(target, { secretPaths: [conf], limits: { maxSecretBytes: 150, maxSecretFileBytes: 64 * 1024 } });
    assert.ok((small.secrets?.bytes ?? 0) <= 150);
    assert.ok(small.secretsFs!.errors.some((e) => e.rule === 'total-too-large'), JSON.stringify(small.secretsFs!.errors));
    const sftp = await openSshHost(target, { secretPaths: [conf], method: 'sftp', limits: { maxSecretFiles: 2, maxSecretFileBytes: 64 * 1024 } });
    assert.equal(sftp.secrets?.files, 2);
    assert.ok(sftp.secretsFs!.errors.some((e) => e.rule === 'too-many-entries'), JSON.stringify(sftp.secretsFs!.errors));
  });

  it('refuses bad directories before connecting', async () => {
    for (const p of ['relative/dir', '/etc/../root', '/proc', '/etc\n/root', "/x'; rm -rf / #\n"]) {
      await assert.rejects(openSshHost(target, { secretPaths: [p] }), (e: VigilError) => e instanceof VigilError && e.code === 'VIGIL_INVALID_INPUT' && e.rule === 'secret-paths', p);
    }
  });
});

/** The secrets tar a hostile host might send for secretPaths ['/srv/app']. */
async function hostileSecretsTar(token: string): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  const add = (h: Partial<tar.Header> & { name: string }, body?: string | Buffer) =>
    new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (body === undefined) pack.entry(h as tar.Header, cb);
      else pack.entry(h as tar.Header, body, cb);
    });
  await add({ name: 'srv/app/ok.env' }, `GITHUB_TOKEN=${token}\n`);
  await add({ name: '../../etc/shadow' }, 'root:x');
  await add({ name: 'etc/passwd' }, 'root:x');
  await add({ name: 'srv/application/near.env' }, 'x');
  await add({ name: 'srv/app/photo.png' }, 'x');
  await add({ name: 'srv/app/link.env', type: 'symlink', linkname: '/etc/shadow' });
  await add({ name: 'srv/app/hard.env', type: 'link', linkname: 'srv/app/ok.env' });
  await add({ name: 'srv/app/fifo', type: 'fifo' });
  await add({ name: 'srv/app/huge.txt' }, 'y'.repeat(5000));
  for (let i = 0; i < 10; i++) await add({ name: `srv/app/many/${i}.env` }, `N=${i}\n`);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('openSshHost with secretPaths against a hostile host', { skip: unavailable }, () => {
  let d: TestSshd;
  let dir: string;
  let target: SshTarget;
  const token = tokenGenerator(99).make('ghp');
  const mode = (m: string) => writeFile(join(dir, 'mode'), m);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ssh-secrets-hostile-'));
    await writeFile(join(dir, 'secrets.tar'), await hostileSecretsTar(token));
    // the main snapshot gets an empty tar; the secrets script (it has pick()) the hostile one. `toomany`
    // comes before the tar, as the real pick() prints it while tar still runs: the client closes the
    // channel at its own entry cap, and a marker sent after the tar could be lost then
    const script = `#!/bin/sh
D=${dir}
mode=$(cat "$D/mode")
IFS= read -r line
N=\${line#N=}
body=$(cat)
m() { printf '\\n@@%s %s\\n' "$N" "$1" >&2; }
case $body in
  *'pick()'*) ;;
  *) m begin; m tar; printf '@@%s tar\\n' "$N"; head -c 10240 /dev/zero; m "exit 0"; m end; exit 0 ;;
esac
case $mode in
  hostile) m begin; m tar; m big; printf 'srv/app/huge2.txt\\n' >&2; m big; printf 'etc/shadow\\n' >&2; m toomany; printf '@@%s tar\\n' "$N"; cat "$D/secrets.tar"; m "exit 0"; m end ;;
  endless) m begin; m tar; printf '@@%s tar\\n' "$N"; exec cat /dev/zero ;;
  sleep) m begin; m tar; printf '@@%s tar\\n' "$N"; exec sleep 20 ;;
esac
`;
    await writeFile(join(dir, 'answer.sh'), script);
    await chmod(join(dir, 'answer.sh'), 0o755);
    d = await startSshd({ forceCommand: join(dir, 'answer.sh') });
    target = { host: d.host, port: d.port, username: d.username, privateKey: d.clientKey };
  });
  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps only regular, wanted files under the directories, follows no link, records the rest', async () => {
    await mode('hostile');
    const s = await openSshHost(target, { secretPaths: ['/srv/app'], limits: { maxSecretFileBytes: 1000, maxSecretFiles: 6 } });
    // entries outside the directories are recorded with the snapshot's own errors (fs.errors), the rest with the secrets'
    const rules = [...s.fs.errors, ...s.secretsFs!.errors].map((e) => `${e.rule} ${e.path}`);
    for (const r of [
      'path-traversal ../../etc/shadow', 'unexpected-entry etc/passwd', 'unexpected-entry srv/application/near.env', 'unexpected-entry srv/app/photo.png',
      'link-not-followed srv/app/link.env', 'link-not-followed srv/app/hard.env', 'device-file srv/app/fifo', 'file-too-large srv/app/huge.txt',
      'file-too-large srv/app/huge2.txt', 'too-many-entries srv/app/many/1.env', 'too-many-entries (secrets)',
    ]) assert.ok(rules.includes(r), `${r}: ${JSON.stringify(rules)}`);
    assert.ok(!rules.some((r) => r.endsWith(' etc/shadow') && r.startsWith('file-too-large')), 'a named big file outside the directories is not reported');
    const files: string[] = [];
    for await (const e of s.secretsFs!.entries()) if (e.kind === 'file') files.push(e.path);
    // links and the FIFO count among the 6 entries
    assert.deepEqual(files.sort(), ['srv/app/huge.txt', 'srv/app/many/0.env', 'srv/app/ok.env']);
    assert.equal(await s.secretsFs!.stat('srv/app/link.env'), null);
    const { findings } = await scanSecrets(s.secretsFs!);
    assert.deepEqual(findings.map((f) => `${f.rule} ${f.location.path}`), ['github-pat-classic srv/app/ok.env']);
  });

  it('an endless stream stops at the byte cap; a silent host at the secrets time limit; the snapshot stands', async () => {
    await mode('endless');
    const a = await openSshHost(target, { secretPaths: ['/srv/app'], limits: { maxSecretBytes: 64 * 1024, maxSecretFiles: 10 } });
    assert.ok(a.secretsFs!.errors.some((e) => e.path === '(secrets)' && (e.rule === 'total-too-large' || e.rule === 'parse-error')), JSON.stringify(a.secretsFs!.errors));
    await mode('sleep');
    const t0 = Date.now();
    const b = await openSshHost(target, { secretPaths: ['/srv/app'], limits: { secretsTimeoutMs: 500 } });
    assert.ok(Date.now() - t0 < 15_000);
    assert.ok(b.secretsFs!.errors.some((e) => e.path === '(secrets)' && e.rule === 'timeout'), JSON.stringify(b.secretsFs!.errors));
  });
});
