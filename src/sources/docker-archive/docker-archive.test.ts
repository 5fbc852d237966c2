import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { listAll, makeTar, tempDir, writeOneLayerArchive } from '../testutil.ts';
import { indexTar, openDockerArchive } from './index.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A `docker save` layout: <id>/layer.tar per layer, the repeated layer as a symlink (as docker writes it). */
async function buildArchive(path: string, opts: { badDiffId?: boolean; hostileOuter?: boolean } = {}): Promise<void> {
  const t1 = await makeTar([{ name: 'etc/os-release', content: 'ID=debian\n' }, { name: 'etc/issue.net', content: 'x' }]);
  const t2 = await makeTar([{ name: 'etc/.wh.issue.net' }, { name: 'app/package.json', content: '{}' }]);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(t1)}`, `sha256:${sha(opts.badDiffId ? 'nope' : t2)}`, `sha256:${sha(t1)}`] },
    history: [{ created_by: 'base' }, { created_by: 'app' }, { created_by: 'base again' }],
  });
  const cfgName = `${sha(config)}.json`;
  const manifest = JSON.stringify([{ Config: cfgName, RepoTags: ['vigil-test/x:one'], Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar'] }]);
  await writeFile(
    path,
    await makeTar([
      { name: 'aaa/', type: 'directory' },
      { name: 'aaa/layer.tar', content: t1 },
      { name: 'bbb/layer.tar', content: t2 },
      { name: 'ccc/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { name: cfgName, content: config },
      { name: 'manifest.json', content: manifest },
      ...(opts.hostileOuter ? [{ name: '../../escape.txt', content: 'x' }] : []),
    ]),
  );
}

describe('docker-archive', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('docker');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('indexes the outer tar without extracting it', async () => {
    const p = join(dir, 'a.tar');
    await buildArchive(p);
    const { entries } = await indexTar(p);
    assert.deepEqual([...entries.keys()].filter((k) => !k.endsWith('.json')).sort(), ['aaa', 'aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar']);
    assert.equal(entries.get('ccc/layer.tar')?.type, '2');
    const small = await indexTar(p, { maxNameBytes: 12 });
    assert.ok(small.skipped.some((s) => s.startsWith('aaa/layer.tar: ')) && !small.entries.has('aaa/layer.tar'), 'a name over maxNameBytes is skipped');
    await assert.rejects(indexTar(p, { maxTotalNameBytes: 20 }), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'too-many-name-bytes');
  });

  it('applies the layers, following symlinked layer entries, with history', async () => {
    const p = join(dir, 'b.tar');
    await buildArchive(p);
    const fs = await openDockerArchive(p, { filter: () => true });
    assert.equal(fs.target.kind, 'docker-archive');
    assert.equal((await fs.stat('etc/issue.net'))?.layer?.index, 2, 'whited out by layer 1, written again by layer 2');
    assert.equal((await fs.stat('app/package.json'))?.layer?.createdBy, 'app');
    assert.equal((await fs.stat('etc/os-release'))?.layer?.index, 2, 'the repeated layer rewrote it');
    assert.equal((await fs.readFile('etc/os-release')).toString(), 'ID=debian\n');
    assert.deepEqual(fs.errors, []);
    await fs.close();
    const byTag = await openDockerArchive(p, { tag: 'one' });
    await byTag.close();
    await assert.rejects(openDockerArchive(p, { tag: 'two' }), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
  });

  it('reads a kept file of a layer at positions where it lies in the archive (openFile, readChunks), and refuses an archive changed since', async () => {
    const p = join(dir, 'pos.tar');
    await buildArchive(p);
    const fs = await openDockerArchive(p, { filter: () => true });
    try {
      const whole = await fs.readFile('etc/os-release');
      const r = await fs.openFile!('etc/os-release');
      assert.equal(r.size, whole.length);
      const b = Buffer.alloc(8);
      assert.equal(await r.read(b, 1, 4, 3), 4);
      assert.deepEqual(b.subarray(1, 5), whole.subarray(3, 7));
      assert.equal(await r.read(b, 0, 8, whole.length - 2), 2, 'a read stops at the end of the file, not of the layer');
      assert.equal(await r.read(b, 0, 8, whole.length), 0);
      r.close();
      const pieces: Buffer[] = [];
      for await (const c of fs.readChunks!('etc/os-release', 4)) pieces.push(c);
      assert.deepEqual(pieces.map((c) => c.length), [4, 4, 2]);
      assert.deepEqual(Buffer.concat(pieces), whole);
      // the archive grows: its bytes are no longer the ones the digests were checked over
      await writeFile(p, Buffer.alloc(1024), { flag: 'a' });
      await assert.rejects(fs.openFile!('etc/os-release'), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'changed-during-scan');
    } finally {
      await fs.close();
    }
  });

  it('with deferred digests the archive is checked once, by verify(), after the reads before it; opens after verify() are checked again', async () => {
    const p = join(dir, 'pos-deferred.tar');
    await buildArchive(p);
    const fs = await openDockerArchive(p, { filter: () => true, deferDigests: true });
    try {
      const before = (await fs.readFile('etc/os-release')).toString();
      // the archive grows after a read: no open refuses (no fstat per open), verify() does
      await writeFile(p, Buffer.alloc(1024), { flag: 'a' });
      const r = await fs.openFile!('etc/os-release');
      const b = Buffer.alloc(before.length);
      assert.equal(await r.read(b, 0, b.length, 0), b.length);
      r.close();
      await assert.rejects(fs.verify!(), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'changed-during-scan');
      await assert.rejects(fs.openFile!('etc/os-release'), (e: VigilError) => e.rule === 'changed-during-scan', 'after verify() every open is checked');
    } finally {
      await fs.close();
    }
    await buildArchive(p);
    const ok = await openDockerArchive(p, { filter: () => true, deferDigests: true });
    try {
      assert.equal((await ok.readFile('etc/os-release')).toString(), 'ID=debian\n');
      await ok.verify!();
      assert.equal((await ok.readFile('etc/os-release')).toString(), 'ID=debian\n', 'an unchanged archive reads after verify()');
    } finally {
      await ok.close();
    }
  });

  it('refuses a layer whose diff id does not verify', async () => {
    const p = join(dir, 'c.tar');
    await buildArchive(p, { badDiffId: true });
    await assert.rejects(openDockerArchive(p), (e: VigilError) => e.rule === 'digest-mismatch');
  });

  it('a large layer is hashed on another thread: verified after the last layer, or when the caller asks (deferDigests)', async () => {
    // past PARALLEL_HASH_BYTES (16 MiB): its diff id is computed by sources/image/hash-thread.ts while the walk seeks over bodies
    const big = Buffer.alloc(17 * 1024 * 1024, 7);
    const layer = await makeTar([{ name: 'opt/big.bin', content: big }, { name: 'etc/os-release', content: 'ID=debian\n' }]);
    const write = (path: string, tar: Buffer) => writeOneLayerArchive(path, tar, layer);
    const good = join(dir, 'big.tar');
    await write(good, layer);
    for (const deferDigests of [false, true]) {
      const fs = await openDockerArchive(good, { filter: (i) => i.path === 'etc/os-release', deferDigests });
      try {
        await fs.verify!();
        assert.equal((await fs.readFile('etc/os-release')).toString(), 'ID=debian\n');
        assert.equal((await fs.stat('opt/big.bin'))?.size, big.length);
      } finally {
        await fs.close();
      }
    }
    // one byte of the big file's body changed: the headers the walk reads are the same, the diff id is not
    const tampered = Buffer.from(layer);
    tampered[512 + 1000] ^= 1;
    const bad = join(dir, 'big-bad.tar');
    await write(bad, tampered);
    await assert.rejects(openDockerArchive(bad), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'digest-mismatch' && /uncompressed digest is sha256:/.test(e.message));
    const deferred = await openDockerArchive(bad, { filter: () => true, deferDigests: true });
    try {
      assert.equal((await deferred.readFile('etc/os-release')).toString(), 'ID=debian\n', 'read before the check');
      await assert.rejects(deferred.verify!(), (e: VigilError) => e.rule === 'digest-mismatch');
    } finally {
      await deferred.close();
    }
    // closed without asking: the hashing thread is stopped, not left reading a closed descriptor
    const unasked = await openDockerArchive(bad, { deferDigests: true });
    await unasked.close();
    // a walk stopped at an image limit (the big file's body, over maxTotalBytes): nothing more is read,
    // the layer's digest is not checked (as with inline hashing), and its hashing stops
    for (const deferDigests of [false, true]) {
      const stopped = await openDockerArchive(bad, { limits: { maxTotalBytes: 2 * 1024 * 1024 }, deferDigests });
      try {
        await stopped.verify!();
        assert.deepEqual(stopped.errors.map((e) => e.rule), ['total-too-large']);
      } finally {
        await stopped.close();
      }
    }
    // two large layers share the image's one hashing thread, in order: the second one's mismatch is named
    const layer2 = await makeTar([{ name: 'opt/big2.bin', content: Buffer.alloc(17 * 1024 * 1024, 9) }]);
    const layer2bad = Buffer.from(layer2);
    layer2bad[700] ^= 1;
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`, `sha256:${sha(layer2)}`] } });
    const cfgName = `${sha(config)}.json`;
    const two = join(dir, 'big-two.tar');
    await writeFile(two, await makeTar([
      { name: 'a/layer.tar', content: layer }, { name: 'b/layer.tar', content: layer2bad }, { name: cfgName, content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: cfgName, RepoTags: ['vigil-test/big:2'], Layers: ['a/layer.tar', 'b/layer.tar'] }]) },
    ]));
    await assert.rejects(openDockerArchive(two), (e: VigilError) => e.rule === 'digest-mismatch' && e.message.startsWith('layer 1: uncompressed digest'));
  });

  it('records hostile outer entries and writes nothing', async () => {
    const p = join(dir, 'd.tar');
    await buildArchive(p, { hostileOuter: true });
    const before = readdirSync(dir).sort();
    const fs = await openDockerArchive(p);
    assert.deepEqual(fs.errors.map((e) => e.rule), ['path-traversal']);
    assert.ok((await listAll(fs)).length > 0);
    await fs.close();
    assert.deepEqual(readdirSync(dir).sort(), before);
  });

  it('refuses a tar that is not a docker archive', async () => {
    const p = join(dir, 'e.tar');
    await writeFile(p, await makeTar([{ name: 'x', content: 'x' }]));
    await assert.rejects(openDockerArchive(p), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT');
  });

  // issue 13: the OCI variant (Docker 25+) with a malformed or null index.json / oci-layout
  for (const [what, layout, index, rule, file] of [
    ['a null index.json', '{"imageLayoutVersion":"1.0.0"}', 'null', 'schema', 'index.json'],
    ['a malformed index.json', '{"imageLayoutVersion":"1.0.0"}', '{', 'json', 'index.json'],
    ['a null oci-layout', 'null', '{"manifests":[]}', 'schema', 'oci-layout'],
    ['a malformed oci-layout', '{"image', '{"manifests":[]}', 'json', 'oci-layout'],
  ] as const) {
    it(`OCI variant: refuses ${what} with a VigilError naming the entry`, async () => {
      const p = join(dir, 'oci-variant.tar');
      await writeFile(p, await makeTar([{ name: 'oci-layout', content: layout }, { name: 'index.json', content: index }, { name: 'blobs/', type: 'directory' }]));
      await assert.rejects(openDockerArchive(p), (e: unknown) => {
        assert.ok(e instanceof VigilError, `not a VigilError: ${(e as Error)?.stack}`);
        assert.equal(e.rule, rule);
        assert.ok(e.message.includes(`${p}!${file}`), e.message);
        return true;
      });
    });
  }

  it('fuzz regression: a size field that is not a number is a VigilError, not a RangeError from Buffer.alloc', async () => {
    const p = join(dir, 'bad-size.tar');
    const tar = await makeTar([{ name: 'manifest.json', content: '[]' }]);
    tar.write('zzzzzzzzzzz\0', 124, 'latin1'); // the first header's size field
    await writeFile(p, tar);
    await assert.rejects(openDockerArchive(p), (e: unknown) => e instanceof VigilError && e.rule === 'tar' && /bad size field/.test(e.message));
  });
});
