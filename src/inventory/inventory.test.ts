import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Extractor } from '../extractors/types.ts';
import type { FileInfo, ScanFS } from '../sources/types.ts';
import { MAX_LISTED_PROBLEMS, collectInventory, contentFilterFor } from './index.ts';

function memFs(files: Record<string, string>, layer = { index: 0, digest: 'sha256:aa' }): ScanFS {
  const infos: FileInfo[] = Object.keys(files).sort().map((path) => ({ path, kind: 'file', size: files[path].length, layer }));
  return {
    target: { kind: 'dir', ref: 'mem' },
    errors: [{ path: 'dev/null', rule: 'device-file', message: 'not read' }],
    async *entries() { yield* infos; },
    async stat(p) { return infos.find((i) => i.path === p) ?? null; },
    async readFile(p) { if (!(p in files)) throw new Error(`no ${p}`); return Buffer.from(files[p]); },
    async close() {},
  };
}

const lines: Extractor = {
  name: 'test/lines', version: 1,
  fileRequired: (path) => path.endsWith('.lst'),
  async extract(file, ctx) {
    const text = (await file.read()).toString();
    if (text.startsWith('!')) throw new Error('bang');
    if (text.startsWith('?')) { ctx.fileErrors.push({ path: file.info.path, rule: 'parse-error', message: 'question' }); return []; }
    return text.trim().split('\n').map((l) => { const [ecosystem, name, version] = l.split(' '); return { ecosystem, name, version }; });
  },
};

test('one walk, extractors get their files, errors recorded per file, OS-owned language packages marked', async () => {
  const fs = memFs({
    'app/a.lst': 'npm lodash 4.17.4\nnpm lodash 4.17.4\n',
    'usr/lib/python3/dist-packages/b.lst': 'PyPI requests 2.25.1\n',
    'var/lib/dpkg/info/python3-requests.list': '/usr/lib/python3/dist-packages/b.lst\n',
    'broken.lst': '!',
    'odd.lst': '?',
    'etc/os-release': 'ID=debian\n',
  });
  const inv = await collectInventory(fs, {
    extractors: [lines],
    detectOs: async (read) => ((await read('etc/os-release'))?.toString().includes('debian') ? { id: 'debian', versionId: '11', ecosystem: 'Debian:11' } : undefined),
  });
  assert.equal(inv.os?.ecosystem, 'Debian:11');
  assert.deepEqual(inv.packages.map((p) => `${p.ecosystem}/${p.name}@${p.version} ${p.locations} ${p.foundBy} ${p.ownedBy ?? ''}`), [
    'PyPI/requests@2.25.1 usr/lib/python3/dist-packages/b.lst test/lines Debian:11/python3-requests',
    'npm/lodash@4.17.4 app/a.lst test/lines ',
  ]);
  assert.equal(inv.packages[1].layer?.digest, 'sha256:aa');
  assert.deepEqual(inv.errors.map((e) => `${e.path} ${e.rule}`).sort(), ['broken.lst extractor-error', 'dev/null device-file', 'odd.lst parse-error']);
});

test('the content filter keeps what extractors need and the dpkg file lists', () => {
  const f = contentFilterFor([lines], ['etc/os-release']);
  const info = (path: string): FileInfo => ({ path, kind: 'file', size: 1 });
  assert.equal(f(info('x.lst')), true);
  assert.equal(f(info('etc/os-release')), true);
  assert.equal(f(info('var/lib/dpkg/info/libc6:amd64.list')), true);
  assert.equal(f(info('usr/bin/ls')), false);
});

test('extractor problems are bounded: past MAX_LISTED_PROBLEMS, one record per rule with a count', async () => {
  const noisy: Extractor = {
    name: 'test/noisy', version: 1,
    fileRequired: (path) => path.endsWith('.lst'),
    async extract(file, ctx) {
      for (let i = 0; i < MAX_LISTED_PROBLEMS + 500; i++) ctx.fileErrors.push({ path: file.info.path, rule: 'bad-entry', message: `entry ${i}` });
      return [];
    },
  };
  const inv = await collectInventory(memFs({ 'a.lst': 'x' }), { extractors: [noisy] });
  const bad = inv.errors.filter((e) => e.rule === 'bad-entry');
  assert.equal(bad.length, MAX_LISTED_PROBLEMS + 1);
  assert.equal(bad.at(-1)!.count, 500);
});

/** stands in for the runtime/* extractors (src/extractors/runtime): a `.bin` file's text is "name version" */
const runtime: Extractor = {
  name: 'runtime/test', version: 1,
  fileRequired: (path) => path.endsWith('.bin'),
  async extract(file) {
    const [name, version] = (await file.read()).toString().trim().split(' ');
    return [{ ecosystem: 'Bitnami', name, version }];
  },
};
const osRelease = (id: string) => async (read: (p: string) => Promise<Buffer | null>) => ((await read('etc/os-release')) ? { id } : undefined);
const runtimesOf = async (files: Record<string, string>) =>
  (await collectInventory(memFs(files), { extractors: [runtime], detectOs: osRelease('x') })).packages.map((p) => p.locations!.join(',')).sort();

