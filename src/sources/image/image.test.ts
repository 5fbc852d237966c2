import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { gz, listAll, makeTar, tempDir, type TarSpec } from '../testutil.ts';
import { tarHeader, zstdFrame } from '../../../test/helpers/hostile.ts';
import { summarizeSkipped } from '../types.ts';
import { openImage, type LayerInput } from './index.ts';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const layer = (blob: Buffer, tarBytes?: Buffer, createdBy?: string): LayerInput => ({
  open: () => Readable.from([blob]),
  digest: sha(blob),
  ...(tarBytes ? { diffId: sha(tarBytes) } : {}),
  ...(createdBy ? { createdBy } : {}),
});
async function layers(specs: TarSpec[][], compress = true): Promise<LayerInput[]> {
  const out: LayerInput[] = [];
  for (const [i, s] of specs.entries()) {
    const t = await makeTar(s);
    out.push(layer(compress ? gz(t) : t, t, `step ${i}`));
  }
  return out;
}
const all = () => true;

describe('image: layers applied in order', () => {
  it('applies whiteouts, opaque dirs, ./ prefixes, hardlinks, symlinks and attributes layers', async () => {
    const ls = await layers([
      [
        { name: './etc/', type: 'directory' },
        { name: './etc/issue.net', content: 'Debian\n' },
        { name: './etc/os-release', content: 'ID=debian\n' },
        { name: './opt/old/a.txt', content: 'a' },
        { name: './opt/old/sub/b.txt', content: 'b' },
        { name: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="11"\n' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'bin/sh', content: '#!' },
        { name: 'bin/dash', type: 'link', linkname: 'bin/sh' },
      ],
      [
        { name: 'etc/.wh.issue.net' },
        { name: 'opt/old/' , type: 'directory' },
        { name: 'opt/old/.wh..wh..opq' },
        { name: 'opt/old/new.txt', content: 'new' },
        { name: 'app/package.json', content: '{"name":"x"}' },
        { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      ],
    ]);
    const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: ls }, { filter: all });
    try {
      const paths = (await listAll(fs)).map((e) => e.path);
      assert.ok(!paths.includes('etc/issue.net'), 'whiteout removes the file');
      assert.ok(!paths.includes('opt/old/a.txt') && !paths.includes('opt/old/sub/b.txt'), 'opaque dir hides lower entries');
      assert.ok(paths.includes('opt/old/new.txt'));
      assert.deepEqual(paths, [...paths].sort((a, b) => (a.split('/').join('\0') < b.split('/').join('\0') ? -1 : 1)), 'sorted depth first');
      assert.equal((await fs.readFile('etc/os-release')).toString(), 'ID=debian\nVERSION_ID="11"\n', 'symlink followed');
      assert.equal((await fs.readFile('/lib/os-release')).toString(), 'ID=debian\nVERSION_ID="11"\n', 'dir symlink followed');
      assert.equal((await fs.readFile('bin/dash')).toString(), '#!', 'hardlink shares content');
      const app = await fs.stat('app/package.json');
      assert.equal(app?.layer?.index, 1);
      assert.equal(app?.layer?.createdBy, 'step 1');
      assert.equal((await fs.stat('usr/lib/os-release'))?.layer?.index, 0);
      assert.equal((await fs.stat('etc/os-release'))?.kind, 'file');
      assert.equal(fs.target.layers?.length, 2);
      assert.deepEqual(fs.errors, []);
      await assert.rejects(fs.readFile('etc/issue.net'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    } finally {
      await fs.close();
    }
  });

  it('reads uncompressed and zstd layers (detected by magic bytes)', async () => {
    const t = await makeTar([{ name: 'a/b.txt', content: 'zstd works' }]);
    const dir = await tempDir('zstd');
    try {
      await writeFile(join(dir, 'l.tar'), t);
      execFileSync('zstd', ['-q', '-f', join(dir, 'l.tar'), '-o', join(dir, 'l.tar.zst')]);
      const zst = readFileSync(join(dir, 'l.tar.zst'));
      assert.equal(zst.readUInt32LE(0), 0xfd2fb528);
      for (const blob of [t, zst]) {
        const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: [layer(blob, t)] }, { filter: all });
        assert.equal((await fs.readFile('a/b.txt')).toString(), 'zstd works');
        await fs.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('verifies blob digests and diff ids', async () => {
    const t = await makeTar([{ name: 'x', content: 'x' }]);
    const blob = gz(t);
    const other = sha(Buffer.from('other'));
    const mismatch = (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'digest-mismatch';
    const target = { kind: 'test', ref: 't' };
    // the content against the diff id
    await assert.rejects(openImage({ target, layers: [{ ...layer(blob, t), diffId: sha(blob) }] }), mismatch);
    // no diff id: the blob against its digest
    await assert.rejects(openImage({ target, layers: [{ open: () => Readable.from([blob]), digest: other }] }), mismatch);
    // a plain tar is its own blob: the one hash checks both
    await assert.rejects(openImage({ target, layers: [{ ...layer(t, t), digest: other }] }), mismatch);
    // a compressed blob with a diff id is not hashed a second time (README.md, "Digests"): its
    // content is what the diff id names; its length must still be the descriptor's
    const fs = await openImage({ target, layers: [{ ...layer(blob, t), digest: other }] });
    assert.equal((await fs.stat('x'))?.size, 1);
    await fs.close();
    await assert.rejects(openImage({ target, layers: [{ ...layer(blob, t), size: blob.length + 1 }] }), mismatch);
  });

  it('keeps only what the filter asks for, spilling big files to the scratch dir', async () => {
    const scratchParent = await tempDir('scratch');
    try {
      const big = Buffer.alloc(300_000, 7);
      const ls = await layers([[{ name: 'keep/big.bin', content: big }, { name: 'keep/small.txt', content: 's' }, { name: 'skip/x.txt', content: 'x' }]]);
      const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: ls }, { filter: (i) => i.path.startsWith('keep/'), memoryFileBytes: 1000, scratchParent });
      assert.equal(readdirSync(scratchParent).length, 1, 'one scratch dir');
      assert.deepEqual(await fs.readFile('keep/big.bin'), big);
      assert.equal((await fs.readFile('keep/small.txt')).toString(), 's');
      await assert.rejects(fs.readFile('skip/x.txt'), (e: VigilError) => e.rule === 'content-not-kept');
      await fs.close();
      await fs.close();
      assert.deepEqual(readdirSync(scratchParent), [], 'close() removes the scratch dir');
    } finally {
      await rm(scratchParent, { recursive: true, force: true });
    }
  });
});

describe('image: hostile layers', () => {
  const work: string[] = [];
  after(async () => {
    for (const d of work) await rm(d, { recursive: true, force: true });
  });

  it('refuses traversal, absolute names, escaping symlinks and hardlinks, devices; writes nothing outside scratch', async () => {
    const base = await tempDir('hostile');
    work.push(base);
    const scratchParent = join(base, 'scratch');
    const canaryDir = join(base, 'canary');
    execFileSync('mkdir', ['-p', scratchParent, canaryDir]);
    // relative escapes aimed at the canary dir, whatever the cwd or scratch location
    const up = '../'.repeat(20);
    const ls = await layers([
      [
        { name: `../../${'x/'.repeat(0)}etc/passwd`, content: 'root::0:0' },
        { name: `${up}${canaryDir.slice(1)}/dotdot.txt`, content: 'pwned' },
        { name: `${canaryDir}/absolute.txt`, content: 'pwned' },
        { name: 'evil', type: 'symlink', linkname: `${up}${canaryDir.slice(1)}` },
        { name: 'evil/through-symlink.txt', content: 'pwned' },
        { name: 'etc/', type: 'directory' },
        { name: 'abs', type: 'symlink', linkname: '/etc' },
        { name: 'abs/inside.txt', content: 'stays inside the image' },
        { name: 'hard', type: 'link', linkname: `${up}${canaryDir.slice(1)}/x` },
        { name: 'hard-abs', type: 'link', linkname: '/etc/shadow' },
        { name: 'dev/null', type: 'character-device' },
        { name: 'ok.txt', content: 'fine' },
      ],
    ]);
    const fs = await openImage({ target: { kind: 'test', ref: 'hostile' }, layers: ls }, { filter: all, memoryFileBytes: 0, scratchParent });
    const rules = fs.errors.map((e) => e.rule).sort();
    assert.deepEqual(rules, ['device-file', 'path-traversal', 'path-traversal', 'path-traversal', 'path-traversal', 'path-traversal', 'symlink-escape']);
    const paths = (await listAll(fs)).map((e) => e.path);
    assert.deepEqual(paths, ['abs', 'etc', 'etc/inside.txt', 'evil', 'ok.txt']);
    assert.equal((await fs.readFile('abs/inside.txt')).toString(), 'stays inside the image', 'absolute link targets are root-relative');
    assert.equal(await fs.stat('evil'), null, 'an escaping symlink does not resolve');
    assert.ok(fs.errors.some((e) => e.rule === 'symlink-escape' && e.path === 'evil'));
    await assert.rejects(fs.readFile('evil/x'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    assert.equal((await fs.readFile('ok.txt')).toString(), 'fine');
    assert.deepEqual(readdirSync(canaryDir), [], 'nothing written outside the scratch dir');
    assert.ok(!existsSync('/etc/passwd') || !readFileSync('/etc/passwd', 'utf8').startsWith('root::0:0'));
    await fs.close();
    assert.deepEqual(readdirSync(scratchParent), [], 'scratch dir removed');
  });

  it('catches a gzip bomb by ratio (that file skipped, the rest read) and by total size (reading stops)', async () => {
    const t = await makeTar([{ name: 'zeros.bin', content: Buffer.alloc(64 * 1024 * 1024) }, { name: 'after.txt', content: 'x' }]);
    const blob = gz(t);
    const scratchParent = await tempDir('bomb');
    work.push(scratchParent);
    const byRatio = await openImage({ target: { kind: 'test', ref: 'bomb' }, layers: [layer(blob, t), layer(gz(await makeTar([{ name: 'next.txt', content: 'n' }])))] }, { filter: all, limits: { maxRatio: 100 }, scratchParent });
    assert.deepEqual(byRatio.errors.map((e) => [e.rule, e.path]), [['decompression-bomb', `layer ${sha(t)}!zeros.bin`]]);
    assert.match(byRatio.errors[0].message, /ratio over 100/);
    assert.equal((await byRatio.readFile('after.txt')).toString(), 'x', 'the entries after the bomb are still read');
    await assert.rejects(byRatio.readFile('zeros.bin'), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'decompression-bomb');
    assert.ok(await byRatio.stat('next.txt'), 'later layers still apply');
    await byRatio.close();
    const bySize = await openImage({ target: { kind: 'test', ref: 'bomb' }, layers: [layer(blob, t), layer(gz(await makeTar([{ name: 'next.txt', content: 'n' }])))] }, { filter: all, limits: { maxTotalBytes: 8 * 1024 * 1024 }, scratchParent });
    assert.deepEqual(bySize.errors.map((e) => e.rule), ['total-too-large']);
    assert.equal(await bySize.stat('next.txt'), null, 'over the total, nothing more is read');
    await bySize.close();
    assert.deepEqual(readdirSync(scratchParent), []);
  });

  it('a zstd bomb (RLE blocks: 512 MiB of zeros in 16 KB) is one skipped file; the rest of the layer is read', async () => {
    const size = 512 * 1024 * 1024;
    const blob = zstdFrame([tarHeader('zeros.bin', size), { zeros: size }, await makeTar([{ name: 'after.txt', content: 'after' }])]);
    const fs = await openImage({ target: { kind: 'test', ref: 'zstd' }, layers: [{ open: () => Readable.from([blob]) }] }, { filter: all });
    assert.deepEqual(fs.errors.map((e) => [e.rule, e.path]), [['file-too-large', 'layer layer-0!zeros.bin']], 'one skipped file, one record');
    assert.equal((await fs.readFile('after.txt')).toString(), 'after');
    await fs.close();
    const unwanted = await openImage({ target: { kind: 'test', ref: 'zstd' }, layers: [{ open: () => Readable.from([blob]) }] }, { filter: (i) => i.path === 'after.txt' });
    assert.deepEqual(unwanted.errors.map((e) => [e.rule, e.path]), [['decompression-bomb', 'layer layer-0!zeros.bin']], 'a bomb nobody wanted is still recorded');
    assert.equal((await unwanted.readFile('after.txt')).toString(), 'after');
    await unwanted.close();
  });

  it('entry names: a name over maxNameBytes skips that entry; names over maxTotalNameBytes stop the image', async () => {
    const long = `d/${'n'.repeat(3000)}`;
    const ls = await layers([[{ name: long, content: 'a' }, { name: 'ok.txt', content: 'fine' }, ...Array.from({ length: 50 }, (_, i) => ({ name: `f${i}-${'x'.repeat(200)}`, content: '' }))], [{ name: 'later.txt', content: 'l' }]]);
    const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: ls }, { filter: all, limits: { maxNameBytes: 1024, maxTotalNameBytes: 4096 } });
    const rules = fs.errors.map((e) => e.rule);
    assert.deepEqual(rules, ['name-too-long', 'too-many-name-bytes']);
    assert.ok(fs.errors[0].path.length < 400, 'a hostile name is cut in the record');
    assert.equal((await fs.readFile('ok.txt')).toString(), 'fine');
    assert.equal(await fs.stat('later.txt'), null);
    await fs.close();
    // a record per skipped entry up to 1000, then one per rule with a count
    const longs = await layers([[...Array.from({ length: 1200 }, (_, i) => ({ name: `${i}-${'n'.repeat(5000)}`, content: '' })), { name: 'after.txt', content: 'a' }]]);
    const noisy = await openImage({ target: { kind: 'test', ref: 't' }, layers: longs }, { filter: all });
    assert.equal(noisy.errors.length, 1001);
    assert.deepEqual([noisy.errors[1000].rule, noisy.errors[1000].count], ['name-too-long', 200]);
    assert.equal(summarizeSkipped(noisy.errors)?.skipped, 1200);
    assert.equal((await noisy.readFile('after.txt')).toString(), 'a');
    await noisy.close();
    const many = await openImage({ target: { kind: 'test', ref: 't' }, layers: ls }, { filter: all, limits: { maxEntries: 10 } });
    assert.deepEqual(many.errors.map((e) => e.rule), ['too-many-entries']);
    await many.close();
  });

  it('lists huge files without reading them', async () => {
    const ls = await layers([[{ name: 'huge.bin', content: Buffer.alloc(5000) }]]);
    const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: ls }, { filter: all, limits: { maxFileBytes: 1000 } });
    assert.deepEqual(fs.errors.map((e) => e.rule), ['file-too-large']);
    assert.equal((await fs.stat('huge.bin'))?.size, 5000);
    await assert.rejects(fs.readFile('huge.bin'), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED' && e.rule === 'file-too-large');
    await fs.close();
  });
});
