/**
 * The agent reads rpm databases in all three forms, and a `var/lib/rpm` that is a symlink to
 * `usr/lib/sysimage/rpm` (Fedora, EL 9, openSUSE) once, as `scan rootfs` of the same root does.
 */
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectOs, osExtractors } from '../extractors/os/index.ts';
import { collectInventory } from '../inventory/index.ts';
import { openTarget } from '../sources/index.ts';
import { collectAgentReport } from './agent.ts';

const HAPPY = new URL('../extractors/os/rpm/testdata/happy/', import.meta.url).pathname;

describe('agent: rpm databases', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-agent-rpm-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cases = [
    { name: 'SLES 15 SP3: NDB Packages.db, var/lib/rpm a symlink', os: 'ID="sles"\nVERSION_ID="15.3"\n', file: 'usr/lib/sysimage/rpm/Packages.db', from: 'sle15-bci/Packages.db', link: true, count: 35 },
    { name: 'CentOS 7: BerkeleyDB Packages', os: 'ID="centos"\nVERSION_ID="7"\n', file: 'var/lib/rpm/Packages', from: 'Packages', link: false, count: 4 },
    { name: 'AlmaLinux 9: rpmdb.sqlite, var/lib/rpm a symlink', os: 'ID="almalinux"\nVERSION_ID="9.3"\n', file: 'usr/lib/sysimage/rpm/rpmdb.sqlite', from: 'rpmdb.sqlite', link: true, count: 4 },
  ];
  for (const c of cases) {
    it(`${c.name}: the packages scan rootfs finds, once`, async () => {
      const dir = join(root, c.from.replace(/\W/g, '_'));
      await mkdir(join(dir, 'etc'), { recursive: true });
      await writeFile(join(dir, 'etc/os-release'), c.os);
      await writeFile(join(dir, 'etc/hostname'), 'rpmhost\n');
      await mkdir(join(dir, c.file, '..'), { recursive: true });
      await copyFile(join(HAPPY, c.from), join(dir, c.file));
      if (c.link) {
        await mkdir(join(dir, 'var/lib'), { recursive: true });
        await symlink('../../usr/lib/sysimage/rpm', join(dir, 'var/lib/rpm'));
      }
      const report = await collectAgentReport(dir, undefined, { deepInspection: false, cis: false });
      assert.equal(report.packages.length, c.count);
      assert.ok(report.packages.every((p) => p.foundBy === 'os/rpm' && p.locations?.join() === c.file), JSON.stringify(report.packages[0]));
      assert.deepEqual(report.errors, []);
      const fs = await openTarget(dir, 'rootfs');
      const inv = await collectInventory(fs, { extractors: osExtractors, detectOs });
      await fs.close();
      const key = (p: { name: string; version: string; purl?: string; locations?: string[] }) => `${p.name} ${p.version} ${p.purl} ${p.locations?.join()}`;
      assert.deepEqual(report.packages.map(key).sort(), inv.packages.map(key).sort());
    });
  }
});
