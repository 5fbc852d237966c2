import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { extractCtx, scanFile, testdata } from '../../testkit.ts';
import { firstExisting, realFile } from '../testutil.ts';
import { goToolchainExtractor, toolchainVersion } from './index.ts';

const td = testdata(import.meta.url);
const f = (size: number) => ({ path: '', kind: 'file' as const, size });

test('fileRequired: $GOROOT/bin/go and VERSION files', () => {
  assert.ok(goToolchainExtractor.fileRequired('usr/local/go/bin/go', f(15 << 20)));
  assert.ok(goToolchainExtractor.fileRequired('usr/local/go/VERSION', f(40)));
  assert.ok(!goToolchainExtractor.fileRequired('usr/local/go/bin/gofmt', f(3 << 20)));
  assert.ok(!goToolchainExtractor.fileRequired('app/VERSION', f(1 << 20)));
});

test('toolchainVersion: releases and rcs; devel builds have none', () => {
  assert.equal(toolchainVersion('go1.21.5'), '1.21.5');
  assert.equal(toolchainVersion('go1.22rc1'), '1.22rc1');
  assert.equal(toolchainVersion('go1.19.8 X:boringcrypto'), '1.19.8');
  assert.equal(toolchainVersion(td('sad/devel-VERSION').toString()), undefined);
});

test('a go command without build info reads $GOROOT/VERSION; without either it is not the toolchain', async () => {
  const bin = scanFile('usr/local/go/bin/go', Buffer.alloc(4096, 1));
  const [p] = await goToolchainExtractor.extract(bin, extractCtx({ 'usr/local/go/VERSION': td('happy/VERSION') }));
  assert.deepEqual(p, { ecosystem: 'Go', name: 'toolchain', version: '1.21.5', purl: 'pkg:golang/toolchain@1.21.5', locations: ['usr/local/go/bin/go'], foundBy: 'runtime/go' });
  assert.deepEqual(await goToolchainExtractor.extract(bin, extractCtx()), []);
});

const GO = firstExisting('/usr/lib/go-1.19/bin/go', '/usr/local/go/bin/go');
test('real: the go command, from its own build info (cmd/go)', { skip: !GO && 'golang-go not installed' }, async () => {
  const want = /go version go(\S+)/.exec(execFileSync(GO!, ['version'], { encoding: 'utf8' }))![1];
  // no VERSION beside it in this context: the bytes alone say it
  const [p] = await goToolchainExtractor.extract(realFile(GO!, 'usr/local/go/bin/go'), extractCtx());
  assert.equal(p.version, want);
  // another Go program in a bin/ named go is not the toolchain
  const gofmt = GO!.replace(/go$/, 'gofmt');
  assert.deepEqual(await goToolchainExtractor.extract(realFile(gofmt, 'opt/tools/bin/go'), extractCtx()), []);
});
