/**
 * Against a real registry: docker-registry (Debian package) on a free loopback port, images
 * pushed with skopeo from OCI layouts built here. Skips when the tools are missing.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { VigilError } from '../../model/index.ts';
import { openImage } from '../image/index.ts';
import { headManifest, listRepositories, listTags, openRegistryImage, RegistryClient, toImageSource } from './index.ts';
import { HOW, needs, needsAll, needsNow, TARGETS } from '../../../test/helpers/prereq.ts';
import {
  htpasswdFile,
  Layout,
  pushImage,
  selfSignedCert,
  sha256,
  skopeoCopy,
  startRegistry,
  startTokenServer,
  tamperBlob,
  tempDir,
  which,
  type BuiltImage,
  type RegistryProcess,
  type TokenServer,
} from './testutil.ts';

const registryBin = await which('docker-registry', 'registry');
const skopeoBin = await which('skopeo');
const htpasswdBin = await which('htpasswd');
const opensslBin = await which('openssl');
const zstdBin = await which('zstd');
const skip = needsAll([
  ['docker-registry', registryBin, HOW.apt('docker-registry')],
  ['skopeo', skopeoBin, HOW.apt('skopeo')],
]);

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function rule(r: string) {
  return (e: unknown) => {
    assert.ok(e instanceof VigilError, `expected a VigilError, got ${String(e)}`);
    assert.equal(e.rule, r, e.message);
    return true;
  };
}

/** the images every registry below gets */
async function buildLayout(dir: string) {
  const layout = await Layout.create(dir);
  const app = await layout.image({
    layers: [{ 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n' }, { 'app/package.json': '{"name":"demo","version":"1.0.0"}' }],
    createdBy: ['ADD rootfs /', 'COPY app /app'],
  });
  layout.tag('app', app);
  const amd64 = await layout.image({ layers: [{ 'arch.txt': 'amd64\n' }] });
  const arm64 = await layout.image({ architecture: 'arm64', variant: 'v8', layers: [{ 'arch.txt': 'arm64\n' }] });
  const armv7 = await layout.image({ architecture: 'arm', variant: 'v7', layers: [{ 'arch.txt': 'arm v7\n' }] });
  const multi = await layout.tagIndex('multi', [
    { img: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    { img: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { img: armv7, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  ]);
  // content no other image shares, so that tampering with its blobs hurts nobody else
  const victim = await layout.image({ layers: [{ 'victim.txt': `victim ${Date.now()}\n` }, { 'victim2.txt': 'second\n' }] });
  layout.tag('victim', victim);
  const raw = await layout.image({ compression: 'none', layers: [{ 'raw.txt': 'uncompressed\n' }, { 'raw2.txt': 'two\n' }] });
  layout.tag('raw', raw);
  const zstd = zstdBin ? await layout.image({ compression: 'zstd', layers: [{ 'z.txt': 'zstd layer\n' }] }) : undefined;
  await layout.save();
  return { app, amd64, arm64, armv7, multi, victim, raw, zstd };
}

describe('registry client against docker-registry (anonymous)', { skip }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let reg: RegistryProcess;
  let imgs: Awaited<ReturnType<typeof buildLayout>>;

  before(async () => {
    tmp = await tempDir('vigil-registry-');
    const layoutDir = join(tmp.dir, 'layout');
    imgs = await buildLayout(layoutDir);
    reg = await startRegistry(registryBin!, join(tmp.dir, 'reg'));
    await skopeoCopy(`oci:${layoutDir}:app`, `docker://${reg.host}/team/app:1.0`);
    await skopeoCopy(`oci:${layoutDir}:app`, `docker://${reg.host}/team/app:1.1`);
    await skopeoCopy(`oci:${layoutDir}:app`, `docker://${reg.host}/team/app:2.0`);
    await skopeoCopy(`oci:${layoutDir}:multi`, `docker://${reg.host}/multi:latest`, { all: true });
    await skopeoCopy(`oci:${layoutDir}:victim`, `docker://${reg.host}/victim:1`);
    // skopeo gzips plain layers on the way to a registry and (1.9) will not turn gzip into zstd:
    // these two go straight through the API
    await pushImage(reg.host, 'raw', '1', layoutDir, imgs.raw);
    if (imgs.zstd) await pushImage(reg.host, 'zstd', '1', layoutDir, imgs.zstd);
  });
  after(async () => {
    await reg?.stop();
    await tmp?.remove();
  });

  test('pulls an image anonymously: manifest digest, config, layers with diff ids and history', async () => {
    const img = await openRegistryImage(`${reg.host}/team/app:1.0`);
    assert.equal(img.ref, `${reg.host}/team/app:1.0`);
    assert.equal(img.digest, imgs.app.manifestDigest);
    assert.equal(img.configDigest, imgs.app.configDigest);
    assert.equal(img.indexDigest, undefined);
    assert.deepEqual(img.platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(img.config.rootfs.diff_ids, imgs.app.layers.map((l) => l.diffId));
    assert.equal(img.layers.length, 2);
    assert.deepEqual(
      img.layers.map((l) => [l.index, l.digest, l.compression, l.createdBy, l.diffId]),
      imgs.app.layers.map((l, i) => [i, l.digest, 'gzip', ['ADD rootfs /', 'COPY app /app'][i], l.diffId]),
    );
    for (const [i, layer] of img.layers.entries()) {
      const gz = await readAll(await layer.open());
      assert.equal(gz.length, layer.size);
      const t = gunzipSync(gz);
      assert.equal(sha256(t), layer.diffId);
      assert.ok(t.equals(imgs.app.layers[i]!.tar));
    }
  });

  test('feeds src/sources/image: the final filesystem with layer attribution', async () => {
    const img = await openRegistryImage(`${reg.host}/team/app:1.0`);
    const fs = await openImage(toImageSource(img), { filter: () => true });
    try {
      assert.equal(fs.target.kind, 'registry');
      assert.equal(fs.target.digest, imgs.app.manifestDigest);
      assert.equal(fs.target.platform, 'linux/amd64');
      assert.equal((await fs.readFile('app/package.json')).toString(), '{"name":"demo","version":"1.0.0"}');
      const st = await fs.stat('app/package.json');
      assert.deepEqual(st?.layer, { index: 1, digest: imgs.app.layers[1]!.diffId, createdBy: 'COPY app /app' });
    } finally {
      await fs.close();
    }
  });

  test('pulls by digest, and headManifest gives the tag digest', async () => {
    const head = await headManifest(`${reg.host}/team/app:1.1`);
    assert.equal(head.digest, imgs.app.manifestDigest);
    assert.equal(head.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(head.size, imgs.app.manifest.length);
    const img = await openRegistryImage(`${reg.host}/team/app@${head.digest}`);
    assert.equal(img.digest, imgs.app.manifestDigest);
    assert.equal(img.reference.digest, head.digest);
  });

  test('missing tag and missing repository are manifest-unknown', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/team/app:nope`), (e) => {
      rule('manifest-unknown')(e);
      assert.equal((e as VigilError).code, 'VIGIL_NOT_FOUND');
      assert.match((e as Error).message, /team\/app:nope/);
      return true;
    });
    await assert.rejects(headManifest(`${reg.host}/no/such:1`), rule('manifest-unknown'));
  });

  test('a multi-platform index: default linux/amd64, explicit platforms, platform-not-found', async () => {
    const client = new RegistryClient(reg.host);
    const dflt = await openRegistryImage(`${reg.host}/multi`, { client });
    assert.equal(dflt.indexDigest, imgs.multi.digest);
    assert.equal(dflt.digest, imgs.amd64.manifestDigest);
    assert.deepEqual(dflt.platform, { os: 'linux', architecture: 'amd64' });

    const arm64 = await openRegistryImage(`${reg.host}/multi`, { client, platform: 'linux/arm64' });
    assert.equal(arm64.digest, imgs.arm64.manifestDigest);
    const aarch64 = await openRegistryImage(`${reg.host}/multi`, { client, platform: 'linux/aarch64/v8' });
    assert.equal(aarch64.digest, imgs.arm64.manifestDigest);
    const armv7 = await openRegistryImage(`${reg.host}/multi`, { client, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    assert.equal(armv7.digest, imgs.armv7.manifestDigest);
    assert.equal(gunzipSync(await readAll(await armv7.layers[0]!.open())).includes('arm v7'), true);
    const armDefault = await openRegistryImage(`${reg.host}/multi`, { client, platform: 'linux/arm' });
    assert.equal(armDefault.digest, imgs.armv7.manifestDigest);

    await assert.rejects(openRegistryImage(`${reg.host}/multi`, { client, platform: 'linux/arm/v6' }), rule('platform-not-found'));
    await assert.rejects(openRegistryImage(`${reg.host}/multi`, { client, platform: 'linux/s390x' }), (e) => {
      rule('platform-not-found')(e);
      assert.match((e as Error).message, /linux\/s390x.*linux\/amd64, linux\/arm\/v7, linux\/arm64/);
      return true;
    });
    // the index's own digest pulls the same way
    const byIndex = await openRegistryImage(`${reg.host}/multi@${imgs.multi.digest}`, { platform: 'linux/arm64' });
    assert.equal(byIndex.digest, imgs.arm64.manifestDigest);
  });

  test('uncompressed and zstd layers are reported as such', async (t) => {
    const raw = await openRegistryImage(`${reg.host}/raw:1`);
    assert.deepEqual(
      raw.layers.map((l) => [l.mediaType, l.compression]),
      [
        ['application/vnd.oci.image.layer.v1.tar', 'none'],
        ['application/vnd.oci.image.layer.v1.tar', 'none'],
      ],
    );
    assert.ok((await readAll(await raw.layers[0]!.open())).equals(imgs.raw.layers[0]!.tar));
    if (needsNow(t, 'zstd', imgs.zstd, HOW.apt('zstd'))) return;
    const img = await openRegistryImage(`${reg.host}/zstd:1`);
    assert.deepEqual(
      img.layers.map((l) => [l.mediaType, l.compression]),
      [['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd']],
    );
    const bytes = await readAll(await img.layers[0]!.open());
    assert.equal(bytes.readUInt32LE(0), 0xfd2fb528); // zstd frame magic
  });

  test('catalog and tags, paginated through Link headers', async () => {
    const all = ['multi', 'raw', 'team/app', 'victim', 'zstd'];
    assert.deepEqual(await listRepositories(reg.host, { pageSize: 2 }), all);
    assert.deepEqual(await listRepositories(reg.host), all);
    assert.deepEqual(await listRepositories(reg.host, { pageSize: 1, limit: 3 }), ['multi', 'raw', 'team/app']);
    // docker-registry 2.8 ignores n/last for tags and lists them unsorted; we sort (pagination of tags: fake.test.ts)
    assert.deepEqual(await listTags(`${reg.host}/team/app`, { pageSize: 1 }), ['1.0', '1.1', '2.0']);
    assert.deepEqual(await listTags(`${reg.host}/team/app:ignored`), ['1.0', '1.1', '2.0']);
    await assert.rejects(listTags(`${reg.host}/no/such`), rule('name-unknown'));
  });

  test('a tampered layer fails with digest-mismatch at the end of its stream; a tampered config fails at open', async () => {
    const before = await openRegistryImage(`${reg.host}/victim:1`);
    const layer = imgs.victim.layers[0]!;
    await tamperBlob(reg.storage, layer.digest, 20);
    const stream = await before.layers[0]!.open();
    let bytesSeen = 0;
    await assert.rejects(
      (async () => {
        for await (const c of stream) bytesSeen += (c as Buffer).length;
      })(),
      (e) => {
        rule('digest-mismatch')(e);
        assert.match((e as Error).message, new RegExp(`victim:1 layer 0 \\(${layer.digest}\\)`));
        return true;
      },
    );
    assert.equal(bytesSeen, layer.size, 'all bytes flowed before the check at the end');
    // the untouched layer still verifies
    assert.equal((await readAll(await before.layers[1]!.open())).length, imgs.victim.layers[1]!.size);

    const cfg = await openRegistryImage(`${reg.host}/victim:1`);
    assert.equal(cfg.configDigest, imgs.victim.configDigest);
    await tamperBlob(reg.storage, imgs.victim.configDigest, 5);
    await assert.rejects(openRegistryImage(`${reg.host}/victim:1`), rule('digest-mismatch'));
  });
});

describe('registry client against docker-registry with htpasswd (basic auth)', { skip: skip || needs('htpasswd', htpasswdBin, HOW.apt('apache2-utils')) }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let reg: RegistryProcess;
  let app: BuiltImage;

  before(async () => {
    tmp = await tempDir('vigil-registry-basic-');
    const layoutDir = join(tmp.dir, 'layout');
    const layout = await Layout.create(layoutDir);
    app = await layout.image({ layers: [{ 'secret.txt': 'basic\n' }] });
    layout.tag('app', app);
    await layout.save();
    const htpasswd = join(tmp.dir, 'htpasswd');
    await htpasswdFile(htpasswd, 'alice', 's3cret:with:colons');
    reg = await startRegistry(registryBin!, join(tmp.dir, 'reg'), { htpasswd });
    await skopeoCopy(`oci:${layoutDir}:app`, `docker://${reg.host}/private/app:1`, { creds: 'alice:s3cret:with:colons' });
  });
  after(async () => {
    await reg?.stop();
    await tmp?.remove();
  });

  test('pulls with username and password', async () => {
    const img = await openRegistryImage(`${reg.host}/private/app:1`, { credentials: { username: 'alice', password: 's3cret:with:colons' } });
    assert.equal(img.digest, app.manifestDigest);
    assert.equal((await readAll(await img.layers[0]!.open())).length, app.layers[0]!.size);
    assert.deepEqual(await listTags(`${reg.host}/private/app`, { credentials: { username: 'alice', password: 's3cret:with:colons' } }), ['1']);
  });

  test('pulls with a docker config.json auths entry', async () => {
    const auth = Buffer.from('alice:s3cret:with:colons').toString('base64');
    const img = await openRegistryImage(`${reg.host}/private/app:1`, { dockerConfig: { auths: { [`http://${reg.host}/v2/`]: { auth } } } });
    assert.equal(img.digest, app.manifestDigest);
  });

  test('a wrong password and no credentials are auth-failed', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/private/app:1`, { credentials: { username: 'alice', password: 'wrong' } }), (e) => {
      rule('auth-failed')(e);
      assert.match((e as Error).message, /private\/app:1.*alice/);
      return true;
    });
    await assert.rejects(openRegistryImage(`${reg.host}/private/app:1`), rule('auth-failed'));
    await assert.rejects(headManifest(`${reg.host}/private/app:1`, { credentials: { username: 'bob', password: 'x' } }), rule('auth-failed'));
  });
});

describe('registry client against docker-registry with token auth (bearer)', { skip: skip || needs('openssl', opensslBin, HOW.apt('openssl')) }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let reg: RegistryProcess;
  let tokens: TokenServer;
  let app: BuiltImage;
  const service = 'vigil-test-registry';
  const issuer = 'vigil-test-issuer';
  const alice = { username: 'alice', password: 'wonderland' };

  before(async () => {
    tmp = await tempDir('vigil-registry-token-');
    const cert = await selfSignedCert(tmp.dir);
    tokens = await startTokenServer({ keyPem: cert.keyPem, certPem: cert.certPem, issuer, service, users: { alice: alice.password } });
    reg = await startRegistry(registryBin!, join(tmp.dir, 'reg'), { token: { realm: tokens.realm, service, issuer, rootcertbundle: cert.certPath } });
    const layoutDir = join(tmp.dir, 'layout');
    const layout = await Layout.create(layoutDir);
    app = await layout.image({ layers: [{ 'a.txt': 'token a\n' }, { 'b.txt': 'token b\n' }] });
    layout.tag('app', app);
    await layout.save();
    await skopeoCopy(`oci:${layoutDir}:app`, `docker://${reg.host}/secure/app:1`, { creds: 'alice:wonderland' });
  });
  after(async () => {
    await reg?.stop();
    await tokens?.stop();
    await tmp?.remove();
  });

  test('follows the Bearer challenge, sends credentials to the realm, caches the token per scope', async () => {
    tokens.requests.length = 0;
    const client = new RegistryClient(reg.host, { credentials: alice });
    const img = await openRegistryImage(`${reg.host}/secure/app:1`, { client });
    assert.equal(img.digest, app.manifestDigest);
    for (const l of img.layers) assert.equal((await readAll(await l.open())).length, l.size);
    assert.equal((await headManifest(`${reg.host}/secure/app:1`, { client })).digest, app.manifestDigest);
    assert.deepEqual(tokens.requests, [{ scopes: ['repository:secure/app:pull'], user: 'alice' }], 'one token for one scope');

    assert.deepEqual(await listRepositories(reg.host, { client }), ['secure/app']);
    assert.deepEqual(tokens.requests.at(-1), { scopes: ['registry:catalog:*'], user: 'alice' });
    assert.deepEqual(await listTags(`${reg.host}/secure/app`, { client }), ['1']);
    assert.equal(tokens.requests.length, 2);
  });

  test('wrong credentials are refused by the token service: auth-failed', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/secure/app:1`, { credentials: { username: 'alice', password: 'nope' } }), (e) => {
      rule('auth-failed')(e);
      assert.match((e as Error).message, /token service .* refused credentials for user "alice"/);
      return true;
    });
  });

  test('an anonymous token grants nothing: auth-failed', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/secure/app:1`), (e) => {
      rule('auth-failed')(e);
      assert.match((e as Error).message, /no credentials were given/);
      return true;
    });
  });
});

const targets = join(TARGETS, 'oci');
const { existsSync } = await import('node:fs');
const targetsSkip = skip || needs('targets: OCI layout', existsSync(join(targets, 'index.json')), HOW.targets);

describe('registry client with the real bullseye image', { skip: targetsSkip }, () => {
  test('pushes the bullseye-app OCI image and reads it back, every layer verified', async () => {
    const tmp = await tempDir('vigil-registry-bullseye-');
    const reg = await startRegistry(registryBin!, join(tmp.dir, 'reg'));
    try {
      await skopeoCopy(`oci:${targets}:bullseye-app`, `docker://${reg.host}/debian:bullseye-app`);
      const img = await openRegistryImage(`${reg.host}/debian:bullseye-app`);
      assert.equal(img.layers.length, 2);
      assert.ok(img.layers.every((l) => l.compression === 'gzip' && l.diffId.startsWith('sha256:')));
      assert.ok(img.layers[1]!.createdBy, 'the app layer has history');
      for (const l of img.layers) {
        let n = 0;
        for await (const c of await l.open()) n += (c as Buffer).length;
        assert.equal(n, l.size);
      }
    } finally {
      await reg.stop();
      await tmp.remove();
    }
  });
});
