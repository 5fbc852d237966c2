/**
 * Behaviour a stock docker-registry does not show: redirects of blobs to another origin, tag
 * pagination, stalls, a lying Docker-Content-Digest, unsupported media types, and the bearer
 * flow's scope taken from the challenge. A small fake registry in node plays the server.
 */
import type { FetchLike } from '../../policy/index.ts';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { headManifest, listTags, openRegistryImage, RegistryClient } from './index.ts';
import { sha256 } from './testutil.ts';

function rule(r: string) {
  return (e: unknown) => {
    assert.ok(e instanceof VigilError, `expected a VigilError, got ${String(e)}`);
    assert.equal(e.rule, r, e.message);
    return true;
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; host: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const layer = Buffer.from('layer bytes that live on the storage server');
const layerDigest = sha256(layer);
const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256('x')] } }));
const configDigest = sha256(config);

function manifestOf(over: Record<string, unknown> = {}, layerType = 'application/vnd.docker.image.rootfs.diff.tar.gzip', cfgType = 'application/vnd.docker.container.image.v1+json') {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: cfgType, digest: configDigest, size: config.length },
      layers: [{ mediaType: layerType, digest: layerDigest, size: layer.length }],
      ...over,
    }),
  );
}
const good = manifestOf();
const artifact = manifestOf({}, undefined, 'application/vnd.cncf.helm.config.v1+json');
const oddLayer = manifestOf({}, 'application/vnd.example.weird');
const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'r', tag: 't', fsLayers: [] }));
const TAGS = ['a', 'b', 'c', 'd', 'e'];
const wrongDigest = sha256('not the manifest');

