import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { containsMagic, goBinaryExtractor, parseGoBuildInfo, parseModInfo } from './index.ts';
import { bytesReader, openableFile } from '../../testkit.ts';
import { goToolchain, HOW, needs, onPath } from '../../../../test/helpers/prereq.ts';

const td = (p: string): string => new URL(`testdata/${p}`, import.meta.url).pathname;
const file = (path: string, data: Buffer, mode = 0o100755): ScanFile => ({ info: { path, kind: 'file', size: data.length, mode }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string }[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

test('Go 1.19 binary (inline layout, built from testdata/src with vendored modules)', async () => {
  const c = ctx();
  const pkgs = await goBinaryExtractor.extract(file('usr/bin/hello', readFileSync(td('happy/hello-go1.19'))), c);
  // the main module is "(devel)" and skipped; the replaced module is reported as its replacement
  assert.deepEqual(brief(pkgs), ['example.com/greet@1.2.3', 'example.com/newgreet@1.1.0', 'stdlib@1.19.8']);
  assert.equal(pkgs[0].purl, 'pkg:golang/example.com/greet@v1.2.3');
  assert.equal(pkgs[2].purl, 'pkg:golang/stdlib@1.19.8');
  assert.deepEqual(pkgs[0].locations, ['usr/bin/hello']);
  assert.equal(pkgs[0].foundBy, 'go/binary');
  assert.deepEqual(c.fileErrors, []);
});

test('pre-1.18 pointer layout (hand-made ELF, see make-pointer-fixture.mjs)', () => {
  const r = parseGoBuildInfo(readFileSync(td('happy/pointer-go1.16.elf')));
  assert.ok(r && 'info' in r);
  assert.equal(r.info.layout, 'pointer');
  assert.equal(r.info.goVersion, 'go1.16.15');
  assert.equal(r.info.path, 'example.com/hello');
  assert.deepEqual(r.info.deps.map((d) => [d.path, d.version, d.replace?.path]), [
    ['example.com/greet', 'v1.2.3', undefined], ['example.com/oldgreet', 'v1.0.0', 'example.com/newgreet'],
  ]);
});

test('module info lines: main module with a version, local replacements skipped', async () => {
  const mi = parseModInfo('path\tx/cmd\nmod\tx\tv0.4.0\th1:x\ndep\ta/b\tv1.0.0\n=>\t../b\t\t\ndep\tc/d\tv0.0.0-20200101000000-abcdefabcdef\th1:y\nbuild\tvcs.revision=abc\n');
  assert.equal(mi.main?.version, 'v0.4.0');
  assert.equal(mi.deps[0].replace?.path, '../b');
  assert.equal(mi.settings['vcs.revision'], 'abc');
  const { buildInfoPackages } = await import('./index.ts');
  assert.deepEqual(brief(buildInfoPackages({ ...mi, goVersion: 'go1.22rc1', layout: 'inline' }, 'f')), ['x@0.4.0', 'c/d@0.0.0-20200101000000-abcdefabcdef', 'stdlib@1.22rc1']);
});

// the Go on PATH (Debian's golang-go in CI), wherever its GOROOT is and whichever version it is
const go = goToolchain();

test('the installed Go toolchain itself (real binary, stdlib only)', { skip: needs('go', go, HOW.apt('golang-go')) }, async () => {
  const gofmt = join(go!.goroot, 'bin', 'gofmt');
  const pkgs = await goBinaryExtractor.extract(file(gofmt.slice(1), readFileSync(gofmt)), ctx());
  // `go env GOVERSION` says "go1.19.8" (or "go1.22.0 X:…" with experiments): the stdlib is that release
  assert.deepEqual(brief(pkgs), [`stdlib@${go!.version.split(' ')[0].replace(/^go/, '')}`]);
});

test('sad: garbage after the magic is a recorded error; scripts and non-Go files yield nothing', async () => {
  const c = ctx();
  assert.deepEqual(await goBinaryExtractor.extract(file('bad', readFileSync(td('sad/bad-inline.elf'))), c), []);
  assert.equal(c.fileErrors.length, 1);
  assert.equal(c.fileErrors[0].rule, 'go-buildinfo');
  assert.deepEqual(await goBinaryExtractor.extract(file('s', readFileSync(td('sad/script.sh'))), c), []);
  assert.deepEqual(await goBinaryExtractor.extract(file('z', Buffer.alloc(100)), c), []);
  assert.equal(c.fileErrors.length, 1);
});

test('fileRequired: executable bit, size limit, obvious non-binaries', () => {
  const fr = (p: string, size: number, mode?: number): boolean => goBinaryExtractor.fileRequired(p, { path: p, kind: 'file', size, mode });
  assert.equal(fr('usr/bin/kubectl', 50e6, 0o100755), true);
  assert.equal(fr('usr/bin/kubectl', 50e6, 0o100644), false);
  assert.equal(fr('usr/bin/huge', 300e6, 0o100755), false);
  assert.equal(fr('opt/run.sh', 1000, 0o100755), false);
  assert.equal(fr('app/tool.exe', 1000, undefined), true);
  assert.equal(fr('app/tool', 1000, undefined), false);
});

// issue 20: a directory source offers positioned reads (ScanFile.open); a file without the magic is never read whole
test('positioned reads: the same packages and errors; no executable, or no magic, is never read whole', async () => {
  const plain = readFileSync(new URL('../../rust/auditable/testdata/sad/plain.elf', import.meta.url));
  const gofmt = go ? readFileSync(join(go.goroot, 'bin', 'gofmt')) : undefined;
  const cases: [string, Buffer, boolean][] = [
    ['happy/hello-go1.19', readFileSync(td('happy/hello-go1.19')), true],
    ['happy/pointer-go1.16.elf', readFileSync(td('happy/pointer-go1.16.elf')), true],
    ['sad/bad-inline.elf', readFileSync(td('sad/bad-inline.elf')), true],
    ['sad/script.sh', readFileSync(td('sad/script.sh')), false],
    ['zeros', Buffer.alloc(100), false],
    ['short ELF', plain.subarray(0, 63), false],
    ['plain ELF (C)', plain, false],
    ...(gofmt ? [['gofmt', gofmt, true] as [string, Buffer, boolean]] : []),
  ];
  for (const [name, data, whole] of cases) {
    const c1 = ctx();
    const want = await goBinaryExtractor.extract(file(`usr/bin/${name}`, data), c1);
    for (const perRead of [Infinity, 4093, ...(data.length < 64 * 1024 ? [5] : [])]) {
      const { file: f, stats } = openableFile(`usr/bin/${name}`, data, { perRead });
      const c2 = ctx();
      assert.deepEqual(await goBinaryExtractor.extract(f, c2), want, `${name}, reads of ${perRead}`);
      assert.deepEqual(c2.fileErrors, c1.fileErrors, name);
      assert.equal(stats.whole, whole ? 1 : 0, `${name}: read whole`);
      assert.equal(stats.open, 0, `${name}: reader closed`);
    }
  }
});

test('containsMagic: anywhere in the file, across reads and its buffer\'s refills, as indexOf finds it', async () => {
  const magic = Buffer.from('\xff Go buildinf:', 'latin1');
  const MiB = 1024 * 1024;
  const at = (size: number, pos: number | null): Buffer => {
    const b = Buffer.alloc(size, 0xff);
    if (pos !== null) magic.copy(b, pos);
    return b;
  };
  const inputs = [
    at(100, null), at(100, 0), at(100, 86), at(100, 87 - 1), at(magic.length - 1, null), Buffer.alloc(0),
    // around the 1 MiB buffer's end: a magic that the next read completes, and one just inside
    ...Array.from({ length: 16 }, (_, k) => at(2 * MiB + 100, MiB - k)),
    at(3 * MiB, 2 * MiB - 13 - 7), at(3 * MiB, null), magic.subarray(0, 13),
  ];
  for (const data of inputs) {
    for (const perRead of [Infinity, 3, 1000]) {
      if (perRead === 3 && data.length > 4096) continue;
      const stats = { bytes: 0, open: 0 };
      assert.equal(await containsMagic(bytesReader(data, perRead, stats)), data.indexOf(magic) >= 0, `${data.length} bytes, magic at ${data.indexOf(magic)}, reads of ${perRead}`);
    }
  }
});

// issue 20: an ELF file is judged where Go's debug/buildinfo looks (elfDataWindow), not searched through
test('ELF files are judged from their tables and a 64 KiB window: a large executable that is no Go program is read in KiBs', async () => {
  // this machine's node: a ~100 MB ELF (C++), no Go build info
  const node = readFileSync(process.execPath);
  const { file: f, stats } = openableFile('usr/local/bin/node', node);
  assert.deepEqual(await goBinaryExtractor.extract(f, ctx()), []);
  assert.equal(stats.whole, 0);
  assert.ok(stats.bytes < 256 * 1024, `${stats.bytes} bytes read of ${node.length}`);
  assert.equal(stats.open, 0);

  // a Go binary whose section table is gone (e_shnum 0, as sstrip leaves it): found at the start of its
  // first data segment, where the linker puts .go.buildinfo; the same packages as from the whole file
  const hello = readFileSync(td('happy/hello-go1.19'));
  const want = await goBinaryExtractor.extract(file('usr/bin/hello', hello), ctx());
  assert.ok(want.length > 0);
  const noSections = Buffer.from(hello);
  noSections.writeUInt16LE(0, 0x3c);
  const s = openableFile('usr/bin/hello', noSections);
  assert.deepEqual(await goBinaryExtractor.extract(s.file, ctx()), want);
  assert.equal(s.stats.whole, 1);
  // …and with the section: the window is the section's start
  const w = openableFile('usr/bin/hello', hello);
  assert.deepEqual(await goBinaryExtractor.extract(w.file, ctx()), want);
  assert.ok(w.stats.bytes < 96 * 1024, `${w.stats.bytes} bytes read before the whole file`);
});

// issue 20: an ELF file with a section table is judged by its `.go.buildinfo` section alone (exe.ts
// elfDataWindow), not by its first data segment as Go's reader would: this holds for every executable
// of this machine's system and Go toolchain, and for a Go binary stripped with binutils' strip
test('a section table without .go.buildinfo: nothing, for every executable the whole file would give nothing either', async () => {
  const dirs = ['/usr/bin', '/usr/sbin', '/usr/lib/x86_64-linux-gnu', ...(go ? [join(go.goroot, 'bin'), join(go.goroot, 'pkg', 'tool')] : [])];
  const files: string[] = [];
  const walk = (d: string, depth: number): void => {
    let es: Dirent[];
    try { es = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 2) walk(p, depth + 1);
      else if (e.isFile()) files.push(p);
    }
  };
  for (const d of dirs) walk(d, 0);
  const hello = readFileSync(td('happy/hello-go1.19'));
  let elf = 0;
  let goFound = 0;
  let stripped: Buffer | undefined;
  if (onPath('strip')) {
    const out = join(mkdtempSync(join(tmpdir(), 'vigil-strip-')), 'hello');
    execFileSync('strip', [td('happy/hello-go1.19'), '-o', out]);
    stripped = readFileSync(out);
    rmSync(dirname(out), { recursive: true });
  }
  // (name, bytes): this machine's files up to 256 MiB, read one at a time
  const cases: [string, () => Buffer | undefined][] = [
    ...files.map((p) => [p, () => (statSync(p).size <= 256 * 1024 * 1024 ? readFileSync(p) : undefined)] as [string, () => Buffer | undefined]),
    ['hello-go1.19', () => hello],
    ...(stripped ? [['hello-go1.19, stripped', () => stripped]] as [string, () => Buffer][] : []),
  ];
  for (const [name, bytes] of cases) {
    const data = bytes();
    if (!data || data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) continue;
    elf++;
    const want = await goBinaryExtractor.extract(file('usr/bin/x', data), ctx());
    const { file: f } = openableFile('usr/bin/x', data);
    assert.deepEqual(await goBinaryExtractor.extract(f, ctx()), want, name);
    if (want.length) goFound++;
  }
  assert.ok(elf > 100, `${elf} ELF files`);
  // the toolchain's own programs, hello and its stripped copy (when go and strip are installed)
  assert.ok(goFound >= 1 + (stripped ? 1 : 0) + (go ? 2 : 0), `${goFound} Go programs`);
});
