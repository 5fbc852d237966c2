import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { firstExisting, realFile } from '../testutil.ts';
import { pythonExtractor, pythonSeries } from './index.ts';

const td = testdata(import.meta.url);
const f = (size: number) => ({ path: '', kind: 'file' as const, size });

test('fileRequired and series: interpreters and libpython by name', () => {
  assert.deepEqual(pythonSeries('python3.11'), ['3', '11']);
  assert.deepEqual(pythonSeries('libpython3.11.so.1.0'), ['3', '11']);
  assert.deepEqual(pythonSeries('libpython3.13t.so'), ['3', '13']);
  assert.deepEqual(pythonSeries('python311.dll'), ['3', '11']);
  assert.deepEqual(pythonSeries('python2.7'), ['2', '7']);
  for (const no of ['python3', 'python', 'libpython3.so', 'python3.11-config', 'python3.11.py']) assert.equal(pythonSeries(no), undefined, no);
  assert.ok(pythonExtractor.fileRequired('usr/local/lib/libpython3.11.so.1.0', f(20 << 20)));
  assert.ok(!pythonExtractor.fileRequired('usr/local/bin/python3.11', f(100)));
});

test('happy: the PY_VERSION literal; a tail-merged one when no literal stands alone', async () => {
  const [p] = await pythonExtractor.extract(scanFile('usr/local/bin/python3.12', td('happy/exact-3.12.1.bin')), extractCtx());
  assert.deepEqual(p, { ecosystem: 'Bitnami', name: 'python', version: '3.12.1', purl: 'pkg:generic/python@3.12.1', locations: ['usr/local/bin/python3.12'], foundBy: 'runtime/python' });
  const [m] = await pythonExtractor.extract(scanFile('opt/python/lib/libpython3.9.so.1.0', td('happy/tail-merged-3.9.18.bin')), extractCtx());
  assert.equal(m.version, '3.9.18');
});

test('sad: another series\' version and look-alikes are not taken', async () => {
  assert.deepEqual(await pythonExtractor.extract(scanFile('usr/lib/libpython3.9.so', td('sad/other-series.bin')), extractCtx()), []);
});

const PYENV = firstExisting('/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0');
test('real: pyenv\'s source build (libpython3.11.so.1.0) and its launcher', { skip: !PYENV && 'no pyenv 3.11.7' }, async () => {
  const want = execFileSync('/root/.pyenv/versions/3.11.7/bin/python3.11', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
  const [p] = await pythonExtractor.extract(realFile(PYENV!, 'usr/local/lib/libpython3.11.so.1.0'), extractCtx());
  assert.equal(p.version, want);
  // the launcher links the library; its only X.Y.Z is the source directory its debug info names ("…/Python-3.11.7")
  const [l] = await pythonExtractor.extract(realFile('/root/.pyenv/versions/3.11.7/bin/python3.11', 'usr/local/bin/python3.11'), extractCtx());
  assert.equal(l.version, want);
});

const DEBIAN = firstExisting('/usr/bin/python3.11');
test('real: Debian\'s statically linked python3.11', { skip: !DEBIAN && 'no /usr/bin/python3.11' }, async () => {
  const want = execFileSync(DEBIAN!, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim();
  const [p] = await pythonExtractor.extract(realFile(DEBIAN!, 'usr/bin/python3.11'), extractCtx());
  assert.equal(p.version, want);
});