describe('registry client against a fake registry', () => {
  let storage: { server: Server; host: string };
  let reg: { server: Server; host: string };
  const storageAuth: (string | undefined)[] = [];
  const tokenRequests: string[] = [];

  before(async () => {
    storage = await listen((req, res) => {
      storageAuth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(layer);
    });
    reg = await listen((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const p = url.pathname;
      if (p === '/token') {
        tokenRequests.push(url.searchParams.getAll('scope').join(' '));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-1', expires_in: 300 }));
        return;
      }
      if (p.startsWith('/v2/bearer/')) {
        if (req.headers.authorization !== 'Bearer tok-1') {
          res
            .writeHead(401, { 'www-authenticate': `Bearer realm="http://${reg.host}/token",service="fake",scope="repository:bearer:pull"` })
            .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'docker-content-digest': sha256(good) }).end(req.method === 'HEAD' ? undefined : good);
        return;
      }
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
        return;
      }
      const send = (body: Buffer, type: string, digest = sha256(body)) =>
        res.writeHead(200, { 'content-type': type, 'docker-content-digest': digest, 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
      switch (p) {
        case '/v2/r/manifests/good':
          return send(good, 'application/vnd.docker.distribution.manifest.v2+json');
        case '/v2/r/manifests/lying':
          return send(good, 'application/vnd.docker.distribution.manifest.v2+json', sha256('something else'));
        case `/v2/r/manifests/${wrongDigest}`:
          return send(good, 'application/vnd.docker.distribution.manifest.v2+json', wrongDigest);
        case '/v2/r/manifests/artifact':
          return send(artifact, 'application/vnd.oci.image.manifest.v1+json');
        case '/v2/r/manifests/odd':
          return send(oddLayer, 'application/vnd.docker.distribution.manifest.v2+json');
        case '/v2/r/manifests/schema1':
          return send(schema1, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
        case `/v2/r/blobs/${configDigest}`:
          return send(config, 'application/octet-stream');
        case `/v2/r/blobs/${layerDigest}`:
          res.writeHead(307, { location: `http://${storage.host}/bucket/${layerDigest.slice(7)}?sig=abc` }).end();
          return;
        case `/v2/r/blobs/${sha256('stall')}`:
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 100 });
          res.write('partial');
          return; // never ends
        case '/v2/hang/manifests/x':
          return; // never answers
        case '/v2/r/tags/list': {
          const n = Number(url.searchParams.get('n') ?? 100);
          const last = url.searchParams.get('last');
          const from = last ? TAGS.indexOf(last) + 1 : 0;
          const page = TAGS.slice(from, from + n);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (from + n < TAGS.length) headers.link = `</v2/r/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
          res.writeHead(200, headers).end(JSON.stringify({ name: 'r', tags: page.reverse() }));
          return;
        }
        default:
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      }
    });
  });
  after(async () => {
    reg.server.closeAllConnections();
    storage.server.closeAllConnections();
    await new Promise((r) => reg.server.close(r));
    await new Promise((r) => storage.server.close(r));
  });

  const creds = { credentials: { username: 'u', password: 'p' } };

  test('a blob redirected to another origin is fetched without our Authorization header', async () => {
    const img = await openRegistryImage(`${reg.host}/r:good`, creds);
    assert.equal(img.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(img.layers[0]!.compression, 'gzip');
    const chunks: Buffer[] = [];
    for await (const c of await img.layers[0]!.open()) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(layer));
    assert.deepEqual(storageAuth, [undefined]);
  });

  test('a Docker-Content-Digest that does not match the body is digest-mismatch', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/r:lying`, creds), rule('digest-mismatch'));
    // HEAD trusts the header: it is a cheap change detector, not a verification
    assert.equal((await headManifest(`${reg.host}/r:lying`, creds)).digest, sha256('something else'));
  });

  test('a digest reference whose manifest hashes differently is digest-mismatch', async () => {
    // the fake serves the "good" manifest under another digest (and even claims that digest in its header)
    await assert.rejects(openRegistryImage(`${reg.host}/r@${wrongDigest}`, creds), rule('digest-mismatch'));
    await assert.rejects(openRegistryImage(`${reg.host}/r@${sha256('absent')}`, creds), rule('manifest-unknown'));
  });

  test('schema 1 manifests, artifacts and unknown layer types are unsupported-media-type', async () => {
    await assert.rejects(openRegistryImage(`${reg.host}/r:schema1`, creds), (e) => {
      rule('unsupported-media-type')(e);
      assert.match((e as Error).message, /schema 1/);
      return true;
    });
    await assert.rejects(openRegistryImage(`${reg.host}/r:artifact`, creds), (e) => {
      rule('unsupported-media-type')(e);
      assert.match((e as Error).message, /helm/);
      return true;
    });
    await assert.rejects(openRegistryImage(`${reg.host}/r:odd`, creds), (e) => {
      rule('unsupported-media-type')(e);
      assert.match((e as Error).message, /vnd\.example\.weird/);
      return true;
    });
  });

  test('tags are followed across Link pages and sorted', async () => {
    assert.deepEqual(await listTags(`${reg.host}/r`, { ...creds, pageSize: 2 }), TAGS);
    assert.deepEqual(await listTags(`${reg.host}/r`, { ...creds, pageSize: 2, limit: 3 }), ['a', 'b', 'd']);
  });

  test('a registry that never answers times out; a blob that stalls errors its stream', async () => {
    const started = Date.now();
    await assert.rejects(headManifest(`${reg.host}/hang:x`, { ...creds, timeoutMs: 300 }), rule('timeout'));
    assert.ok(Date.now() - started < 5000);
    const client = new RegistryClient(reg.host, { ...creds, timeoutMs: 300 });
    const stream = await client.openBlob('r', sha256('stall'), 100, 'blob test');
    await assert.rejects(
      (async () => {
        for await (const _ of stream) void _;
      })(),
      rule('timeout'),
    );
  });

  test('bearer: the challenge scope is used and the token cached', async () => {
    tokenRequests.length = 0;
    const client = new RegistryClient(reg.host);
    assert.equal((await headManifest(`${reg.host}/bearer:1`, { client })).digest, sha256(good));
    assert.equal((await headManifest(`${reg.host}/bearer:2`, { client })).digest, sha256(good));
    assert.deepEqual(tokenRequests, ['repository:bearer:pull']);
  });

  test('plain http is refused for a non-loopback registry, and https redirects may not drop to http', async () => {
    const seen: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      seen.push(String(url));
      if (String(url).startsWith('https://registry.example/v2/r/blobs/')) {
        return new Response(null, { status: 307, headers: { location: 'http://storage.example/blob' } });
      }
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as FetchLike;
    const client = new RegistryClient('registry.example', { fetch: fakeFetch });
    await assert.rejects(client.headManifest('r', 'latest', 'image registry.example/r:latest'), rule('network'));
    assert.deepEqual(seen, ['https://registry.example/v2/r/manifests/latest'], 'no http fallback');
    await assert.rejects(client.openBlob('r', layerDigest, undefined, 'blob'), rule('insecure-registry'));

    const plain = new RegistryClient('registry.example', { fetch: fakeFetch, plainHttp: true });
    seen.length = 0;
    await assert.rejects(plain.headManifest('r', 'latest', 'x'), rule('network'));
    assert.deepEqual(seen, ['http://registry.example/v2/r/manifests/latest']);
  });
});
