import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { gz, makeTar, tempDir } from '../testutil.ts';
import { listTags, MAX_LAYOUT_FILE_BYTES, openOciLayout } from './index.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes a blob and returns its descriptor. */
async function blob(dir: string, data: Buffer | object, mediaType: string, extra: object = {}) {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data));
  await writeFile(join(dir, 'blobs/sha256', sha(b)), b);
  return { mediaType, digest: `sha256:${sha(b)}`, size: b.length, ...extra };
}

/** One single-layer image per architecture, under a docker manifest list tagged "multi", plus an OCI image tagged "single". */
async function buildLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs/sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const image = async (arch: string, docker: boolean) => {
    const t1 = await makeTar([{ name: './etc/arch', content: arch }, { name: './etc/gone', content: 'x' }]);
    const t2 = await makeTar([{ name: './etc/.wh.gone' }, { name: './app/x', content: 'y' }]);
    const l1 = await blob(dir, gz(t1), docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip');
    const l2 = await blob(dir, t2, docker ? 'application/vnd.docker.image.rootfs.diff.tar' : 'application/vnd.oci.image.layer.v1.tar');
    const config = await blob(
      dir,
      {
        architecture: arch,
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha(t1)}`, `sha256:${sha(t2)}`] },
        history: [{ created_by: 'ADD rootfs' }, { created_by: 'ENV X=1', empty_layer: true }, { created_by: 'COPY app' }],
      },
      docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
    );
    const mt = docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
    return blob(dir, { schemaVersion: 2, mediaType: mt, config, layers: [l1, l2] }, mt, { platform: { os: 'linux', architecture: arch } });
  };
  const amd = await image('amd64', true);
  const arm = await image('arm64', true);
  const list = await blob(dir, { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [arm, amd] }, 'application/vnd.docker.distribution.manifest.list.v2+json', {
    annotations: { 'org.opencontainers.image.ref.name': 'multi' },
  });
  const single = { ...(await image('amd64', false)), annotations: { 'org.opencontainers.image.ref.name': 'single' } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [list, single] }));
}

describe('oci-layout', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('oci');
    await buildLayout(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists tags and requires one when there are several', async () => {
    assert.deepEqual(await listTags(dir), ['multi', 'single']);
    await assert.rejects(openOciLayout(dir), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT' && /multi, single/.test(e.message));
    await assert.rejects(openOciLayout(dir, { tag: 'nope' }), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
  });

  it('selects a platform from a manifest list (default linux/amd64)', async () => {
    for (const [platform, want] of [[undefined, 'amd64'], ['linux/arm64', 'arm64']] as const) {
      const fs = await openOciLayout(dir, { tag: 'multi', platform, filter: () => true });
      assert.equal((await fs.readFile('etc/arch')).toString(), want);
      assert.equal(fs.target.platform, `linux/${want}`);
      assert.equal(fs.target.kind, 'oci-layout');
      assert.equal(await fs.stat('etc/gone'), null, 'whiteout applied');
      const x = await fs.stat('app/x');
      assert.deepEqual({ index: x?.layer?.index, createdBy: x?.layer?.createdBy }, { index: 1, createdBy: 'COPY app' }, 'empty_layer history skipped');
      await fs.close();
    }
    await assert.rejects(openOciLayout(dir, { tag: 'multi', platform: 'linux/s390x' }), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND' && /arm64/.test(e.message));
  });

  it('opens an OCI manifest with gzip and plain layers', async () => {
    const fs = await openOciLayout(dir, { tag: 'single', filter: () => true });
    assert.equal((await fs.readFile('app/x')).toString(), 'y');
    assert.equal(fs.target.layers?.length, 2);
    await fs.close();
  });

  it('refuses a tampered blob', async () => {
    const bad = await tempDir('oci-bad');
    try {
      await buildLayout(bad);
      const { readdir, readFile } = await import('node:fs/promises');
      // corrupt the gzip layer of every image: its digest no longer matches
      for (const f of await readdir(join(bad, 'blobs/sha256'))) {
        const p = join(bad, 'blobs/sha256', f);
        const b = await readFile(p);
        if (b[0] === 0x1f && b[1] === 0x8b) await writeFile(p, Buffer.concat([b, Buffer.from([0])]));
      }
      await assert.rejects(openOciLayout(bad, { tag: 'single' }), (e: VigilError) => e.rule === 'digest-mismatch' || e.rule === 'corrupt-layer');
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('refuses a directory that is not a layout', async () => {
    await assert.rejects(openOciLayout(join(dir, 'blobs')), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT');
  });

  // issue 13: these were raw SyntaxError/TypeError/ENOENT stack traces
  for (const [what, layout, index, rule, names] of [
    ['a malformed oci-layout', '{', '{"manifests":[]}', 'json', 'oci-layout'],
    ['a null oci-layout', 'null', '{"manifests":[]}', 'schema', 'oci-layout'],
    ['an oci-layout of another version', '{"imageLayoutVersion":"2.0.0"}', '{"manifests":[]}', 'oci-layout', 'oci-layout'],
    ['a missing oci-layout', null, '{"manifests":[]}', 'oci-layout', 'oci-layout'],
    ['a missing index.json', '{"imageLayoutVersion":"1.0.0"}', null, 'oci-layout', 'index.json'],
    ['a null index.json', '{"imageLayoutVersion":"1.0.0"}', 'null', 'schema', 'index.json'],
    ['a malformed index.json', '{"imageLayoutVersion":"1.0.0"}', '{"manifests":[', 'json', 'index.json'],
    ['an index.json that is a directory', '{"imageLayoutVersion":"1.0.0"}', 'DIR', 'oci-layout', 'index.json'],
    ['an index.json with no images', '{"imageLayoutVersion":"1.0.0"}', '{"schemaVersion":2,"manifests":[]}', 'empty-index', ''],
  ] as const) {
    it(`refuses ${what} with a VigilError naming the file and the rule`, async () => {
      const d = await tempDir('oci-malformed');
      try {
        if (layout !== null) await writeFile(join(d, 'oci-layout'), layout);
        if (index === 'DIR') await mkdir(join(d, 'index.json'));
        else if (index !== null) await writeFile(join(d, 'index.json'), index);
        await assert.rejects(openOciLayout(d), (e: unknown) => {
          assert.ok(e instanceof VigilError, `not a VigilError: ${(e as Error)?.stack}`);
          assert.equal(e.code, 'VIGIL_INVALID_INPUT');
          assert.equal(e.rule, rule);
          assert.ok(e.message.includes(join(d, names)), e.message);
          return true;
        });
        if (layout !== null && names === 'index.json') await assert.rejects(listTags(d), VigilError);
      } finally {
        await rm(d, { recursive: true, force: true });
      }
    });
  }

  it('refuses an index.json over MAX_LAYOUT_FILE_BYTES before reading it', async () => {
    const d = await tempDir('oci-huge-index');
    try {
      await writeFile(join(d, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(join(d, 'index.json'), `{"schemaVersion":2,"manifests":[],"pad":"${'x'.repeat(MAX_LAYOUT_FILE_BYTES)}"}`);
      await assert.rejects(openOciLayout(d), (e: unknown) => {
        assert.ok(e instanceof VigilError, `not a VigilError: ${(e as Error)?.stack}`);
        assert.equal(e.code, 'VIGIL_LIMIT_EXCEEDED');
        assert.equal(e.rule, 'file-too-large');
        assert.ok(e.message.includes(join(d, 'index.json')), e.message);
        return true;
      });
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
