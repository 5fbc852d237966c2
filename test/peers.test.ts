/**
 * Agreement with peer tools on the same targets (see ../shared/docs/REAL-TARGETS.md): the
 * Trivy-based SBOM binary cdxgen ships (OS packages of a root filesystem) and cdxgen itself (npm
 * packages of the app image's project). Every difference must be listed here with its reason.
 * Needs .cache/targets (build-targets.sh) and .cache/cdxgen (bench/install-cdxgen.sh); skips without
 * (fails in CI, test/helpers/prereq.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CDXGEN, cdxgenPlatform, HOW, needsAll, ROOT, TARGETS, trivyCdxgenPath } from './helpers/prereq.ts';

const TRIVY = trivyCdxgenPath();
const BIN = join(ROOT, 'bin', 'vigil.js');
const skip = needsAll([
  ['targets: rootfs-bullseye', existsSync(join(TARGETS, 'rootfs-bullseye')), HOW.targets],
  ['targets: rootfs-bookworm', existsSync(join(TARGETS, 'rootfs-bookworm')), HOW.targets],
  ['cdxgen', existsSync(CDXGEN), HOW.cdxgen],
  [`trivy-cdxgen-${cdxgenPlatform()} (${TRIVY})`, existsSync(TRIVY), HOW.cdxgen],
]);

interface Component { name: string; version?: string; purl?: string; scope?: string; type?: string }
const components = (file: string): Component[] => (JSON.parse(readFileSync(file, 'utf8')).components ?? []) as Component[];

function vigilSbom(target: string, kind: string, out: string) {
  const r = spawnSync(process.execPath, [BIN, 'sbom', target, '--kind', kind, '-o', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return components(out);
}

/**
 * name@version of the components whose purl has this type. Differences of encoding only are
 * normalized: Trivy puts a Debian epoch in an `epoch` qualifier, Vigil in the version as dpkg
 * writes it ("1:2.36.1-8"); the `distro` qualifier says "debian-11.11" there, "debian-11" here.
 */
function purlSet(list: Component[], type: string): string[] {
  return list.filter((c) => c.purl?.startsWith(`pkg:${type}/`)).map((c) => {
    const [path, query = ''] = c.purl!.split('?');
    const p = decodeURIComponent(path);
    const at = p.lastIndexOf('@');
    const epoch = new URLSearchParams(query).get('epoch');
    const version = p.slice(at + 1);
    return `${p.slice(p.lastIndexOf('/') + 1, at)}@${epoch && !version.includes(':') ? `${epoch}:` : ''}${version}`;
  }).sort();
}

describe('agreement with peer tools', { skip }, () => {
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-peers-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const suite of ['bullseye', 'bookworm']) {
    test(`OS packages of rootfs-${suite}: same set as the Trivy-based binary`, () => {
      const rootfs = join(TARGETS, `rootfs-${suite}`);
      const trivyOut = join(work, `trivy-${suite}.json`);
      execFileSync(TRIVY, ['rootfs', '--output', trivyOut, '--cache-dir', join(work, 'trivy-cache'), rootfs], { stdio: 'ignore' });
      const trivy = purlSet(components(trivyOut), 'deb');
      const ours = purlSet(vigilSbom(rootfs, 'rootfs', join(work, `vigil-${suite}.json`)), 'deb');
      // no differences: both read var/lib/dpkg/status, both keep "installed" packages only
      // (Vigil also keeps "hold"/"deinstall ok installed", which these fresh roots do not have)
      assert.deepEqual(ours, trivy);
      assert.ok(ours.length > 80);
    });
  }

  test('npm packages of the app project: same set as cdxgen, dev dependencies where cdxgen says optional', () => {
    // the app image's second layer, unpacked: /app with package.json, package-lock.json, node_modules
    const x = join(work, 'app-image');
    mkdirSync(x);
    execFileSync('tar', ['-xf', join(TARGETS, 'bullseye-app.docker.tar'), '-C', x]);
    const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'))[0];
    const layer = join(work, 'layer1');
    mkdirSync(layer);
    execFileSync('tar', ['-xf', join(x, manifest.Layers[1]), '-C', layer, '--exclude=*.wh.*']);
    const app = join(layer, 'app');
    const cdxOut = join(work, 'cdxgen-app.json');
    execFileSync(CDXGEN, ['-t', 'js', '--no-install-deps', '-o', cdxOut, app], { stdio: 'ignore', env: { ...process.env, CDXGEN_NO_BANNER: 'true', FETCH_LICENSE: 'false', CDXGEN_DEBUG_MODE: '' } });
    const theirs = components(cdxOut);
    const ours = vigilSbom(app, 'dir', join(work, 'vigil-app.json'));
    // (issue 20) Vigil lists each install once, with every place it was found (package-lock.json and
    // its node_modules/**/package.json), as cdxgen does: no name@version twice
    const oursSet = [...new Set(purlSet(ours, 'npm'))].sort();
    assert.equal(purlSet(ours, 'npm').length, oursSet.length, 'one component per install');
    const theirsSet = [...new Set(purlSet(theirs, 'npm'))].sort();
    const onlyOurs = oursSet.filter((x) => !theirsSet.includes(x));
    const onlyTheirs = theirsSet.filter((x) => !oursSet.includes(x));
    assert.deepEqual({ onlyOurs, onlyTheirs }, { onlyOurs: [], onlyTheirs: [] }, `${oursSet.length} ours, ${theirsSet.length} cdxgen's`);
    // cdxgen marks development-only dependencies scope "optional"; Vigil marks them dev
    const cdxDev = new Set(theirs.filter((c) => c.scope === 'optional').map((c) => `${c.name}@${c.version}`));
    const devProp = (c: Component & { properties?: { name: string; value: string }[] }) => c.properties?.some((p) => p.name === 'vigil:dev' && p.value === 'true');
    const ourDev = new Set((ours as (Component & { properties?: { name: string; value: string }[] })[]).filter(devProp).map((c) => `${c.name}@${c.version}`));
    // cdxgen's "optional" covers two things: development-only packages (Vigil: dev) and npm's
    // optional dependencies (handlebars → uglify-js → …), which Vigil does not treat as dev-only
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean; optional?: boolean }> };
    const npmOptional = new Set(Object.entries(lock.packages).filter(([k, v]) => k && v.optional && !v.dev).map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`));
    assert.ok(ourDev.size > 0 && ourDev.has('mocha@5.2.0'));
    assert.deepEqual([...ourDev, ...npmOptional].sort(), [...cdxDev].sort());
  });
});
