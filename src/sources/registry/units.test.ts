/** Pure parts: references, challenges, docker config, token cache, platforms, digest streams, Link headers. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { VigilError } from '../../model/index.ts';
import {
  credentialsFromDockerConfig,
  DigestVerifier,
  loadDockerConfig,
  nextLink,
  parseChallenges,
  parseImageReference,
  parsePlatform,
  platformScore,
  selectPlatform,
  TokenCache,
  type DockerConfig,
  type ImageIndex,
} from './index.ts';
import { sha256 } from './testutil.ts';

const testdata = new URL('./testdata/', import.meta.url);
const lines = (name: string) =>
  readFileSync(new URL(name, testdata), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('|').map((f) => f.trim()));

describe('parseImageReference', () => {
  for (const [input, registry, host, repository, tag, digest] of lines('references.txt')) {
    test(input!, () => {
      const r = parseImageReference(input!);
      assert.deepEqual(
        { registry: r.registry, host: r.host, repository: r.repository, tag: r.tag ?? '-', digest: r.digest ?? '-' },
        { registry, host, repository, tag, digest },
      );
      assert.equal(parseImageReference(r.name).name, r.name, 'the canonical name parses to itself');
    });
  }
  for (const [input, words] of lines('bad-references.txt')) {
    test(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseImageReference(input!),
        (e) => e instanceof VigilError && e.rule === 'image-reference' && e.code === 'VIGIL_INVALID_INPUT' && e.message.includes(words!) && e.message.includes(JSON.stringify(input)),
      );
    });
  }
});

describe('parseChallenges', () => {
  test('Docker Hub style bearer challenge', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } },
    ]);
  });
  test('several challenges, unquoted values, escapes, error param', () => {
    assert.deepEqual(parseChallenges('Basic realm="reg \\"x\\"", Bearer realm=https://a/token, service=svc,error="insufficient_scope"'), [
      { scheme: 'basic', params: { realm: 'reg "x"' } },
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'svc', error: 'insufficient_scope' } },
    ]);
  });
  test('scopes with several actions and junk', () => {
    assert.deepEqual(parseChallenges('bearer realm="r",scope="repository:a/b:pull,push"'), [{ scheme: 'bearer', params: { realm: 'r', scope: 'repository:a/b:pull,push' } }]);
    assert.deepEqual(parseChallenges(''), []);
    assert.deepEqual(parseChallenges(' , ;; '), []);
    assert.deepEqual(parseChallenges('realm="x"'), [], 'a parameter without a scheme');
  });
});

describe('docker config', () => {
  const config = JSON.parse(readFileSync(new URL('docker-config.json', testdata), 'utf8')) as DockerConfig;
  test('auths keys match whatever form they were written in', () => {
    assert.deepEqual(credentialsFromDockerConfig(config, 'docker.io'), { username: 'hub-user', password: 'hub-pass' });
    assert.deepEqual(credentialsFromDockerConfig(config, 'localhost:5000'), { username: 'alice', password: 's3cret:with:colons' });
    assert.deepEqual(credentialsFromDockerConfig(config, 'ghcr.io'), { username: 'octo', password: 'ghp_example_not_a_real_token' });
    assert.equal(credentialsFromDockerConfig(config, 'localhost:5001'), undefined);
    assert.equal(credentialsFromDockerConfig(config, 'registry.example'), undefined, 'a global credsStore falls back to anonymous');
  });
  test('unusable entries are VIGIL_CONFIG naming the registry', () => {
    for (const reg of ['quay.io', '123456789012.dkr.ecr.us-east-1.amazonaws.com']) {
      assert.throws(() => credentialsFromDockerConfig(config, reg), (e) => e instanceof VigilError && e.code === 'VIGIL_CONFIG' && e.rule === 'docker-config');
    }
    const bad = JSON.parse(readFileSync(new URL('docker-config-bad-auth.json', testdata), 'utf8')) as DockerConfig;
    assert.throws(() => credentialsFromDockerConfig(bad, 'localhost:5000'), /not base64 of "user:password"/);
  });
  test('loadDockerConfig reads a path, DOCKER_CONFIG, and tolerates a missing default', async () => {
    const fromPath = await loadDockerConfig(new URL('docker-config.json', testdata).pathname);
    assert.equal(fromPath.credsStore, 'desktop');
    assert.deepEqual(await loadDockerConfig(undefined, { DOCKER_CONFIG: '/nonexistent-vigil' }), {});
    await assert.rejects(loadDockerConfig('/nonexistent-vigil/config.json'), (e) => e instanceof VigilError && e.rule === 'docker-config');
    await assert.rejects(loadDockerConfig(new URL('references.txt', testdata).pathname), /not a JSON object/);
  });
});

test('TokenCache keeps tokens per scope until shortly before expiry', () => {
  let now = 1_000_000;
  const c = new TokenCache(() => now);
  c.set('realm', 'svc', 'repository:a:pull', 'A', 60);
  c.set('realm', 'svc', 'repository:b:pull', 'B', 300);
  assert.equal(c.get('realm', 'svc', 'repository:a:pull'), 'A');
  assert.equal(c.get('realm', 'svc', 'repository:b:pull'), 'B');
  assert.equal(c.get('realm', 'other', 'repository:a:pull'), undefined);
  now += 51_000;
  assert.equal(c.get('realm', 'svc', 'repository:a:pull'), undefined, 'renewed 10 s early');
  assert.equal(c.get('realm', 'svc', 'repository:b:pull'), 'B');
});

describe('platforms', () => {
  test('parse and normalise', () => {
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/aarch64/v8'), { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(parsePlatform('Linux/ARM/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.deepEqual(parsePlatform('linux/armhf'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d']) assert.throws(() => parsePlatform(bad), (e) => e instanceof VigilError && e.rule === 'platform');
  });
  test('scores', () => {
    const p = parsePlatform;
    assert.equal(platformScore(p('linux/amd64'), p('linux/arm64')), undefined);
    assert.equal(platformScore(p('linux/amd64'), p('windows/amd64')), undefined);
    assert.ok(platformScore(p('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })! > 0);
    // arm: v7 runs v6 images but not v8; without a variant v7 is preferred
    assert.ok(platformScore(p('linux/arm/v7'), p('linux/arm/v6'))! > 0);
    assert.equal(platformScore(p('linux/arm/v6'), p('linux/arm/v7')), undefined);
    assert.ok(platformScore(p('linux/arm'), p('linux/arm/v7'))! > platformScore(p('linux/arm'), p('linux/arm/v6'))!);
  });
  test('selectPlatform skips attestations and explains what is there', () => {
    const d = (digestSeed: string, platform: { os: string; architecture: string; variant?: string }, annotations?: Record<string, string>) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(digestSeed),
      size: 1,
      platform,
      ...(annotations ? { annotations } : {}),
    });
    const index: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        d('att', { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
        d('amd', { os: 'linux', architecture: 'amd64' }),
        d('arm6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
        d('arm7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
      ],
    };
    assert.equal(selectPlatform(index, parsePlatform('linux/amd64'), 's').digest, sha256('amd'));
    assert.equal(selectPlatform(index, parsePlatform('linux/arm'), 's').digest, sha256('arm7'));
    assert.equal(selectPlatform(index, parsePlatform('linux/arm/v6'), 's').digest, sha256('arm6'));
    assert.throws(
      () => selectPlatform(index, parsePlatform('windows/amd64'), 'image x'),
      (e) => e instanceof VigilError && e.rule === 'platform-not-found' && e.message === 'image x: platform-not-found: no image for windows/amd64; the index has linux/amd64, linux/arm/v6, linux/arm/v7',
    );
  });
});

describe('DigestVerifier', () => {
  const data = Buffer.alloc(200_000, 7);
  const digest = sha256(data);
  const drain = async (v: DigestVerifier, chunks: Buffer[]) => {
    let n = 0;
    await pipeline(Readable.from(chunks), v, async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) n += c.length;
    });
    return n;
  };
  test('passes bytes that hash right', async () => {
    assert.equal(await drain(new DigestVerifier('s', digest, data.length), [data.subarray(0, 1000), data.subarray(1000)]), data.length);
  });
  test('fails at the end when the bytes differ, early when they run long, and when they run short', async () => {
    const changed = Buffer.from(data);
    changed[100] = 8;
    await assert.rejects(drain(new DigestVerifier('layer 0', digest, data.length), [changed]), (e) => e instanceof VigilError && e.rule === 'digest-mismatch' && /^layer 0: digest-mismatch/.test(e.message));
    await assert.rejects(drain(new DigestVerifier('s', digest, 10), [data]), (e) => e instanceof VigilError && /longer than its declared 10 bytes/.test(e.message));
    await assert.rejects(drain(new DigestVerifier('s', digest), [data.subarray(1)]), (e) => e instanceof VigilError && e.rule === 'digest-mismatch');
  });
  test('refuses digests it cannot compute', () => {
    assert.throws(() => new DigestVerifier('s', 'md5:abc'), (e) => e instanceof VigilError && e.rule === 'digest-algorithm');
  });
});

test('nextLink', () => {
  const base = new URL('http://127.0.0.1:5000/v2/_catalog?n=2');
  assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base), '/v2/_catalog?last=b&n=2');
  assert.equal(nextLink('<http://127.0.0.1:5000/v2/_catalog?last=b>; rel=next', base), '/v2/_catalog?last=b');
  assert.equal(nextLink('</v2/x?p=1>; rel="prev", </v2/x?p=3>; rel="next"', base), '/v2/x?p=3');
  assert.equal(nextLink('<https://evil.example/v2/_catalog>; rel="next"', base), undefined, 'other origins are not followed');
  assert.equal(nextLink(null, base), undefined);
});
