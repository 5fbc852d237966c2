import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VigilError } from '../model/index.ts';
import { openTarget, type ScanFS } from './index.ts';
import { TARGETS, gz, listAll, makeTar, tempDir } from './testutil.ts';
import { HOW, needs } from '../../test/helpers/prereq.ts';

const here = new URL('.', import.meta.url).pathname;

describe('openTarget: detection', () => {
  it('detects zip, dir, filesystem tarballs and missing paths', async () => {
    const z = await openTarget(join(here, 'zip/testdata/happy/function.zip'), 'auto');
    assert.equal(z.target.kind, 'zip');
    await z.close();
    const d = await openTarget(join(here, 'zip/testdata'), 'auto');
    assert.equal(d.target.kind, 'dir');
    await d.close();
    const dir = await tempDir('detect');
    try {
      const t = await makeTar([{ name: 'etc/os-release', content: 'ID=alpine\n' }]);
      for (const [name, data] of [['fs.tar', t], ['fs.tar.gz', gz(t)]] as const) {
        await writeFile(join(dir, name), data);
        const fs = await openTarget(join(dir, name), 'auto', { filter: () => true });
        assert.equal((await fs.readFile('etc/os-release')).toString(), 'ID=alpine\n');
        await fs.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await assert.rejects(openTarget('./no/such/path', 'auto'), (e: VigilError) => e.code === 'VIGIL_NOT_FOUND');
    await assert.rejects(openTarget(here, 'image'), (e: VigilError) => e.code === 'VIGIL_INVALID_INPUT');
  });

  it('hands registry references to openRegistryImage when the registry source exists', async () => {
    if (!existsSync(join(here, 'registry/index.ts'))) {
      await assert.rejects(openTarget('example.invalid/x:1', 'image'), (e: VigilError) => e.rule === 'registry-unavailable');
      return;
    }
    // an unreachable registry: the registry source's own error comes through
    await assert.rejects(openTarget('127.0.0.1:1/nothing/here:1', 'image', { registry: { timeoutMs: 2000 } }), (e: Error) => e instanceof VigilError);
  });
});

const haveTargets = existsSync(join(TARGETS, 'oci/index.json')) && existsSync(join(TARGETS, 'bullseye-app.docker.tar'));

describe('real targets', { skip: needs('targets: OCI layout and docker archives', haveTargets, HOW.targets) }, () => {
  const STATUS = 'var/lib/dpkg/status';
  const LODASH = 'app/node_modules/lodash/package.json';
  const want = (i: { path: string }) => i.path === STATUS || i.path === LODASH;
  const forms: [string, () => Promise<ScanFS>][] = [
    ['oci bullseye', () => openTarget(join(TARGETS, 'oci'), 'oci-dir', { tag: 'bullseye', filter: want })],
    ['oci bullseye-app', () => openTarget(`${join(TARGETS, 'oci')}:bullseye-app`, 'auto', { filter: want })],
    ['docker bullseye', () => openTarget(join(TARGETS, 'bullseye.docker.tar'), 'auto', { filter: want })],
    ['docker bullseye-app', () => openTarget(join(TARGETS, 'bullseye-app.docker.tar'), 'docker-archive', { filter: want })],
    ['rootfs bullseye', () => openTarget(join(TARGETS, 'rootfs-bullseye'), 'rootfs')],
  ];

  it('var/lib/dpkg/status has the same bytes in every form', async () => {
    let first: Buffer | null = null;
    for (const [name, open] of forms) {
      const fs = await open();
      try {
        const status = await fs.readFile(STATUS);
        assert.match(status.toString('utf8', 0, 200), /^Package: /, name);
        if (first) assert.ok(first.equals(status), `${name}: same dpkg status`);
        else first = status;
        if (name.includes('-app')) {
          assert.equal(await fs.stat('etc/issue.net'), null, `${name}: whiteout`);
          const l = await fs.stat(LODASH);
          assert.equal(l?.layer?.index, 1, name);
          assert.equal(l?.layer?.createdBy, 'COPY app/ site-packages/; RUN rm /etc/issue.net', name);
          assert.equal(JSON.parse((await fs.readFile(LODASH)).toString()).version, '4.17.4');
          assert.equal(fs.target.layers?.length, 2);
        } else {
          assert.ok(await fs.stat('etc/issue.net'), `${name}: issue.net present`);
        }
        if (!name.startsWith('rootfs')) assert.equal(fs.target.platform, 'linux/amd64');
      } finally {
        await fs.close();
      }
    }
  });

  it('the image forms list the same entries (devices aside), and the rootfs a superset of the files', async () => {
    const sets: Record<string, Set<string>> = {};
    for (const [name, open] of forms.filter(([n]) => !n.includes('-app'))) {
      const fs = await open();
      sets[name] = new Set((await listAll(fs)).filter((e) => e.kind === 'file').map((e) => e.path));
      await fs.close();
    }
    assert.deepEqual([...sets['oci bullseye']].sort(), [...sets['docker bullseye']].sort());
    const missing = [...sets['oci bullseye']].filter((p) => !sets['rootfs bullseye'].has(p) && !p.startsWith('dev/') && !p.startsWith('proc/') && !p.startsWith('sys/'));
    assert.deepEqual(missing, []);
  });
});
