/**
 * `vigil scan` end to end on the real targets of ../shared/docs/REAL-TARGETS.md (built by
 * ../shared/tools/build-targets.sh into .cache/targets): the bullseye image as a root filesystem,
 * an OCI layout, a docker archive and pushed to a real registry gives one package set; the app
 * image's layer attribution and whiteout; findings with explanations in every output format, each
 * valid against its official schema; exit codes, severity filters and ignore files; a hostile
 * archive refused without a crash.
 */
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSchemaValidators, describeSchemaErrors } from '../src/integrations/schemas/index.ts';
import { normalizePackageName } from '../src/model/index.ts';
import { startRegistry, skopeoCopy, which, type RegistryProcess } from '../src/sources/registry/testutil.ts';
import { tarOf } from '../src/sources/registry/testutil.ts';
import { HOW, needsAll, ROOT, TARGETS, VULNDATA } from './helpers/prereq.ts';

const BIN = join(ROOT, 'bin', 'vigil.js');
const skip = needsAll([
  ['targets: docker archives', existsSync(join(TARGETS, 'bullseye-app.docker.tar')), HOW.targets],
  ['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata],
]);
const registryBin = await which('docker-registry', 'registry');
const registrySkip = skip || needsAll([
  ['docker-registry', registryBin, HOW.apt('docker-registry')],
  ['skopeo', await which('skopeo'), HOW.apt('skopeo')],
]);

let home = '';
function vigil(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_NOW: '2026-11-23T00:00:00.000Z', ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function scanJson(args: string[]) {
  const r = vigil([...args, '--offline', '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { target: Record<string, unknown>; packages: { ecosystem: string; name: string; version: string; foundBy?: string; extractors?: string[]; layer?: { index: number; createdBy?: string }; locations?: string[]; dev?: boolean }[]; findings: { id: string; vulnerability: string; severity: string; packageIndex: number; fixedVersion: string | null; explanation: { scheme: string; searched: { ecosystem: string } } }[]; errors: { rule: string }[] };
}
const osSet = (r: ReturnType<typeof scanJson>) => r.packages.filter((p) => p.foundBy === 'os/dpkg').map((p) => `${p.name}@${p.version}`).sort();

describe('vigil scan on real targets', { skip }, () => {
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'vigil-scan-e2e-'));
    // the advisory sources these targets need: PyPI, npm (nodejs security-wg, malicious), Debian, enrichment
    const r = vigil(['db', 'import', '-q', join(VULNDATA, 'PyPI'), join(VULNDATA, 'native', 'nodejs-security-wg'), join(VULNDATA, 'malicious', 'npm'), join(VULNDATA, 'debian'), join(VULNDATA, 'kev'), join(VULNDATA, 'cve')]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('bullseye as a rootfs, an OCI layout and a docker archive gives one package set', () => {
    const rootfs = scanJson(['scan', 'rootfs', join(TARGETS, 'rootfs-bullseye')]);
    const oci = scanJson(['scan', 'image', `${join(TARGETS, 'oci')}:bullseye`]);
    const archive = scanJson(['scan', 'image', join(TARGETS, 'bullseye.docker.tar')]);
    const expected = execFileSync('dpkg-query', ['--admindir', join(TARGETS, 'rootfs-bullseye', 'var', 'lib', 'dpkg'), '-W', '-f', '${Package}@${Version}\n'], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(osSet(rootfs), expected);
    assert.deepEqual(osSet(oci), expected);
    assert.deepEqual(osSet(archive), expected);
    assert.equal(oci.target.kind, 'oci-layout');
    assert.equal(archive.target.kind, 'docker-archive');
    assert.deepEqual((rootfs.target.os as { ecosystem: string }).ecosystem, 'Debian:11');
    assert.ok(rootfs.packages.every((p) => p.ecosystem === 'Debian:11'));
  });

  test('the bookworm targets too', () => {
    const rootfs = scanJson(['scan', 'rootfs', join(TARGETS, 'rootfs-bookworm')]);
    const archive = scanJson(['scan', 'image', join(TARGETS, 'bookworm.docker.tar')]);
    assert.equal(osSet(rootfs).length, 88);
    assert.deepEqual(osSet(archive), osSet(rootfs));
    assert.equal((archive.target.os as { ecosystem: string }).ecosystem, 'Debian:12');
  });

  test('the app image: layers, whiteout, language packages, dev marking, findings with explanations', () => {
    const r = scanJson(['scan', 'image', join(TARGETS, 'bullseye-app.docker.tar')]);
    // (issue 20) a package its lockfile and its node_modules both list is one package, found by both
    const by = (name: string, foundBy: string) => r.packages.find((p) => p.name === name && (p.foundBy === foundBy || p.extractors?.includes(foundBy)));
    const lodash = by('lodash', 'javascript/package-lock')!;
    assert.equal(lodash.version, '4.17.4');
    assert.equal(lodash.layer?.index, 1);
    assert.equal(lodash.layer?.createdBy, 'COPY app/ site-packages/; RUN rm /etc/issue.net');
    assert.equal(by('mocha', 'javascript/package-lock')?.dev, true);
    assert.equal(by('Django', 'python/dist-info')?.version, '2.2.0');
    assert.equal(by('libc6', 'os/dpkg')?.layer?.index, 0);
    assert.ok(!r.packages.some((p) => p.locations?.includes('etc/issue.net')));
    const f = r.findings.find((x) => x.vulnerability === 'CVE-2018-16487' && r.packages[x.packageIndex].extractors?.includes('javascript/package-lock'));
    assert.ok(f, 'lodash prototype pollution');
    assert.equal(f.fixedVersion, '4.17.11');
    assert.equal(f.explanation.scheme, 'semver');
    assert.equal(f.explanation.searched.ecosystem, 'npm');
    // (issue 20) no duplicates: 47 findings before, of which 44 distinct — lodash's CVE-2018-16487 and
    // CVE-2018-3721 and handlebars' NSWG-ECO-519 came twice (package-lock and node_modules); each is one
    // finding now, on one package listing both files
    const ids = r.findings.map((x) => { const p = r.packages[x.packageIndex]; return `${p.ecosystem}/${p.name}@${p.version} ${x.vulnerability}`; });
    assert.equal(r.findings.length, 44);
    assert.equal(new Set(ids).size, 44);
    for (const [name, vuln] of [['lodash', 'CVE-2018-16487'], ['lodash', 'CVE-2018-3721'], ['handlebars', 'NSWG-ECO-519']]) {
      const hits = r.findings.filter((x) => x.vulnerability === vuln && r.packages[x.packageIndex].name === name);
      assert.equal(hits.length, 1, `${name} ${vuln}`);
      assert.deepEqual(r.packages[hits[0].packageIndex].locations, [`app/node_modules/${name}/package.json`, 'app/package-lock.json']);
    }
    const npm = r.packages.filter((p) => p.ecosystem === 'npm');
    assert.equal(npm.length, 98, 'one package per install: the 98 packages app/package-lock.json locks, each with its node_modules copy');
    assert.ok(npm.every((p) => p.extractors?.length === 2 && p.locations?.length === 2), 'every npm package found by both extractors');
    const django = r.findings.filter((x) => r.packages[x.packageIndex].name === 'Django');
    assert.ok(django.length > 20, `${django.length} Django findings`);
    assert.ok(django.every((x) => x.explanation.scheme === 'pep440'));
  });

  test('every output format; CycloneDX, SPDX and SARIF valid against their official schemas', () => {
    const v = createSchemaValidators();
    const target = join(TARGETS, 'bullseye-app.docker.tar');
    const out = (fmt: string) => {
      const r = vigil(['scan', 'image', target, '--offline', '-f', fmt]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const cdx = JSON.parse(out('cyclonedx')) as { specVersion: string; vulnerabilities: { id: string }[] };
    assert.equal(cdx.specVersion, '1.6');
    assert.ok(v.cyclonedx('1.6')(cdx), describeSchemaErrors(v.cyclonedx('1.6').errors));
    assert.ok(cdx.vulnerabilities.some((x: { id: string }) => x.id === 'CVE-2018-16487' || x.id === 'NSWG-ECO-493'));
    const spdx = JSON.parse(out('spdx'));
    assert.ok(v.spdx23()(spdx), describeSchemaErrors(v.spdx23().errors));
    const sarif = JSON.parse(out('sarif')) as { runs: { results: unknown[] }[] };
    assert.ok(v.sarif()(sarif), describeSchemaErrors(v.sarif().errors));
    assert.ok(sarif.runs[0].results.length > 10);
    const csv = out('csv').trim().split('\n');
    assert.match(csv[0], /package/);
    assert.ok(csv.some((l) => l.includes('lodash') && l.includes('4.17.11')));
    const table = out('table');
    assert.match(table, /lodash\s+4\.17\.4\s+4\.17\.11/);
    // an SBOM written without matching, read back as a scan target, gives the same findings
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sbom-'));
    try {
      const bom = join(dir, 'bom.json');
      assert.equal(vigil(['sbom', target, '-o', bom]).code, 0);
      const fromSbom = scanJson(['scan', 'sbom', bom]);
      const direct = scanJson(['scan', 'image', target]);
      // names compared as their ecosystems do (a PyPI purl carries the PEP 503 name: "django")
      const ids = (r: ReturnType<typeof scanJson>) => [...new Set(r.findings.map((x) => {
        const p = r.packages[x.packageIndex];
        return `${normalizePackageName(p.ecosystem, p.name)}@${p.version} ${x.id}`;
      }))].sort();
      assert.deepEqual(ids(fromSbom), ids(direct));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exit codes, severity filters, ignore files', () => {
    const target = join(TARGETS, 'bullseye-app.docker.tar');
    assert.equal(vigil(['scan', 'image', target, '--offline', '-q', '--exit-code', '5']).code, 5);
    assert.equal(vigil(['scan', 'image', target, '--offline', '-q', '--exit-code', '5', '--fail-on', 'CRITICAL']).code, 0);
    const high = scanJson(['scan', 'image', target, '--severity', 'HIGH']);
    assert.ok(high.findings.length > 0 && high.findings.every((f) => f.severity === 'HIGH'));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ignore-'));
    try {
      const ids = [...new Set(high.findings.map((f) => f.vulnerability))];
      const file = join(dir, 'ignore.yaml');
      writeFileSync(file, `ignore:\n${ids.map((id) => `  - id: ${id}\n    reason: accepted in test\n`).join('')}`);
      assert.equal(vigil(['scan', 'image', target, '--offline', '-q', '--severity', 'HIGH', '--exit-code', '5', '--ignorefile', file]).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const bad = vigil(['scan', 'image', target, '--offline', '--severity', 'SEVERE']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--severity "SEVERE": must be one of/);
  });

  test('a hostile archive is scanned safely: bad entries recorded, nothing written outside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'));
    try {
      const tarPath = join(dir, 'hostile.tar');
      // a single-layer "image": a plain tar with traversal and an absolute path beside a real lockfile
      const { default: tarStream } = await import('tar-stream');
      const pack = tarStream.pack();
      const chunks: Buffer[] = [];
      pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
      const ended = new Promise<void>((r) => pack.on('end', () => r()));
      pack.entry({ name: '../../escaped.txt' }, 'x');
      pack.entry({ name: '/abs.txt' }, 'x');
      pack.entry({ name: 'link', type: 'symlink', linkname: '../../../../etc' });
      pack.entry({ name: 'app/package-lock.json' }, JSON.stringify({ name: 'a', lockfileVersion: 3, packages: { '': { name: 'a' }, 'node_modules/lodash': { version: '4.17.4' } } }));
      pack.finalize();
      await ended;
      writeFileSync(tarPath, Buffer.concat(chunks));
      const r = scanJson(['scan', 'image', tarPath]);
      assert.ok(r.packages.some((p) => p.name === 'lodash'));
      assert.ok(r.errors.some((e) => e.rule === 'path-traversal'));
      assert.deepEqual(readdirSync(dir), ['hostile.tar']);
      assert.ok(!existsSync(join(tmpdir(), 'escaped.txt')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    void tarOf;
  });
});

describe('vigil scan image from a real registry', { skip: registrySkip }, () => {
  let reg: RegistryProcess | undefined;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-reg-'));
    reg = await startRegistry(registryBin!, dir);
    await skopeoCopy(`oci:${join(TARGETS, 'oci')}:bullseye`, `docker://${reg.host}/debian:bullseye`);
    // this suite's own database (the other suite removes its home when it ends)
    home = join(dir, 'home');
    assert.equal(vigil(['db', 'import', '-q', join(VULNDATA, 'debian')]).code, 0);
  });
  after(async () => {
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('pulls, verifies and scans the pushed image; same packages as the archive', () => {
    const pulled = scanJson(['scan', 'image', `${reg!.host}/debian:bullseye`]);
    assert.equal(pulled.target.kind, 'registry');
    assert.match(String(pulled.target.digest), /^sha256:[0-9a-f]{64}$/);
    const archive = scanJson(['scan', 'image', join(TARGETS, 'bullseye.docker.tar')]);
    assert.deepEqual(osSet(pulled), osSet(archive));
  });
});
