/**
 * Host deep inspection (issue 20): a real sshd chrooted into a copy of the bookworm root filesystem
 * (under /run: sshd refuses chroots under /tmp) with Python virtualenvs and npm projects (lockfile
 * and node_modules, written by npm: src/inventory/testdata/two-projects) planted under /opt, /srv,
 * /home/user and a custom /data. The language packages the SSH snapshot and the agent's report give
 * are exactly those `scan rootfs` (openTarget rootfs + every extractor) finds in the same
 * directories (ecosystem/name/version/locations); bounds become deep-inspection-* errors counted
 * as partial; files read only for secrets never reach the inventory; bad directories are refused.
 */
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { collectAgentReport } from '../../cli/agent.ts';
import { extractorGroups } from '../../extractors/index.ts';
import { detectOs } from '../../extractors/os/index.ts';
import { collectInventory, contentFilterFor } from '../../inventory/index.ts';
import type { Package } from '../../model/index.ts';
import { VigilError } from '../../model/index.ts';
import { summarizeSkipped } from '../../model/scan.ts';
import { HOW, needs, onPath } from '../../../test/helpers/prereq.ts';
import { parseDeepListMarkers, type DeepListFormat, type ListedFile } from './deep.ts';
import { DEFAULT_DEEP_INSPECTION_PATHS, deepListScript, deepTarScript, inspectionPathsWith, normalizeInspectionPaths, parseDeepListing, openSshHost, type SshTarget } from './index.ts';
import { chrootedCopy, rootfsPackages, sshdUnavailable, type ChrootedHost } from './testutil.ts';

const run = promisify(execFile);
const BOOKWORM = join(import.meta.dirname, '../../../.cache/targets/rootfs-bookworm');
const TWO = join(import.meta.dirname, '../../inventory/testdata/two-projects');
const DIST = join(import.meta.dirname, '../../extractors/python/dist-info/testdata');
const unavailable = sshdUnavailable() || (!existsSync(join(BOOKWORM, 'etc/os-release')) && 'no .cache/targets/rootfs-bookworm (bash ../shared/tools/build-targets.sh .cache/targets bookworm)');

const languageFilter = contentFilterFor(extractorGroups.language);
const isOs = (p: Package) => /^(Debian|Ubuntu|Alpine)/.test(p.ecosystem);
/** ecosystem/name/version and every location, one line per package, sorted */
const keyed = (pkgs: Package[]) => pkgs.filter((p) => !isOs(p)).map((p) => `${p.ecosystem}/${p.name}@${p.version} ${[...(p.locations ?? [])].sort().join(",")}`).sort();

