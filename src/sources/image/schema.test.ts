import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '../../model/index.ts';
import { configSchema, indexSchema, parseJson } from './config.ts';
import { array, nullish, object, string } from './schema.ts';

const refused = (schema: Parameters<typeof parseJson>[0], json: string, where: RegExp) =>
  assert.throws(() => parseJson(schema, json, 'doc.json'), (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_INVALID_INPUT' && e.rule === 'schema' && where.test(e.message));

describe('image schema checks', () => {
  it('names where a document breaks its schema', () => {
    refused(indexSchema, 'null', /^doc\.json: \(root\): expected object, received null$/);
    refused(indexSchema, '{}', /^doc\.json: manifests: expected array, received undefined$/);
    refused(indexSchema, '{"manifests":[{"digest":"sha256:ab"},{"digest":7}]}', /^doc\.json: manifests\.1\.digest: expected string, received number$/);
    refused(indexSchema, '{"manifests":[{"digest":"no digest"}]}', /manifests\.0\.digest: expected a digest/);
    refused(indexSchema, '{"manifests":[{"digest":"sha256:ab","size":-1}]}', /manifests\.0\.size: expected a number >= 0/);
    refused(indexSchema, '{"manifests":[{"digest":"sha256:ab","annotations":{"a":1}}]}', /manifests\.0\.annotations\.a: expected string/);
    refused(configSchema, '{"rootfs":{"diff_ids":"x"}}', /rootfs\.diff_ids: expected array, received string/);
    assert.throws(() => parseJson(indexSchema, '{', 'doc.json'), (e: unknown) => e instanceof VigilError && e.rule === 'json');
  });

  it('keeps the declared fields (and with passthrough the others), drops absent optional ones', () => {
    const idx = parseJson(indexSchema, '{"schemaVersion":2,"extra":1,"manifests":[{"digest":"sha256:ab","platform":{"os":"linux","architecture":"amd64"}}]}', 'i');
    assert.deepEqual(idx, { schemaVersion: 2, manifests: [{ digest: 'sha256:ab', platform: { os: 'linux', architecture: 'amd64' } }] });
    const cfg = parseJson(configSchema, '{"rootfs":{"diff_ids":["sha256:ab"]},"history":[{"created_by":"RUN x","author":"me"}],"__proto__":{"polluted":1}}', 'c');
    assert.deepEqual(cfg.history, [{ created_by: 'RUN x', author: 'me' }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // docker's manifest.json: RepoTags may be null
    const m = parseJson(array(object({ Config: string(), RepoTags: nullish(array(string())) })), '[{"Config":"c.json","RepoTags":null}]', 'manifest.json');
    assert.deepEqual(m, [{ Config: 'c.json' }]);
  });
});
