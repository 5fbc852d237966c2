import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { listAll, tempDir } from '../testutil.ts';
import { classifyGitRef, openGit } from './index.ts';

describe('git', () => {
  let base = '';
  let repo = '';
  let scratchParent = '';
  before(async () => {
    base = await tempDir('git');
    repo = join(base, 'repo');
    scratchParent = join(base, 'scratch');
    await mkdir(repo);
    await mkdir(scratchParent);
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: repo });
    g('init', '-q');
    await writeFile(join(repo, 'package.json'), '{"name":"a","version":"1.0.0"}');
    g('add', '.');
    g('commit', '-q', '-m', 'one');
    g('tag', 'v1');
    await writeFile(join(repo, 'package.json'), '{"name":"a","version":"2.0.0"}');
    await mkdir(join(repo, '.git/hooks'), { recursive: true });
    g('commit', '-q', '-am', 'two');
    g('checkout', '-q', '-b', 'other');
    await writeFile(join(repo, 'other.txt'), 'x');
    g('add', '.');
    g('commit', '-q', '-m', 'three');
    g('checkout', '-q', 'main');
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('checks out a ref into scratch space and removes it on close', async () => {
    for (const [rev, version, other] of [[undefined, '2.0.0', false], ['v1', '1.0.0', false], ['other', '2.0.0', true]] as const) {
      const fs = await openGit(repo, { rev, scratchParent });
      assert.equal(JSON.parse((await fs.readFile('package.json')).toString()).version, version);
      const paths = (await listAll(fs)).map((e) => e.path);
      assert.equal(paths.includes('other.txt'), other);
      assert.ok(!paths.some((p) => p.startsWith('.git')), 'no .git in the tree');
      assert.equal(fs.target.kind, 'git');
      assert.match(fs.target.digest ?? '', /^[0-9a-f]{40}$/);
      assert.equal(readdirSync(scratchParent).length, 1);
      await fs.close();
      assert.deepEqual(readdirSync(scratchParent), []);
    }
  });

  it('refuses unknown revisions and cleans up', async () => {
    await assert.rejects(openGit(repo, { rev: 'nope', scratchParent }), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(openGit(repo, { rev: '--upload-pack=touch /tmp/x', scratchParent }), (e: VigilError) => e.rule === 'git-rev');
    assert.deepEqual(readdirSync(scratchParent), []);
  });

  it('refuses dangerous transports', async () => {
    const canary = join(base, 'canary');
    for (const ref of [`ext::sh -c touch% ${canary}`, 'fd::17', 'git://example.org/x.git', 'http://example.org/x.git', '-uhelp', 'ftp://example.org/x']) {
      assert.throws(() => classifyGitRef(ref), (e: VigilError) => e.rule === 'git-transport', ref);
      await assert.rejects(openGit(ref, { scratchParent }), (e: VigilError) => e.rule === 'git-transport');
    }
    assert.equal(existsSync(canary), false);
    assert.deepEqual(classifyGitRef('https://github.com/x/y.git'), { kind: 'remote', url: 'https://github.com/x/y.git' });
    assert.deepEqual(classifyGitRef('git@github.com:x/y.git'), { kind: 'remote', url: 'git@github.com:x/y.git' });
    assert.deepEqual(classifyGitRef('ssh://git@host/x'), { kind: 'remote', url: 'ssh://git@host/x' });
    assert.equal(classifyGitRef('./some/dir').kind, 'local');
  });

  it('limits: a file over maxFileBytes is not checked out (recorded); entry and byte totals stop the checkout', async () => {
    const big = join(base, 'big');
    await mkdir(big);
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: big });
    g('init', '-q');
    await writeFile(join(big, 'a-big.lock'), Buffer.alloc(64 * 1024, 'x'));
    await writeFile(join(big, 'b.json'), '{"name":"b","version":"1.0.0"}');
    await mkdir(join(big, 'c'));
    for (let i = 0; i < 5; i++) await writeFile(join(big, 'c', `f${i}`), `${i}`);
    g('add', '.');
    g('commit', '-q', '-m', 'one');
    const fs = await openGit(big, { scratchParent, limits: { maxFileBytes: 1024 } });
    assert.deepEqual((await listAll(fs)).map((e) => e.path), ['b.json', 'c', 'c/f0', 'c/f1', 'c/f2', 'c/f3', 'c/f4'], 'the big file never reached the disk');
    assert.deepEqual(fs.errors.map((e) => [e.rule, e.path]), [['file-too-large', 'a-big.lock']]);
    await fs.close();
    const few = await openGit(big, { scratchParent, limits: { maxEntries: 3 } });
    // three blobs checked out; the walk over them counts the directory too, and stops as well
    assert.deepEqual((await listAll(few)).map((e) => e.path), ['a-big.lock', 'b.json', 'c']);
    assert.ok(few.errors.length > 0 && few.errors.every((e) => e.rule === 'too-many-entries'));
    assert.ok(!existsSync(join(scratchParent, readdirSync(scratchParent)[0], 'tree')), 'nothing is checked out');
    await assert.rejects(few.readFile('c/f1'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND', 'entries past the limit are not read');
    await few.close();
    const bytes = await openGit(big, { scratchParent, limits: { maxTotalBytes: 1000 } });
    assert.deepEqual(bytes.errors.map((e) => e.rule), ['total-too-large']);
    assert.equal(await bytes.stat('a-big.lock'), null);
    await bytes.close();
    assert.deepEqual(readdirSync(scratchParent), []);
  });

  it('reads blobs from the clone: symlinks resolve inside the tree, modes kept, many reads at once, nothing after close', async () => {
    const r = join(base, 'links');
    await mkdir(join(r, 'd'), { recursive: true });
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], { cwd: r });
    g('init', '-q');
    await writeFile(join(r, 'd', 'real.txt'), 'real\r\n');
    await writeFile(join(r, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    for (let i = 0; i < 300; i++) await writeFile(join(r, 'd', `n${i}.txt`), `file ${i}\n`.repeat(i));
    await symlink('d/real.txt', join(r, 'in'));
    await symlink('../../etc/passwd', join(r, 'out'));
    await symlink('/d', join(r, 'abs'));
    g('add', '.');
    g('commit', '-q', '-m', 'links');
    const fs = await openGit(r, { scratchParent });
    const byPath = new Map((await listAll(fs)).map((e) => [e.path, e]));
    assert.equal(byPath.get('in')?.kind, 'symlink');
    assert.equal(byPath.get('in')?.linkTarget, 'd/real.txt');
    assert.equal(byPath.get('d')?.kind, 'dir');
    assert.equal((byPath.get('run.sh')?.mode ?? 0) & 0o111, 0o111);
    assert.equal((await fs.readFile('in')).toString(), 'real\r\n', 'the blob as committed');
    assert.equal((await fs.readFile('abs/real.txt')).toString(), 'real\r\n', 'an absolute link starts at the root');
    await assert.rejects(fs.readFile('out'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    assert.ok(fs.errors.some((e) => e.rule === 'symlink-escape' && e.path === 'out'));
    assert.equal(fs.gitDir !== undefined && existsSync(fs.gitDir), true);
    const all = await Promise.all(Array.from({ length: 300 }, (_, i) => fs.readFile(`d/n${i}.txt`)));
    all.forEach((b, i) => assert.equal(b.toString(), `file ${i}\n`.repeat(i)));
    await fs.close();
    await assert.rejects(fs.readFile('d/real.txt'));
    assert.deepEqual(readdirSync(scratchParent), []);
  });
});