async function plant(root: string): Promise<void> {
  const venv = async (dir: string) => {
    const sp = join(root, dir, 'lib/python3.11/site-packages');
    await mkdir(join(sp, 'PyYAML-6.0.dist-info'), { recursive: true });
    await mkdir(join(sp, 'pip-24.2.dist-info'), { recursive: true });
    await writeFile(join(root, dir, 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n');
    await copyFile(join(DIST, 'PyYAML-6.0.METADATA'), join(sp, 'PyYAML-6.0.dist-info/METADATA'));
    await copyFile(join(DIST, 'pip-24.2.METADATA'), join(sp, 'pip-24.2.dist-info/METADATA'));
  };
  await venv('opt/venv');
  await venv('home/user/.venv');
  for (const [from, to] of [['app', 'srv/app'], ['other', 'home/user/proj'], ['app', 'opt/web'], ['app', 'data/svc']]) {
    await mkdir(join(root, to), { recursive: true });
    await run('cp', ['-a', `${join(TWO, from)}/.`, join(root, to)]);
  }
  // read for secrets only (/etc is a secrets directory, not a deep-inspection one): never a host package
  await mkdir(join(root, 'etc/app'), { recursive: true });
  await writeFile(join(root, 'etc/app/requirements.txt'), 'flask==0.12\n');
}


describe('deep inspection: paths and scripts', () => {
  it('the defaults plus checked custom directories', () => {
    assert.deepEqual(inspectionPathsWith([]), [...DEFAULT_DEEP_INSPECTION_PATHS].sort());
    assert.deepEqual(inspectionPathsWith(['/data', '/opt/app']), [...DEFAULT_DEEP_INSPECTION_PATHS, '/data'].sort());
    assert.throws(() => normalizeInspectionPaths(['data']), /"data": must be an absolute path/);
    assert.throws(() => normalizeInspectionPaths(['/proc/1']), /pseudo filesystem/);
    assert.throws(() => normalizeInspectionPaths(Array.from({ length: 17 }, (_, i) => `/d${i}`)), /at most 16/);
  });

  it('the listing is parsed line by line; pieces of a name with a newline are dropped; the tar script refuses odd names', async () => {
    assert.deepEqual(parseDeepListing('12 644 /opt/a/package.json\nbroken piece\n7 755 /opt/bin/app\n', 'printf'), [
      { path: '/opt/a/package.json', size: 12, mode: 0o644 }, { path: '/opt/bin/app', size: 7, mode: 0o755 },
    ]);
    assert.deepEqual(parseDeepListing('/opt/a/package.json\nx\n', 'names'), [{ path: '/opt/a/package.json' }]);
    // stat -c '%s %a %n' prints the -printf line; ls -ldn lines (GNU's and busybox's columns, an ACL mark, setuid/setgid/sticky)
    assert.deepEqual(parseDeepListing('12 4755 /opt/bin/su\n', 'stat'), [{ path: '/opt/bin/su', size: 12, mode: 0o4755 }]);
    assert.deepEqual(parseDeepListing([
      '-rwsr-xr-x    1 0        0          1234567 Dec  7 07:21 /opt/bin/a b',
      '-rw-r--r--+ 1 1000 1000 7 Jan  2  2024 /opt/x/package.json',
      '-rwx--S--T 2 0 0 0 Dec 31 23:59 /opt/odd',
      'line', 'drwxr-xr-x 2 0 0 4096 Dec  7 07:21 /opt', 'lrwxrwxrwx 1 0 0 4 Dec  7 07:21 /opt/l -> x', '-rw-r--r-- 1 0 0 1 Dec  7 07:21 opt/relative',
    ].join('\n'), 'ls'), [
      { path: '/opt/bin/a b', size: 1234567, mode: 0o4755 }, { path: '/opt/x/package.json', size: 7, mode: 0o644 }, { path: '/opt/odd', size: 0, mode: 0o3700 },
    ]);
    for (const bad of ['/etc/passwd', '-C/x', 'a/../b', 'a\nb', 'a\\b']) assert.throws(() => deepTarScript('0123456789abcdef', [bad], 5), /plain relative/);
    // the directories reach sh as single words, whatever they hold
    const s = deepListScript('0123456789abcdef', ["/srv/it's $(id)"], { maxListed: 10, seconds: 5 });
    assert.ok(s.includes(`'/srv/it'\\''s $(id)'`));
  });
});

const BUSYBOX = onPath('busybox');

describe('the listing script on GNU and busybox tools', { skip: needs('busybox', BUSYBOX, HOW.apt('busybox')) }, () => {
  let root: string;
  let tree: string;
  let bin: string;
  /** the regular files under tree with size and permission bits, as lstat gives them */
  let expected: ListedFile[];
  const byPath = (a: ListedFile, b: ListedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  /** only what names a real regular file (the first piece of a name with a newline does not) */
  const real = (fs: ListedFile[]) => fs.filter((f) => lstatSync(f.path, { throwIfNoEntry: false })?.isFile()).sort(byPath);

  /** Runs the listing script with `PATH` = `path` only (its sh the first one there), as a host would. */
  function list(path: string, maxListed = 1000): { format: DeepListFormat; complete: boolean; files: ListedFile[] } {
    const nonce = randomBytes(8).toString('hex');
    const sh = path.split(':').map((d) => join(d, 'sh')).find((p) => existsSync(p))!;
    const r = spawnSync(sh, ['-s'], { input: deepListScript(nonce, [tree], { maxListed, seconds: 60 }), env: { PATH: path }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = parseDeepListMarkers(r.stderr, nonce);
    assert.ok(m.ran && m.complete && !m.walkTimeout, r.stderr);
    return { format: m.format, complete: m.complete, files: parseDeepListing(r.stdout, m.format) };
  }
  /** A PATH of busybox's applets, less `without`. */
  async function busyboxPath(name: string, without: string[]): Promise<string> {
    const dir = join(bin, name);
    await mkdir(dir);
    for (const a of spawnSync(BUSYBOX!, ['--list'], { encoding: 'utf8' }).stdout.split('\n')) if (a && !without.includes(a)) await symlink(BUSYBOX!, join(dir, a));
    return dir;
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-deeplist-'));
    tree = join(root, 'tree');
    bin = join(root, 'bin');
    await mkdir(bin);
    const files: [string, number, number][] = [
      ['opt/app/bin/tool', 0o755, 300], ['opt/app/bin/su', 0o4755, 12], ['opt/app/sg', 0o2711, 1], ['opt/app/sticky', 0o1644, 2],
      ['opt/app/lib/libx.so', 0o644, 70_000], ['opt/with space/package.json', 0o600, 5], ['opt/empty', 0o644, 0], ['opt/new\nline', 0o755, 9],
    ];
    for (const [p, mode, size] of files) {
      await mkdir(join(tree, p, '..'), { recursive: true });
      await writeFile(join(tree, p), Buffer.alloc(size, 0x41));
      await chmod(join(tree, p), mode);
    }
    await symlink('bin/tool', join(tree, 'opt/app/link'));
    await symlink('..', join(tree, 'opt/app/up'));
    expected = [];
    for (const [p] of files.filter(([p]) => !p.includes('\n'))) {
      const st = await lstat(join(tree, p));
      expected.push({ path: join(tree, p), size: st.size, mode: st.mode & 0o7777 });
    }
    expected.sort(byPath);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('GNU find: -printf; busybox: stat -c, else ls -ldn: the same files, sizes and modes; names only without xargs', async () => {
    const gnu = list('/usr/bin:/bin');
    assert.equal(gnu.format, 'printf');
    assert.deepEqual(real(gnu.files), expected);
    const stat = list(await busyboxPath('all', []));
    assert.equal(stat.format, 'stat');
    assert.deepEqual(real(stat.files), expected);
    // busybox without stat (a trimmed build): ls -ldn; its "?" for the newline makes a name that is not a file
    const ls = list(await busyboxPath('nostat', ['stat']));
    assert.equal(ls.format, 'ls');
    assert.deepEqual(real(ls.files), expected);
    const names = list(await busyboxPath('noxargs', ['xargs']));
    assert.equal(names.format, 'names');
    assert.deepEqual(real(names.files), expected.map((f) => ({ path: f.path })));
    // nothing else listed: pieces of the name with a newline only
    for (const l of [gnu, stat, ls, names]) for (const f of l.files) assert.ok(real([f]).length === 1 || f.path.startsWith(join(tree, 'opt/new')), f.path);
    // busybox find with GNU's xargs and stat (a Debian host with busybox's find first on PATH)
    const mixed = join(bin, 'mixed');
    await mkdir(mixed);
    await symlink(BUSYBOX!, join(mixed, 'find'));
    const m = list(`${mixed}:/usr/bin:/bin`);
    assert.equal(m.format, 'stat');
    assert.deepEqual(real(m.files), expected);
  });

  it('busybox: head bounds the listing (maxListed + 1 lines), the script still ends', async () => {
    for (const dir of ['all', 'nostat']) {
      const r = list(join(bin, dir), 2);
      assert.equal(r.files.length, 3, JSON.stringify(r.files));
    }
  });
});

describe('deep inspection over SSH and by the agent, against scan rootfs', { skip: unavailable }, () => {
  let copy: string;
  let host: ChrootedHost | undefined;
  let target: SshTarget;
  before(async () => {
    host = await chrootedCopy(BOOKWORM, 'vigil-deep-', plant);
    ({ copy, target } = host);
  });
  after(async () => {
    await host?.stop();
  });

  it('SSH: the language packages of the default paths, as scan rootfs finds them there; OS packages kept; secrets-only files kept out', async () => {
    const expected = keyed(await rootfsPackages(copy, [...DEFAULT_DEEP_INSPECTION_PATHS]));
    assert.ok(expected.length >= 10, expected.join('\n'));
    for (const want of ['PyPI/pyyaml@6.0', 'PyPI/pip@24.2', 'npm/lodash@4.17.4', 'npm/handlebars@4.0.11']) assert.ok(expected.some((k) => k.toLowerCase().startsWith(want.toLowerCase() + ' ')), want);
    const snap = await openSshHost(target, { deepInspection: { filter: languageFilter }, secretPaths: ['/etc', '/opt', '/home'] });
    const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
    assert.deepEqual(keyed(inv.packages), expected);
    assert.ok(inv.packages.filter(isOs).length > 50, 'the OS packages from the dpkg database stay');
    assert.ok(!inv.packages.some((p) => (p.locations ?? []).some((l) => l.startsWith('etc/'))), 'etc/app/requirements.txt was read for secrets only');
    assert.ok(!keyed(inv.packages).some((k) => k.includes('data/svc')), '/data is not a default path');
    assert.equal(summarizeSkipped(inv.errors), null, JSON.stringify(inv.errors.slice(0, 5)));
    assert.ok(snap.deepInspection && snap.deepInspection.files > 0 && snap.deepInspection.listed >= snap.deepInspection.wanted);
    // the secrets view still sees the deep-inspection files under its directories, and the file read for secrets only
    const secretsPaths: string[] = [];
    for await (const e of snap.secretsFs!.entries()) secretsPaths.push(e.path);
    assert.ok(secretsPaths.includes('etc/app/requirements.txt') && secretsPaths.includes('opt/web/package-lock.json'));
    await snap.fs.close();
  });

  it('SSH: a custom path adds its packages; bounds become deep-inspection-* errors counted as partial', async () => {
    const dirs = inspectionPathsWith(['/data']);
    const expected = keyed(await rootfsPackages(copy, dirs));
    assert.ok(expected.some((k) => k.includes('data/svc/package-lock.json')));
    const snap = await openSshHost(target, { deepInspection: { paths: ['/data'], filter: languageFilter } });
    const inv = await collectInventory(snap.fs, { extractors: extractorGroups.all, detectOs });
    assert.deepEqual(keyed(inv.packages), expected);

    const small = await openSshHost(target, { deepInspection: { filter: languageFilter }, limits: { deep: { maxFiles: 3 } as never } });
    const inv2 = await collectInventory(small.fs, { extractors: extractorGroups.all, detectOs });
    assert.equal(small.deepInspection!.files, 3);
    assert.ok(summarizeSkipped(inv2.errors)!.rules['deep-inspection-files'] === 1, JSON.stringify(summarizeSkipped(inv2.errors)));
    assert.ok(inv2.packages.filter(isOs).length > 50, 'a bound hit: the scan still records the OS packages');

    const listed = await openSshHost(target, { deepInspection: { filter: languageFilter }, limits: { deep: { maxListed: 50 } as never } });
    const inv3 = await collectInventory(listed.fs, { extractors: extractorGroups.all, detectOs });
    assert.equal(summarizeSkipped(inv3.errors)!.rules['deep-inspection-entries'], 1);

    await assert.rejects(openSshHost(target, { deepInspection: { paths: ['relative'], filter: languageFilter } }), (e: unknown) => e instanceof VigilError && e.rule === 'inspection-paths');
  });

  it('agent: the same packages as scan rootfs over the same tree (defaults, --inspect-path), bounds as partial, --no-deep-inspection', async () => {
    const expected = keyed(await rootfsPackages(copy, inspectionPathsWith(['/data'])));
    const r = await collectAgentReport(copy, 'deep-agent', { cis: false, inspectPaths: ['/data'] });
    assert.deepEqual(keyed(r.packages as Package[]), expected);
    assert.ok((r.packages as Package[]).filter(isOs).length > 50);
    assert.equal(summarizeSkipped(r.errors), null, JSON.stringify(r.errors.slice(0, 5)));

    const small = await collectAgentReport(copy, 'deep-agent', { cis: false, deepLimits: { maxFiles: 2, maxFileBytes: 1 << 20, maxTotalBytes: 1 << 30, timeoutMs: 60_000 } });
    assert.equal(summarizeSkipped(small.errors)!.rules['deep-inspection-files'], 1);

    const none = await collectAgentReport(copy, 'deep-agent', { cis: false, deepInspection: false });
    assert.deepEqual(keyed(none.packages as Package[]), []);
    await assert.rejects(collectAgentReport(copy, 'deep-agent', { cis: false, inspectPaths: ['/proc'] }), (e: unknown) => e instanceof VigilError && e.rule === 'inspection-paths');
  });
});
