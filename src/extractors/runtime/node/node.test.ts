import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { firstExisting, realFile } from '../testutil.ts';
import { MIN_NODE_BYTES, nodeExtractor } from './index.ts';

const td = testdata(import.meta.url);
const big = { kind: 'file' as const, size: 50 << 20 };

test('fileRequired: node, nodejs and node.exe of binary size; not a shim script, not node_modules/node.js files', () => {
  assert.ok(nodeExtractor.fileRequired('usr/local/bin/node', { path: 'usr/local/bin/node', ...big }));
  assert.ok(nodeExtractor.fileRequired('opt/node-v20.11.1-linux-x64/bin/node', { path: '', ...big }));
  assert.ok(nodeExtractor.fileRequired('usr/bin/nodejs', { path: '', ...big }));
  assert.ok(nodeExtractor.fileRequired('Program Files/nodejs/node.exe', { path: '', ...big }));
  assert.ok(!nodeExtractor.fileRequired('root/.nvm/shims/node', { path: '', kind: 'file', size: 82 }));
  assert.ok(!nodeExtractor.fileRequired('app/node.js', { path: '', ...big }));
  assert.ok(!nodeExtractor.fileRequired('app/node', { path: '', kind: 'file', size: MIN_NODE_BYTES - 1 }));
});

test('happy: the release URL gives the version; rc builds keep their -rc.N', async () => {
  const [p] = await nodeExtractor.extract(scanFile('opt/node/bin/node', td('happy/v16.13.0.bin')), extractCtx());
  assert.deepEqual(p, { ecosystem: 'Bitnami', name: 'node', version: '16.13.0', purl: 'pkg:generic/node@16.13.0', locations: ['opt/node/bin/node'], foundBy: 'runtime/node' });
  const [rc] = await nodeExtractor.extract(scanFile('usr/local/bin/node', td('happy/v20.0.0-rc.1.bin')), extractCtx());
  assert.equal(rc.version, '20.0.0-rc.1');
});

test('sad: a shim script or a build without release URL gives nothing, and no error', async () => {
  for (const f of ['sad/nvm-shim', 'sad/no-release-url.bin']) {
    const ctx = extractCtx();
    assert.deepEqual(await nodeExtractor.extract(scanFile('usr/local/bin/node', td(f)), ctx), [], f);
    assert.deepEqual(ctx.fileErrors, []);
  }
});

// the machine's node (Debian's or NodeSource's /usr/bin/node; the npm registry's `node` package under .cache in CI)
const NODE = firstExisting('/usr/bin/node', '/usr/local/bin/node', process.execPath);
test('real binary: the version node itself reports, read in chunks', { skip: !NODE && 'no node binary' }, async () => {
  const want = execFileSync(NODE!, ['-p', 'process.version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  const [p] = await nodeExtractor.extract(realFile(NODE!, 'usr/local/bin/node'), extractCtx());
  assert.equal(p.version, want);
  assert.equal(p.purl, `pkg:generic/node@${want}`);
});
