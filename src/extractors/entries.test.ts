/**
 * Issue 13: one bad entry of a lockfile is a per-package error, never a lost file. Each case has
 * one good entry and one whose package URL packageurl-js refuses (it threw out of the extractor,
 * and the whole file was recorded as one extractor-error with no packages).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractorGroups } from './index.ts';
import { entry } from './entries.ts';
import { runExtractor } from './javascript/testutil.ts';
import { VigilError } from '../model/index.ts';

const extractor = (name: string) => {
  const e = extractorGroups.all.find((x) => x.name === name);
  assert.ok(e, name);
  return e;
};
const CRATES = 'registry+https://github.com/rust-lang/crates.io-index';

const CASES: { extractor: string; path: string; text: string; good: string; bad: RegExp }[] = [
  { extractor: 'go/gomod', path: 'svc/go.mod', text: 'module m\n\nrequire (\n\texample.com/good v1.2.3\n\texample.com/bad vfoo\n)\n', good: 'example.com/good', bad: /example\.com\/bad vfoo: .*"v" must be followed by a semantic version/ },
  { extractor: 'dotnet/packages-lock', path: 'packages.lock.json', text: JSON.stringify({ version: 1, dependencies: { 'net8.0': { Good: { type: 'Direct', resolved: '1.0.0' }, '': { type: 'Direct', resolved: '1.0.0' } } } }), good: 'Good', bad: /"name" is a required component/ },
  { extractor: 'dotnet/deps-json', path: 'app.deps.json', text: JSON.stringify({ libraries: { 'Good/1.0.0': { type: 'package' }, ' /1.0': { type: 'package' } } }), good: 'Good', bad: /"name" is a required component/ },
  { extractor: 'rust/cargo-lock', path: 'Cargo.lock', text: `version = 3\n[[package]]\nname = "good"\nversion = "1.0.0"\nsource = "${CRATES}"\n[[package]]\nname = ""\nversion = "1.0.0"\nsource = "${CRATES}"\n`, good: 'good', bad: /"name" is a required component/ },
];

for (const c of CASES) {
  test(`${c.extractor}: an entry whose package cannot be built is skipped and recorded; the rest is read`, async () => {
    const { packages, errors } = await runExtractor(extractor(c.extractor), c.path, { [c.path]: c.text });
    assert.deepEqual(packages.map((p) => p.name), [c.good]);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].rule, 'purl');
    assert.equal(errors[0].path, c.path);
    assert.match(errors[0].message, c.bad);
  });
}

test('entry: a VigilError is recorded under its rule, anything else as extractor-error', () => {
  const problems: { rule: string; message: string }[] = [];
  assert.equal(entry(problems, 'a', () => 1), 1);
  assert.equal(entry(problems, 'b', () => { throw new VigilError('VIGIL_INVALID_VERSION', 'bad version', { rule: 'semver' }); }), undefined);
  assert.equal(entry(problems, 'c', () => { throw new TypeError('oops'); }), undefined);
  assert.deepEqual(problems, [
    { rule: 'semver', message: 'b: bad version; entry skipped' },
    { rule: 'extractor-error', message: 'c: oops; entry skipped' },
  ]);
});
