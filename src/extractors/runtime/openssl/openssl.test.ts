import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { firstExisting, realFile } from '../testutil.ts';
import { MIN_LINKED_BYTES, opensslCandidate, opensslExtractor } from './index.ts';

const td = testdata(import.meta.url);
const X = 0o100755;

test('candidates: OpenSSL libraries by name anywhere; other binaries only outside the OS\'s directories', () => {
  for (const p of ['usr/lib/x86_64-linux-gnu/libssl.so.3', 'opt/app/lib/libcrypto.so.1.1', 'app/libcrypto-3-x64.dll', 'app/libssl-1_1.dll', 'Applications/x/libcrypto.3.dylib']) assert.ok(opensslCandidate(p, { size: 500_000, mode: 0o100644 }), p);
  assert.ok(opensslCandidate('usr/local/bin/node', { size: 90 << 20, mode: X }));
  assert.ok(opensslCandidate('opt/app/server', { size: 5 << 20, mode: X }));
  assert.ok(opensslCandidate('srv/app/lib/_native.so', { size: 1 << 20, mode: 0o100644 }));
  assert.ok(!opensslCandidate('usr/bin/curl', { size: 5 << 20, mode: X }), 'the OS\'s binaries are its packages\'');
  assert.ok(!opensslCandidate('opt/app/data.bin', { size: 5 << 20, mode: 0o100644 }), 'not executable');
  assert.ok(!opensslCandidate('opt/app/run.sh', { size: 5 << 20, mode: X }));
  assert.ok(!opensslCandidate('opt/app/tool', { size: MIN_LINKED_BYTES - 1, mode: X }));
  assert.ok(!opensslCandidate('usr/lib/x86_64-linux-gnu/libssl3.so', { size: 500_000, mode: 0o100644 }), 'NSS, not OpenSSL');
});

test('happy: the banner, letter releases and forks', async () => {
  const [p] = await opensslExtractor.extract(scanFile('opt/app/libcrypto.so.1.1', td('happy/banner-1.1.1w.bin')), extractCtx());
  assert.deepEqual(p, { ecosystem: 'OpenSSL', name: 'openssl', version: '1.1.1w', purl: 'pkg:generic/openssl@1.1.1w', locations: ['opt/app/libcrypto.so.1.1'], foundBy: 'runtime/openssl' });
  const [q] = await opensslExtractor.extract(scanFile('usr/local/bin/node', td('happy/banner-3.0.13-quic.bin')), extractCtx());
  assert.equal(q.version, '3.0.13');
});

test('libssl without a banner takes the libcrypto beside it', async () => {
  const ctx = extractCtx({ 'opt/app/lib/libcrypto.so.1.1': td('happy/banner-1.1.1w.bin') });
  const [p] = await opensslExtractor.extract(scanFile('opt/app/lib/libssl.so.1.1', Buffer.alloc(2048)), ctx);
  assert.equal(p.version, '1.1.1w');
  assert.deepEqual(p.locations, ['opt/app/lib/libssl.so.1.1']);
});

test('sad: look-alike strings are not versions', async () => {
  assert.deepEqual(await opensslExtractor.extract(scanFile('opt/app/server', td('sad/lookalikes.bin')), extractCtx()), []);
});

const NODE = firstExisting('/usr/bin/node', '/usr/local/bin/node');
test('real: the OpenSSL Node.js bundles (process.versions.openssl)', { skip: !NODE && 'no node binary' }, async () => {
  const want = execFileSync(NODE!, ['-p', 'process.versions.openssl'], { encoding: 'utf8' }).trim().replace(/\+.*$/, '');
  const [p] = await opensslExtractor.extract(realFile(NODE!, 'usr/local/bin/node'), extractCtx());
  assert.equal(p.version, want);
});

const CRYPTO = firstExisting('/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/usr/lib/aarch64-linux-gnu/libcrypto.so.3');
test('real: Debian\'s libcrypto.so.3, and libssl.so.3 through it', { skip: !CRYPTO && 'no libcrypto.so.3' }, async () => {
  // the upstream release in Debian's version (3.0.22-1~deb12u2 → 3.0.22)
  const deb = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libssl3'], { encoding: 'utf8' }).replace(/-[^-]*$/, '');
  const [p] = await opensslExtractor.extract(realFile(CRYPTO!, 'usr/lib/x86_64-linux-gnu/libcrypto.so.3'), extractCtx());
  assert.equal(p.version, deb);
  const ssl = CRYPTO!.replace('libcrypto', 'libssl');
  const ctx = extractCtx({ 'usr/lib/x86_64-linux-gnu/libcrypto.so.3': readFileSync(CRYPTO!) });
  const [s] = await opensslExtractor.extract(realFile(ssl, 'usr/lib/x86_64-linux-gnu/libssl.so.3'), ctx);
  assert.equal(s.version, deb);
});
