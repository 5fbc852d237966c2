import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tree, dirNode, type TreeNode } from './tree.ts';

const file = (size = 1): TreeNode => ({ kind: 'file', size, layerIndex: 0 });
const link = (target: string): TreeNode => ({ kind: 'symlink', size: target.length, linkTarget: target, layerIndex: 0 });
const paths = (t: Tree) => [...t.walk()].map(([p, n]) => `${p}${n.kind === 'dir' ? '/' : n.kind === 'symlink' ? ` -> ${n.linkTarget}` : ''}`);

describe('vfs tree', () => {
  it('puts entries under missing parents, and paths that are not plain as their plain form', async () => {
    const t = new Tree();
    assert.deepEqual(await t.put('a/b/f', file()), { ok: true, path: 'a/b/f' });
    assert.deepEqual(await t.put('a//b/./g', file()), { ok: true, path: 'a/b/g' });
    assert.deepEqual(await t.put('h', file()), { ok: true, path: 'h' });
    assert.deepEqual(paths(t), ['a/', 'a/b/', 'a/b/f', 'a/b/g', 'h']);
    assert.equal((await t.put('/', file())).ok, false);
  });

  it('follows a symlinked parent, and the last parent is not reused once a directory on its path is replaced or removed', async () => {
    const t = new Tree();
    await t.put('a/b/f1', file());
    await t.put('c', dirNode(0));
    // a/b replaced by a symlink: the next entry under a/b goes through it, not into the old directory
    assert.deepEqual(await t.put('a/b', link('../c')), { ok: true, path: 'a/b' });
    assert.deepEqual(await t.put('a/b/f2', file()), { ok: true, path: 'c/f2' });
    assert.deepEqual(paths(t), ['a/', 'a/b -> ../c', 'c/', 'c/f2']);
    // through the symlink again (a resolved parent is never cached)
    assert.deepEqual(await t.put('a/b/f3', file()), { ok: true, path: 'c/f3' });
    // a whiteout of the directory: a new one is made for the next entry
    await t.put('d/e/f4', file());
    await t.remove('d/e');
    assert.deepEqual(await t.put('d/e/f5', file()), { ok: true, path: 'd/e/f5' });
    assert.deepEqual(paths(t).filter((p) => p.startsWith('d')), ['d/', 'd/e/', 'd/e/f5']);
    // an opaque directory over it (a later layer): what lower layers put there goes
    await t.put('d/e/f6', file());
    await t.opaque('d', 1);
    assert.deepEqual(await t.put('d/e/f7', { ...file(), layerIndex: 1 }), { ok: true, path: 'd/e/f7' });
    assert.deepEqual(paths(t).filter((p) => p.startsWith('d')), ['d/', 'd/e/', 'd/e/f7']);
    // a file over the directory, then an entry under it: the parent is refused, not reused
    await t.put('g/h/i', file());
    await t.put('g/h', file());
    const r = await t.put('g/h/j', file());
    assert.deepEqual(r, { ok: true, path: 'g/h/j' });
    assert.deepEqual(paths(t).filter((p) => p.startsWith('g')), ['g/', 'g/h/', 'g/h/j']);
  });

  it('refuses a parent symlink that leaves the root', async () => {
    const t = new Tree();
    await t.put('x', link('../../etc'));
    const r = await t.put('x/passwd', file());
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.rule, 'symlink-escape');
  });
});
