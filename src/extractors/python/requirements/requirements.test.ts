import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, runExtractor } from '../testutil.ts';
import { logicalLines, parseRequirements, requirementsExtractor } from './index.ts';

const here = import.meta.url;
const files = async (dir: string) => ({
  [`${dir}requirements.txt`]: await fixture(here, 'requirements.txt'),
  [`${dir}common.txt`]: await fixture(here, 'common.txt'),
  [`${dir}nested/extra.txt`]: await fixture(here, 'nested/extra.txt'),
  [`${dir}constraints.txt`]: await fixture(here, 'constraints.txt'),
});

test('fileRequired', () => {
  const r = (p: string) => requirementsExtractor.fileRequired(p, { path: p, kind: 'file', size: 1 });
  for (const p of ['requirements.txt', 'app/requirements-dev.txt', 'dev-requirements.txt', 'requirements/base.txt']) assert.ok(r(p), p);
  for (const p of ['common.txt', 'requirements.in', 'usr/lib/python3/dist-packages/x/requirements.txt']) assert.ok(!r(p), p);
});

test('logical lines: comments, continuations', () => {
  assert.deepEqual(logicalLines('a==1 \\\n  --hash=x # c\n# only comment\n\nb==2  # c\nc @ https://x/y#egg=c\n'), [
    { line: 1, text: 'a==1    --hash=x' },
    { line: 5, text: 'b==2' },
    { line: 6, text: 'c @ https://x/y#egg=c' },
  ]);
});

test('pinned lines are packages; the rest are unpinned-requirement errors; includes followed', async () => {
  const { packages, errors } = await runExtractor(requirementsExtractor, 'app/requirements.txt', await files('app/'));
  assert.deepEqual(
    packages.map((p) => `${p.name}@${p.version} ${p.purl} ${p.locations}`),
    [
      'Django@4.2.7 pkg:pypi/django@4.2.7 app/requirements.txt',
      'Flask_SQLAlchemy@3.1.1 pkg:pypi/flask-sqlalchemy@3.1.1 app/requirements.txt',
      'certifi@2023.11.17 pkg:pypi/certifi@2023.11.17 app/common.txt',
      'idna@3.6 pkg:pypi/idna@3.6 app/nested/extra.txt',
      'requests@2.31.0 pkg:pypi/requests@2.31.0 app/requirements.txt',
      'zope.interface@6.1 pkg:pypi/zope-interface@6.1 app/requirements.txt',
    ],
  );
  assert.ok(packages.every((p) => p.ecosystem === 'PyPI' && p.foundBy === 'python/requirements'));
  const unpinned = errors.filter((e) => e.rule === 'unpinned-requirement');
  assert.deepEqual(
    unpinned.map((e) => e.message.split(': ')[0]),
    ['app/requirements.txt:13', 'app/requirements.txt:14', 'app/requirements.txt:15', 'app/requirements.txt:16', 'app/requirements.txt:17', 'app/requirements.txt:18', 'app/requirements.txt:19'],
  );
  assert.ok(unpinned.every((e) => e.path === 'app/requirements.txt'));
  // ../missing.txt from nested/extra.txt; the cycle back to requirements.txt is not an error
  assert.deepEqual(errors.filter((e) => e.rule !== 'unpinned-requirement').map((e) => `${e.rule} ${e.path}`), ['include-not-found app/nested/extra.txt']);
});

test('an include that is itself a requirements file is left to its own extraction', async () => {
  const { packages, errors } = await runExtractor(requirementsExtractor, 'requirements/dev.txt', { 'requirements/dev.txt': '-r base.txt\npytest==7.4.3\n', 'requirements/base.txt': 'flask==3.0.0\n' });
  assert.deepEqual(packages.map((p) => p.name), ['pytest']);
  assert.deepEqual(errors, []);
});

test('sad: garbage and a truncated continuation do not throw', async () => {
  const bad = await runExtractor(requirementsExtractor, 'requirements.txt', { 'requirements.txt': await fixture(here, 'not-json.txt') });
  assert.deepEqual(bad.packages, []);
  assert.ok(bad.errors.length >= 1 && bad.errors.every((e) => e.rule === 'unpinned-requirement'));
  const cut = parseRequirements((await fixture(here, 'truncated.txt')).toString(), 'requirements.txt');
  assert.deepEqual(cut.packages.map((p) => `${p.name}@${p.version}`), ['Django@4.2.7']);
});