test('runtime binaries an OS package installed are dropped: dpkg and apk file lists say exactly which', async () => {
  assert.deepEqual(await runtimesOf({
    'etc/os-release': 'ID=debian',
    'usr/bin/node.bin': 'node 18.19.0',
    'usr/local/bin/node.bin': 'node 20.11.1',
    'usr/lib/jvm/temurin/bin/java.bin': 'java 21.0.2',
    'var/lib/dpkg/info/nodejs.list': '/.\n/usr/bin\n/usr/bin/node.bin\n',
  }), ['usr/lib/jvm/temurin/bin/java.bin', 'usr/local/bin/node.bin']);
  assert.deepEqual(await runtimesOf({
    'etc/os-release': 'ID=alpine',
    'usr/bin/node.bin': 'node 18.19.0',
    'usr/bin/python3.11.bin': 'python 3.11.8',
    'lib/apk/db/installed': 'P:nodejs\nV:18.19.0-r0\nF:usr/bin\nR:node.bin\n\nP:musl\nF:lib\nR:ld-musl-x86_64.so.1\n',
  }), ['usr/bin/python3.11.bin']);
});

test('without file lists (rpm), runtimes in the OS\'s directories are the OS\'s; with no OS found, none is', async () => {
  const files = { 'etc/os-release': 'ID=rocky', 'usr/bin/python3.9.bin': 'python 3.9.18', 'usr/lib64/libcrypto.so.3.bin': 'openssl 3.0.7', 'opt/app/bin/node.bin': 'node 20.11.1' };
  assert.deepEqual(await runtimesOf(files), ['opt/app/bin/node.bin']);
  const { 'etc/os-release': _, ...noOs } = files;
  assert.deepEqual(await runtimesOf(noOs), ['opt/app/bin/node.bin', 'usr/bin/python3.9.bin', 'usr/lib64/libcrypto.so.3.bin']);
});

test('an image source asked the content filter as it read: collectInventory asks fileRequired only of the files the filter wanted', async () => {
  const { Readable } = await import('node:stream');
  const { makeTar } = await import('../sources/testutil.ts');
  const { openImage } = await import('../sources/image/index.ts');
  const tar = await makeTar([
    { name: 'app/a.lst', content: 'npm lodash 4.17.4\n' },
    { name: 'usr/bin/ls', content: 'ELF' },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'bin/sh', content: '#!' },
    { name: 'bin/dash', type: 'link', linkname: 'bin/sh' },
  ]);
  const asked: string[] = [];
  const counting: Extractor = { ...lines, fileRequired: (path) => { asked.push(path); return lines.fileRequired(path, { path, kind: 'file', size: 0 }); } };
  const { createHash } = await import('node:crypto');
  const digest = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const fs = await openImage({ target: { kind: 'test', ref: 't' }, layers: [{ open: () => Readable.from([tar]), digest }] }, { filter: contentFilterFor([counting]) });
  try {
    const byFilter = asked.splice(0);
    assert.deepEqual(byFilter.sort(), ['app/a.lst', 'bin/sh', 'etc/passwd', 'usr/bin/ls'], 'the source asks once per regular file it reads');
    const inv = await collectInventory(fs, { extractors: [counting] });
    assert.deepEqual(inv.packages.map((p) => `${p.name}@${p.version}`), ['lodash@4.17.4']);
    // the wanted file again (its extractors are paired with it), and the hardlink (the source did not ask for it)
    assert.deepEqual(asked.sort(), ['app/a.lst', 'bin/dash']);
  } finally {
    await fs.close();
  }
});

test('runtime files an OS package owns are never read; a file read whole gives the runtime extractors its chunks', async () => {
  const files: Record<string, string> = {
    'etc/os-release': 'ID=debian',
    'usr/bin/node.bin': 'node 18.19.0',
    'opt/app/bin/node.bin': 'node 20.11.1',
    'var/lib/dpkg/info/nodejs.list': '/usr/bin/node.bin\n',
  };
  const reads: string[] = [];
  const base = memFs(files);
  const fs: ScanFS = {
    ...base,
    async readFile(p) { reads.push(`whole ${p}`); return base.readFile(p); },
    async *readChunks(p) { reads.push(`chunks ${p}`); yield await base.readFile(p); },
  };
  /** a Go/Rust build-info reader: every .bin whole */
  const whole: Extractor = { name: 'test/whole', version: 1, fileRequired: (p) => p.endsWith('.bin'), async extract(f) { await f.read(); return []; } };
  /** two runtime plugins reading chunks (node and openssl on a node binary) */
  const chunked = (name: string): Extractor => ({
    name: `runtime/${name}`, version: 1, fileRequired: (p) => p.endsWith('.bin'),
    async extract(f) {
      let text = '';
      for await (const c of f.chunks!(4)) text += c.toString();
      const [n, v] = text.trim().split(' ');
      return name === 'a' ? [{ ecosystem: 'Bitnami', name: n, version: v }] : [];
    },
  });
  const inv = await collectInventory(fs, { extractors: [whole, chunked('a'), chunked('b')], detectOs: osRelease('debian') });
  assert.deepEqual(inv.packages.map((p) => `${p.name}@${p.version} ${p.locations}`), ['node@20.11.1 opt/app/bin/node.bin']);
  // the OS-owned usr/bin/node.bin: only the build-info reader (as on any root filesystem), never a runtime plugin
  assert.deepEqual(reads.filter((r) => r.includes('.bin')), ['whole opt/app/bin/node.bin', 'whole usr/bin/node.bin']);
  // without the whole read, each runtime plugin reads its chunks
  reads.length = 0;
  await collectInventory(fs, { extractors: [chunked('a'), chunked('b')], detectOs: osRelease('debian') });
  assert.deepEqual(reads.filter((r) => r.includes('.bin')), ['chunks opt/app/bin/node.bin', 'chunks opt/app/bin/node.bin']);
});
