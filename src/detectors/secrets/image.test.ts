/**
 * Secrets in an image: a docker-save archive of two layers opened by the real source with
 * secretContentFilter; each finding names the layer that brought its file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDockerArchive } from '../../sources/docker-archive/index.ts';
import { makeTar, tempDir } from '../../sources/testutil.ts';
import { scanSecrets, secretContentFilter, secretHash } from './index.ts';
import { tokenGenerator } from './testutil.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

test('image layers: findings carry their layer; a whited-out file is gone from the final filesystem', async () => {
  const gen = tokenGenerator(31);
  const T = { conf: gen.make('ghp'), env: gen.make('stripe-live'), key: gen.make('openssh'), decoy: gen.make('ghp-badsum') };
  const base = await makeTar([
    { name: 'etc/app.conf', content: `[github]\ntoken = ${T.conf}\n` },
    { name: 'root/.ssh/id_ed25519', content: T.key + '\n' },
    { name: 'usr/bin/tool', content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]), Buffer.from(T.conf)]) },
    { name: 'usr/share/doc/readme.txt', content: `old token format: ${T.decoy}\n` },
  ]);
  const app = await makeTar([{ name: 'root/.ssh/.wh.id_ed25519' }, { name: 'app/.env', content: `PORT=80\nSTRIPE_KEY=${T.env}\n` }]);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(base)}`, `sha256:${sha(app)}`] }, history: [{ created_by: 'ADD rootfs /' }, { created_by: 'COPY .env /app/' }] });
  const cfgName = `${sha(config)}.json`;
  const dir = await tempDir('secrets-image');
  try {
    const path = join(dir, 'image.tar');
    await writeFile(path, await makeTar([
      { name: 'l0/layer.tar', content: base },
      { name: 'l1/layer.tar', content: app },
      { name: cfgName, content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: cfgName, RepoTags: ['app:1'], Layers: ['l0/layer.tar', 'l1/layer.tar'] }]) },
    ]));
    const fs = await openDockerArchive(path, { filter: secretContentFilter });
    try {
      const { findings, errors } = await scanSecrets(fs);
      assert.deepEqual(errors, []);
      const rows = findings.map((f) => [f.location.path, f.location.line, f.rule, f.location.layer?.index, f.location.layer?.createdBy]);
      assert.deepEqual(rows, [
        ['app/.env', 2, 'stripe-secret-key', 1, 'COPY .env /app/'],
        ['etc/app.conf', 2, 'github-pat-classic', 0, 'ADD rootfs /'],
      ]);
      assert.equal(findings[1].secret.hash, secretHash(T.conf));
      assert.ok(findings.every((f) => f.location.layer?.digest === `sha256:${f.location.layer?.index === 0 ? sha(base) : sha(app)}`));
    } finally {
      await fs.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
