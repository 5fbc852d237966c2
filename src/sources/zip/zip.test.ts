import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { makeZip } from '../../../test/helpers/zip.ts';
import { overlappingJar } from '../../../test/helpers/hostile.ts';
import { VigilError } from '../../model/index.ts';
import { listAll } from '../testutil.ts';
import { openZip } from './index.ts';

const td = (p: string): string => join(new URL('.', import.meta.url).pathname, 'testdata', p);

describe('zip', () => {
  it('opens a function package with Lambda layers under /opt (later layers win)', async () => {
    const fs = await openZip(td('happy/function.zip'), { layers: [td('happy/layer1.zip'), td('happy/layer2.zip')] });
    const paths = (await listAll(fs)).map((e) => e.path);
    assert.ok(paths.includes('index.js') && paths.includes('opt/python/requests-2.19.0.dist-info/METADATA'));
    assert.equal(JSON.parse((await fs.readFile('opt/nodejs/node_modules/shared/package.json')).toString()).version, '2.0.0');
    assert.equal((await fs.stat('opt/nodejs/node_modules/shared/package.json'))?.layer?.index, 1);
    assert.equal(JSON.parse((await fs.readFile('modules/lodash/package.json')).toString()).version, '4.17.4', 'symlink entry followed');
    assert.equal((await fs.stat('modules'))?.kind, 'dir');
    // readChunks (runtime binaries are searched in pieces): the same bytes, through symlinks too
    const pieces: Buffer[] = [];
    for await (const p of fs.readChunks!('modules/lodash/package.json', 7)) pieces.push(p);
    assert.ok(pieces.length > 1 && pieces.every((p) => p.length <= 7));
    assert.ok(Buffer.concat(pieces).equals(await fs.readFile('modules/lodash/package.json')));
    assert.deepEqual(fs.errors, []);
    await fs.close();
    await fs.close();
  });

  it('refuses traversal, absolute names, escaping symlinks, devices and bombs', async () => {
    const fs = await openZip(td('sad/hostile.zip'));
    assert.deepEqual(fs.errors.map((e) => e.rule), ['path-traversal', 'path-traversal', 'path-traversal', 'symlink-escape', 'device-file', 'decompression-bomb']);
    assert.deepEqual((await listAll(fs)).map((e) => e.path), ['abs-link', 'bomb.bin', 'escape', 'ok.txt']);
    assert.equal((await fs.readFile('abs-link')).toString(), 'fine', 'absolute link targets are root-relative');
    await assert.rejects(fs.readFile('bomb.bin'), (e: VigilError) => e.code === 'VIGIL_UNSAFE_ARCHIVE' && e.rule === 'decompression-bomb');
    await assert.rejects(fs.readFile('escape/passwd'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    assert.ok(fs.errors.some((e) => e.rule === 'symlink-escape' && e.path === 'escape/passwd'));
    await fs.close();
  });

  it('lists big files without reading them', async () => {
    const fs = await openZip(td('sad/hostile.zip'), { limits: { maxRatio: 1e9, maxFileBytes: 1024 } });
    assert.ok(fs.errors.some((e) => e.rule === 'file-too-large' && e.path === `${td('sad/hostile.zip')}!bomb.bin`), JSON.stringify(fs.errors));
    await assert.rejects(fs.readFile('bomb.bin'), (e: VigilError) => e.code === 'VIGIL_LIMIT_EXCEEDED');
    await fs.close();
  });

  it('catches a total-size bomb', async () => {
    const fs = await openZip(td('sad/hostile.zip'), { limits: { maxRatio: 1e9, maxTotalBytes: 1024 * 1024 } });
    assert.ok(fs.errors.some((e) => e.rule === 'total-too-large' && /more than 1048576 bytes/.test(e.message)));
    await fs.close();
  });

  it('overlapping entries: the first is read, the others listed and refused; the rest of the zip is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-zip-'));
    try {
      const zip = join(dir, 'f.zip');
      writeFileSync(zip, overlappingJar(Buffer.from('same bytes'), 50, [{ name: 'package.json', data: '{"name":"x","version":"1.0.0"}' }]));
      const fs = await openZip(zip);
      assert.deepEqual(fs.errors.map((e) => [e.rule, e.count]), [['overlapping-entries', 49]]);
      assert.equal((await fs.readFile('lib/copy-0.jar')).toString(), 'same bytes');
      await assert.rejects(fs.readFile('lib/copy-7.jar'), (e: VigilError) => e.rule === 'overlapping-entries');
      assert.equal(JSON.parse((await fs.readFile('package.json')).toString()).version, '1.0.0');
      await fs.close();
      // names: one too long is skipped; the total stops the zip
      writeFileSync(zip, makeZip([{ name: 'n'.repeat(5000), data: 'a' }, { name: 'ok.txt', data: 'ok' }, ...Array.from({ length: 20 }, (_, i) => ({ name: `${i}-${'x'.repeat(100)}`, data: '' }))]));
      const names = await openZip(zip, { limits: { maxTotalNameBytes: 1000 } });
      assert.deepEqual(names.errors.map((e) => e.rule), ['name-too-long', 'too-many-name-bytes']);
      assert.equal((await names.readFile('ok.txt')).toString(), 'ok');
      await names.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a zip', async () => {
    await assert.rejects(openZip(td('sad/not-a-zip.zip')), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT');
  });
});

describe('zip: damaged archives (fuzz regressions)', () => {
  it('a damaged central directory is a VigilError naming the file, not yauzl\'s Error', async () => {
    const { makeZip } = await import('../../../test/helpers/zip.ts');
    const { writeFile, rm } = await import('node:fs/promises');
    const { tempDir } = await import('../testutil.ts');
    const z = makeZip([{ name: 'a.txt', data: 'a' }, { name: 'b.txt', data: 'b' }]);
    const cd = z.readUInt32LE(z.length - 22 + 16); // EOCD: offset of the central directory
    z.writeUInt32LE(0x55555555, cd); // its first header's signature
    const dir = await tempDir('zip-damaged');
    const p = join(dir, 'damaged.zip');
    try {
      await writeFile(p, z);
      await assert.rejects(openZip(p), (e: unknown) => e instanceof VigilError && e.rule === 'zip' && e.message.includes(p) && /central directory/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an entry with invalid deflate data fails its read with a VigilError; the listing stands', async () => {
    const { makeZip } = await import('../../../test/helpers/zip.ts');
    const { writeFile, rm } = await import('node:fs/promises');
    const { tempDir } = await import('../testutil.ts');
    const data = 'x'.repeat(1000);
    const z = makeZip([{ name: 'a.txt', data }]);
    z.fill(0xff, 30 + 'a.txt'.length, 30 + 'a.txt'.length + 4); // the start of the deflate stream
    const dir = await tempDir('zip-damaged');
    const p = join(dir, 'bad-deflate.zip');
    try {
      await writeFile(p, z);
      const fs = await openZip(p);
      try {
        assert.deepEqual((await listAll(fs)).map((e) => e.path), ['a.txt']);
        await assert.rejects(fs.readFile('a.txt'), (e: unknown) => e instanceof VigilError && e.message.includes('a.txt'));
      } finally {
        await fs.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
