import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlainPath, normalizeEntryName, normalizeLookupPath, resolveInRoot, type ResolverNode } from './paths.ts';

describe('vfs paths', () => {
  it('normalises entry names and refuses escapes', () => {
    assert.deepEqual(normalizeEntryName('./usr/lib/x'), { ok: true, path: 'usr/lib/x' });
    assert.deepEqual(normalizeEntryName('usr//lib/./x/'), { ok: true, path: 'usr/lib/x' });
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a/..', 'C:\\x', 'C:/x', '\\\\srv\\x', 'a\0b']) {
      assert.equal(normalizeEntryName(bad).ok, false, bad);
    }
    // the plain fast path and the splitting slow path agree
    for (const name of ['usr/lib/x', './usr/lib/x', '././usr/lib/', 'usr/lib/.hidden', '.bashrc', 'a/.b/c', 'a./b', '.', './', 'a//b', 'a/./b', 'x/', '...', 'a/...', 'a/..b']) {
      const slow = name.split('/').filter((s) => s !== '' && s !== '.').join('/');
      assert.deepEqual(normalizeEntryName(name), { ok: true, path: slow }, name);
    }
    assert.equal(isPlainPath('usr/lib/x'), true);
    for (const p of ['', '/a', 'a/', 'a//b', './a', 'a/./b', 'a/../b', '.a', 'a/.b']) assert.equal(isPlainPath(p), false, p);
    assert.equal(normalizeLookupPath('/etc/../etc/os-release'), 'etc/os-release');
    assert.equal(normalizeLookupPath('../x'), null);
  });

  it('resolves symlinks chroot style', async () => {
    const fs: Record<string, ResolverNode> = {
      '': { kind: 'dir' },
      usr: { kind: 'dir' },
      'usr/lib': { kind: 'dir' },
      'usr/lib/os-release': { kind: 'file' },
      lib: { kind: 'symlink', linkTarget: 'usr/lib' },
      abs: { kind: 'symlink', linkTarget: '/usr/lib/os-release' },
      up: { kind: 'symlink', linkTarget: '../etc' },
      'usr/lib/back': { kind: 'symlink', linkTarget: '../../lib/os-release' },
      a: { kind: 'symlink', linkTarget: 'b' },
      b: { kind: 'symlink', linkTarget: 'a' },
      f: { kind: 'file' },
    };
    const look = (p: string) => fs[p] ?? null;
    const r = async (p: string) => {
      const x = await resolveInRoot(p, look);
      return x.ok ? x.path : x.reason;
    };
    assert.equal(await r('lib/os-release'), 'usr/lib/os-release');
    assert.equal(await r('abs'), 'usr/lib/os-release');
    assert.equal(await r('usr/lib/back'), 'usr/lib/os-release');
    assert.equal(await r('up/passwd'), 'symlink-escape');
    assert.equal(await r('a'), 'symlink-loop');
    assert.equal(await r('f/x'), 'not-a-directory');
    assert.equal(await r('nope'), 'not-found');
    assert.equal(await r('lib/..'), 'usr');
    const noFollow = await resolveInRoot('lib', look, false);
    assert.ok(noFollow.ok && noFollow.path === 'lib' && noFollow.node.kind === 'symlink');
  });
});
