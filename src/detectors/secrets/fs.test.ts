/**
 * scanSecrets over a ScanFS: binaries and oversized files skipped, read errors recorded, layers,
 * progress, ignore files in sub-folders, UTF-16; secretContentFilter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LayerRef } from '../../model/index.ts';
import type { ScanFS } from '../../sources/types.ts';
import { openDir } from '../../sources/dir/index.ts';
import { scanSecrets, secretContentFilter } from './index.ts';
import { memFS, tokenGenerator } from './testutil.ts';

const gen = tokenGenerator(7);

test('scanSecrets: text files scanned, binaries and big files skipped, layer and progress', async () => {
  const t = gen.make('ghp');
  const layer: LayerRef = { index: 2, digest: 'sha256:' + 'a'.repeat(64), createdBy: 'COPY . /app' };
  const fs = memFS(
    {
      'app/config.yml': `github:\n  token: ${t}\n`,
      'app/blob.dat2': Buffer.concat([Buffer.from('PK\0\0'), Buffer.from(t)]), // a NUL in the first 8 KiB
      'app/logo.png': `not really a png ${t}`, // binary by extension: never read
      'app/big.txt': `${'#'.repeat(2000)}\n${t}\n`,
      'app/utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`token=${t}\n`, 'utf16le')]),
      'app/latin1.txt': Buffer.concat([Buffer.from([0xe9, 0xff, 0x0a]), Buffer.from(`k: ${t}\n`)]),
    },
    { 'app/config.yml': layer },
  );
  const progress: [number, number | undefined][] = [];
  const { findings, errors } = await scanSecrets(fs, { maxFileBytes: 1024, onProgress: (n, total) => progress.push([n, total]) });
  assert.deepEqual(findings.map((f) => [f.location.path, f.location.line]).sort(), [['app/config.yml', 2], ['app/latin1.txt', 2], ['app/utf16.txt', 1]]);
  assert.deepEqual(findings.find((f) => f.location.path === 'app/config.yml')!.location.layer, layer);
  assert.deepEqual(errors.map((e) => [e.path, e.rule]), [['app/big.txt', 'file-too-large']]);
  assert.deepEqual(progress.at(-1), [6, 6]);
});

test('scanSecrets: a file that cannot be read is an error, the rest is scanned', async () => {
  const t = gen.make('npm');
  const base = memFS({ 'a.txt': `x=${t}`, 'b.txt': `y=${t}` });
  const fs: ScanFS = { ...base, entries: base.entries, readFile: async (p) => (p === 'a.txt' ? Promise.reject(new Error('permission denied')) : base.readFile(p)) };
  const { findings, errors } = await scanSecrets(fs);
  assert.deepEqual(findings.map((f) => f.location.path), ['b.txt']);
  assert.deepEqual(errors, [{ path: 'a.txt', rule: 'read-error', message: 'permission denied' }]);
});

test('scanSecrets: ignore files apply to their folder and below; findings are suppressed, not dropped', async () => {
  const t = gen.make('ghp');
  const fs = memFS({
    '.secretsignore': 'secret:npm-access-token\n',
    'svc/.vigilignore': 'generated/\n',
    'svc/generated/a.js': `t='${t}'`,
    'svc/src/a.js': `t='${t}'`,
    'generated/a.js': `t='${t}'`,
    'other/npmrc': `//registry.npmjs.org/:_authToken=${gen.make('npm')}`,
  });
  const { findings } = await scanSecrets(fs);
  const rows = findings.map((f) => [f.location.path, f.suppressed?.source ?? null]).sort();
  assert.deepEqual(rows, [['generated/a.js', null], ['other/npmrc', '.secretsignore:1'], ['svc/generated/a.js', 'svc/.vigilignore:1'], ['svc/src/a.js', null]]);
});

test('scanSecrets over a real directory (openDir) with a .git folder', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-dir-'));
  try {
    const t = gen.make('ghp');
    mkdirSync(join(dir, '.git/objects/ab'), { recursive: true });
    writeFileSync(join(dir, '.git/objects/ab/cdef'), `loose ${t}`);
    writeFileSync(join(dir, '.git/config'), `[remote "origin"]\n\turl = https://x:${t}@github.com/o/r.git\n`);
    writeFileSync(join(dir, 'main.py'), `TOKEN = "${t}"\n`);
    const fs = await openDir(dir);
    try {
      const { findings, errors } = await scanSecrets(fs);
      assert.deepEqual(errors, []);
      assert.deepEqual(findings.map((f) => f.location.path).sort(), ['.git/config', 'main.py']);
    } finally {
      await fs.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secretContentFilter: text-like files up to 5 MiB', () => {
  const f = (path: string, size = 100) => secretContentFilter({ path, kind: 'file', size });
  assert.ok(f('etc/app.conf') && f('.env') && f('id_rsa') && f('a/.vigilignore') && f('.git/config'));
  assert.ok(!f('a.png') && !f('lib/x.so') && !f('a.jar') && !f('.git/objects/ab/cd') && !f('big.json', 6 * 1024 * 1024));
  assert.ok(!secretContentFilter({ path: 'd', kind: 'dir', size: 0 }));
});
