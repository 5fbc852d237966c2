import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ExtractContext, ScanFile } from '../../types.ts';
import { goModExtractor, parseGoMod } from './index.ts';

const td = (p: string): Buffer => readFileSync(new URL(`testdata/${p}`, import.meta.url));
const file = (path: string, data: Buffer): ScanFile => ({ info: { path, kind: 'file', size: data.length }, read: async () => data });
const ctx = (): ExtractContext => ({ readFile: async () => null, fileErrors: [] });
const brief = (ps: { name: string; version: string }[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

test('real go.mod (Go 1.19 cmd module): both require blocks, indirect ones included', async () => {
  const c = ctx();
  const pkgs = await goModExtractor.extract(file('src/cmd/go.mod', td('happy/go-cmd.go.mod')), c);
  assert.equal(pkgs.length, 9);
  assert.deepEqual(c.fileErrors, []);
  const mod = pkgs.find((p) => p.name === 'golang.org/x/mod');
  assert.equal(mod?.version, '0.6.0-dev.0.20220419223038-86c51ed26bb4');
  assert.equal(mod?.purl, 'pkg:golang/golang.org/x/mod@v0.6.0-dev.0.20220419223038-86c51ed26bb4');
  assert.deepEqual(mod?.locations, ['src/cmd/go.mod']);
  const parsed = parseGoMod(td('happy/go-cmd.go.mod').toString()).file;
  assert.equal(parsed.module, 'cmd');
  assert.deepEqual(parsed.requires.filter((r) => r.indirect).map((r) => r.path), ['github.com/ianlancetaylor/demangle', 'golang.org/x/crypto']);
});

test('replace directives: module replacement applied, directory replacement dropped, other-version replace ignored', async () => {
  const c = ctx();
  const pkgs = await goModExtractor.extract(file('go.mod', td('happy/replace.go.mod')), c);
  assert.deepEqual(brief(pkgs), ['github.com/pkg/errors@0.9.1', 'golang.org/x/text@0.3.7', 'github.com/new/lib@1.4.2', 'example.com/pinned@1.2.0']);
  assert.deepEqual(c.fileErrors, []);
  const f = parseGoMod(td('happy/replace.go.mod').toString()).file;
  assert.equal(f.toolchain, 'go1.21.5');
  assert.equal(f.replaces.length, 3);
});

test('sad: unknown directive, malformed require lines and an unterminated block are reported; good lines kept', async () => {
  const c = ctx();
  const pkgs = await goModExtractor.extract(file('x/go.mod', td('sad/broken.go.mod')), c);
  assert.deepEqual(brief(pkgs), ['github.com/ok/one@1.0.0']);
  assert.deepEqual(c.fileErrors.map((e) => e.message.replace(/:.*?: /, ': ').split(' ').slice(0, 3).join(' ')), [
    'x/go.mod: unknown directive', 'x/go.mod: require needs', 'x/go.mod: require needs', 'x/go.mod: unterminated require',
  ]);
  assert.ok(c.fileErrors.every((e) => e.rule === 'go-mod-syntax' && e.path === 'x/go.mod'));
});

test('fileRequired: go.mod only, never go.sum', () => {
  const fr = (p: string): boolean => goModExtractor.fileRequired(p, { path: p, kind: 'file', size: 100 });
  assert.equal(fr('go.mod'), true);
  assert.equal(fr('src/app/go.mod'), true);
  assert.equal(fr('src/app/go.sum'), false);
  assert.equal(fr('src/app/notgo.mod'), false);
});
